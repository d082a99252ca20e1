"""The keyword automaton in C (`_spans.find`, eight slices of a text at a time) finds exactly the
occurrences `ahocorasick_rs` finds with overlapping=True, in the same order, and the Python
definition (`dfa.find_py`) agrees with both."""

from __future__ import annotations

import random

import pytest
from ahocorasick_rs import BytesAhoCorasick, Implementation, MatchKind
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import dfa
from scanner.engine.prefilter import Prefilter
from tests.helpers import builtin_engine

_spans = pytest.importorskip("scanner.engine._spans")

# a small alphabet: keywords overlap, nest and share prefixes and suffixes
WORDS = st.lists(st.binary(min_size=1, max_size=7).map(lambda b: bytes(97 + x % 4 for x in b)),
                 min_size=1, max_size=12, unique=True)


def reference(words: list[bytes], data: bytes) -> list[tuple[int, int, int]]:
    ac = BytesAhoCorasick(words, matchkind=MatchKind.Standard, implementation=Implementation.DFA)
    return ac.find_matches_as_indexes(data, overlapping=True)


def c_find(words: list[bytes], data: bytes) -> list[tuple[int, int, int]]:
    return _spans.find(_spans.dfa(*dfa.build(words).args()), data)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.binary(max_size=300).map(lambda b: bytes(97 + x % 5 for x in b)))
def test_short_texts_give_the_reference_matches(words: list[bytes], data: bytes) -> None:
    want = reference(words, data)
    assert c_find(words, data) == want
    assert dfa.find_py(dfa.build(words), data) == want


@settings(max_examples=60, deadline=None)
@given(WORDS, st.integers(1024, 20_000), st.integers(0, 2**32 - 1))  # 1024: STREAM_MIN in _spans.c
def test_long_texts_searched_in_slices_lose_and_repeat_nothing(words: list[bytes], n: int, seed: int) -> None:
    rng = random.Random(seed)
    data = bytes(rng.choice(b"abcde") for _ in range(n))
    assert c_find(words, data) == reference(words, data)


def test_occurrences_across_every_slice_cut_are_found_once() -> None:
    words = [b"password", b"word", b"sword", b"d"]
    n = 4096 * 3
    cut = n // 8  # where the eight slices meet
    for shift in range(9):  # the keyword straddles each cut at every offset, ends at it, starts at it
        data = bytearray(b"x" * n)
        for j in range(1, 8):
            data[j * cut - shift:j * cut - shift + 8] = b"password"
        got = c_find(words, bytes(data))
        assert got == reference(words, bytes(data))
        assert len(got) == len(set(got))


def test_the_rule_pack_finds_what_ahocorasick_rs_finds() -> None:
    pf: Prefilter = builtin_engine()._prefilter
    words = [w.encode() for w in pf._words]
    rng = random.Random(7)
    pieces = [*words, b" ", b"\n", b"=", b'"', b"x" * 50, b"_", b"-"]
    for n in (0, 10, 5000, 70_000):
        data = b"".join(rng.choice(pieces) for _ in range(n // 6 + 1))[:n]
        assert pf._bytes_matches(data) == reference(words, data)


@pytest.mark.parametrize("field, value", [
    ("trans", b"\xff\xff\xff\x7f"),  # a transition past the table
    ("classes", b"\xff" * 256),  # a class past the row
    ("first_match", 1),  # not a row offset
    ("out_index", b""),  # match states without their index
])
def test_tables_that_do_not_fit_together_are_refused(field: str, value: object) -> None:
    d = dfa.build([b"ab", b"b"])
    args = {"classes": d.classes, "stride": d.stride, "trans": d.trans, "first_match": d.first_match,
            "out_index": d.out_index, "pairs": d.pairs, "longest": d.longest, "words": d.words}
    if field == "trans":
        value = d.trans[:-4] + value  # type: ignore[operator]
    args[field] = value
    with pytest.raises(ValueError):
        _spans.dfa(*args.values())


def test_an_empty_keyword_is_refused() -> None:
    with pytest.raises(ValueError):
        dfa.build([b"a", b""])
