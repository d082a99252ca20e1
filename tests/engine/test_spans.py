"""The C spans (scanner/engine/_spans.c) are the Python definitions' numbers, for str and bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import matcher, prefilter
from scanner.engine.prefilter import (
    PROBE_COST,
    REACH,
    Prefilter,
    _collect_py,
    _keyword_ends_py,
    assigned_py,
    char_offsets_py,
    window_py,
    windows_py,
)
from scanner.models import Chunk, Origin

_spans = pytest.importorskip("scanner.engine._spans")

# short texts with a small reach exercise the cuts; newlines, wide characters and long runs
TEXT = st.text(alphabet=st.sampled_from(["a", "b", "\n", "é", "\u20ac", "\U0001f511", " "]), max_size=80)


def both(text: str) -> list[str | bytes]:
    return [text, text.encode("utf-8")]


@given(TEXT, st.integers(0, 12), st.data())
def test_window_is_the_python_window(text: str, reach: int, data: st.DataObject) -> None:
    for t in both(text):
        end = data.draw(st.integers(0, len(t)))
        orig = prefilter.REACH
        try:
            prefilter.REACH = reach
            expected = window_py(t, end)
        finally:
            prefilter.REACH = orig
        assert _spans.window(t, end, reach) == expected


@given(TEXT, st.integers(0, 12), st.data())
def test_windows_are_the_python_windows_merged(text: str, reach: int, data: st.DataObject) -> None:
    for t in both(text):
        ends = data.draw(st.lists(st.integers(0, len(t)), max_size=8))
        orig = prefilter.REACH
        try:
            prefilter.REACH = reach
            expected = windows_py(t, ends)
        finally:
            prefilter.REACH = orig
        assert _spans.windows(t, ends, reach) == expected


def test_the_shipped_reach_on_a_long_line() -> None:
    line = "x" * (3 * REACH) + "\n" + "y" * 10
    for t in both(line):
        assert _spans.window(t, 2 * REACH, REACH) == window_py(t, 2 * REACH) == (REACH, 3 * REACH)
        assert _spans.windows(t, [10, 2 * REACH], REACH) == windows_py(t, [10, 2 * REACH])


def test_bad_offsets_and_types_are_refused() -> None:
    with pytest.raises(ValueError):
        _spans.window("abc", 4, 10)
    with pytest.raises(ValueError):
        _spans.windows(b"abc", [1, -1], 10)
    with pytest.raises(TypeError):
        _spans.window(["abc"], 1, 10)
    with pytest.raises(TypeError):
        _spans.windows("abc", (1,), 10)


def test_a_scan_without_the_c_module_finds_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.engine.test_windowing import engines, example_lines

    lines = example_lines()
    text = "\n".join(lines[i * 7919 % len(lines)] for i in range(400)) + ";".join(lines[:50]) + "\n# é 😀\n"
    chunk = Chunk(text=text, origin=Origin(path="deploy/app.py"), utf8=text.encode("utf-8"))
    engine = engines()[0]
    with_c = engine.scan(chunk)
    assert with_c
    monkeypatch.setattr(prefilter, "window", window_py)
    monkeypatch.setattr(matcher, "windows", windows_py)
    monkeypatch.setattr(prefilter, "_collect", _collect_py)
    monkeypatch.setattr(prefilter, "char_offsets", char_offsets_py)
    assert engine.scan(chunk) == with_c


KEYWORDS = st.lists(st.sampled_from(["ab", "b", "ba", "abc", "c", "@", "x@"]), min_size=1, max_size=3, unique=True)
LITERALS = st.lists(st.sampled_from(["://", "c", "zz", "a\n"]), max_size=2, unique=True)
LEAST = st.sampled_from([0, 0, 1, 3])  # a rule's shortest assigned value (0: none)
RULES = st.lists(st.tuples(KEYWORDS, LITERALS, LEAST), min_size=1, max_size=5)


def prefilter_of(rules: list[tuple[list[str], list[str], int]]) -> Prefilter:
    return Prefilter([kws for kws, _, _ in rules], [lits for _, lits, _ in rules], [v for _, _, v in rules])


@settings(max_examples=300, deadline=None)
@given(RULES, st.text(alphabet="abcxz@:/\n= '", max_size=120), st.integers(0, 4))
def test_collect_is_the_python_collect(rules: list[tuple[list[str], list[str], int]], text: str, cap: int) -> None:
    # which occurrences count for which rule (requires, assigned values, gates, caps, keywords whose
    # rules are all full)
    pf = prefilter_of(rules)
    low = text.encode("ascii").lower()
    matches = pf._bytes_matches(low)
    args = (low, matches, pf._plan_b, pf._gate, cap, pf._words_of)
    assert _spans.collect(*args, len(pf._words_of), REACH, PROBE_COST, pf._least) == _collect_py(*args, pf._least)


SHORT_LINES = st.lists(st.sampled_from(["ab", "b c", "://", "ab=zzz", "c: x = 'abc'", "zzab", ""]),
                       max_size=40).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(RULES, st.one_of(st.text(alphabet="abcxz@:/\n= '", max_size=200), SHORT_LINES),
       st.sampled_from([0, PROBE_COST, 10**9]))
def test_keyword_ends_is_the_python_keyword_ends(rules: list[tuple[list[str], list[str], int]], text: str,
                                                 probe_cost: int) -> None:
    # which occurrences count for some rule of their keyword (history's gate over changed parts)
    pf = prefilter_of(rules)
    low = text.encode("ascii").lower()
    matches = pf._bytes_matches(low)
    got = _spans.keyword_ends(low, matches, pf._counts, pf._words, REACH, probe_cost)
    shipped = prefilter.PROBE_COST
    prefilter.PROBE_COST = probe_cost
    try:
        assert got == _keyword_ends_py(low, matches, pf._counts, pf._words)
    finally:
        prefilter.PROBE_COST = shipped
    # and what it means: an occurrence counts when one of its rules has its literal in the window
    # and, if it needs one, an assigned value
    expected = []
    for word, start, end in matches:
        ws, we = window_py(low, end)
        if any((not lits or any(low.find(lit, ws, we) >= 0 for lit in lits))
               and (not pf._least[i] or assigned_py(low, start, pf._least[i])) for i, lits in pf._plan_b[word]):
            expected.append((end, pf._words[word]))
    assert got == expected


def plain_collect(low: bytes, matches: list[tuple[int, int, int]],
                  plan: list[tuple[tuple[int, tuple[bytes, ...]], ...]], cap: int,
                  least: bytes) -> dict[int, list[int]]:
    """What collect means, without its shortcuts: every occurrence whose window holds one of its
    rule's literals (or whose rule needs none) and that is assigned a value as long as the rule
    needs, the first cap+1 per rule (two at least)."""
    out: dict[int, list[int]] = {}
    for word, start, end in matches:
        ws, we = window_py(low, end)
        for i, lits in plan[word]:
            if lits and not any(low.find(lit, ws, we) >= 0 for lit in lits):
                continue
            if least[i] and not assigned_py(low, start, least[i]):
                continue
            lst = out.setdefault(i, [])
            if len(lst) < max(cap + 1, 2):
                lst.append(end - 1)
    return out


LINES = st.lists(st.sampled_from(["ab", "b", "x", "zz", "b c", "://", "a", "ab x@", "", "c b", "zzab", "ab=zzz",
                                  "c: x = 'abc'"]),
                 max_size=150).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(RULES, st.one_of(st.text(alphabet="abcxz@:/\n= ", max_size=700), LINES), st.sampled_from([0, 1, 3, 48]),
       st.sampled_from([0, PROBE_COST, 10**9]))
def test_collect_shortcuts_change_no_answer(rules: list[tuple[list[str], list[str], int]], text: str, cap: int,
                                            probe_cost: int) -> None:
    # many occurrences: literals are looked for in windows, then searched for onwards (remembered),
    # and rules and keywords with nothing further on are settled
    pf = prefilter_of(rules)
    low = text.encode("ascii").lower()
    matches = pf._bytes_matches(low)
    expected = plain_collect(low, matches, pf._plan_b, cap, pf._least)
    args = (low, matches, pf._plan_b, pf._gate, cap, pf._words_of)
    assert _spans.collect(*args, len(pf._words_of), REACH, probe_cost, pf._least) == expected
    shipped = prefilter.PROBE_COST
    prefilter.PROBE_COST = probe_cost  # (read by _lit_in at each call)
    try:
        assert _collect_py(*args, pf._least) == expected
    finally:
        prefilter.PROBE_COST = shipped


def test_collect_refuses_what_does_not_fit() -> None:
    pf = Prefilter([["ab"]], [["c"]])
    args = (b"ab c", [(0, 0, 2)], pf._plan_b, pf._gate, 4, pf._words_of)
    assert _spans.collect(*args, 1, REACH, PROBE_COST, b"") == {0: [1]}
    with pytest.raises(IndexError):
        _spans.collect(b"ab c", [(5, 0, 2)], *args[2:], 1, REACH, PROBE_COST, b"")
    with pytest.raises(IndexError):
        _spans.collect(b"ab", [(0, 0, 9)], *args[2:], 1, REACH, PROBE_COST, b"")
    with pytest.raises(IndexError):
        _spans.collect(b"ab", [(0, 2, 1)], *args[2:], 1, REACH, PROBE_COST, b"")  # a start past its end
    with pytest.raises(TypeError):
        _spans.collect("ab c", *args[1:], 1, REACH, PROBE_COST, b"")
    with pytest.raises(TypeError):
        _spans.collect(*args, 1, REACH, PROBE_COST, [0])
    with pytest.raises(ValueError):
        _spans.assigned(b"ab", 3, 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "\n", "é", "\u20ac", "\U0001f511", "\ud800"]), max_size=60),
       st.data())
def test_char_offsets_are_the_python_char_offsets(text: str, data: st.DataObject) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    bounds = sorted({len(text[:i].encode("utf-8", "surrogatepass")) for i in range(len(text) + 1)})
    offsets = sorted(data.draw(st.lists(st.sampled_from(bounds), max_size=8)))
    expected = char_offsets_py(raw, offsets)
    assert _spans.char_offsets(raw, offsets) == expected
    assert all(len(text[:c].encode("utf-8", "surrogatepass")) == o for o, c in zip(offsets, expected, strict=True))


def test_char_offsets_refuses_offsets_out_of_order_or_outside() -> None:
    with pytest.raises(ValueError):
        _spans.char_offsets(b"abc", [2, 1])
    with pytest.raises(ValueError):
        _spans.char_offsets(b"abc", [4])
    with pytest.raises(TypeError):
        _spans.char_offsets("abc", [1])


@pytest.mark.parametrize("text", ["TOKEN=1\nurl = https://u:p@h\n", "é ToKeN=1\n€ url = https://u:p@h 😀\n"])
def test_the_utf8_a_source_holds_gives_the_same_occurrences(text: str) -> None:
    pf = Prefilter([["token"], ["@"]], [[], ["://"]])
    assert pf.occurrences(text, 48, text.encode("utf-8")) == pf.occurrences(text, 48)
    assert pf.occurrences(text, 48)[0]  # (something was found)


# names, separators, operators, annotations, quotes and values around the limits of assigned_py
PIECES = st.sampled_from(["pass", "word", "_x", ".", "-", "a" * 30, "a" * 63, "\"", "'", "`", "]", " ", "\t", "=",
                          ":", "=>", ":=", "==", ": str", " Optional[int] ", "&'a", "|", ",", "x" * 8, "y" * 15,
                          "\n", "\r", "\x0b", "\u00e9", "\u20ac", "(", ";", "\x00", "\\", "{", "<"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(PIECES, max_size=14).map("".join), st.integers(1, 20), st.integers(0, 3))
def test_assigned_is_the_python_assigned(text: str, least: int, start: int) -> None:
    low = text.encode("utf-8").lower()
    start = min(start, len(low))
    assert _spans.assigned(low, start, least) == assigned_py(low, start, least)


def test_assigned_answers_at_its_bounds() -> None:
    # a name of NAME_REACH characters from the keyword's start may be assigned; one more may not
    for n, expected in [(prefilter.NAME_REACH, True), (prefilter.NAME_REACH + 1, False)]:
        low = b"p" * n + b" = 'abcdefgh'"
        assert _spans.assigned(low, 0, 8) is assigned_py(low, 0, 8) is expected
    # a type annotation puts the '=' at most TYPE_REACH characters after the ':'
    for n, expected in [(prefilter.TYPE_REACH, True), (prefilter.TYPE_REACH + 1, False)]:
        low = b"password:" + (b" t" * n)[:n - 1] + b"= 'abcdefgh'"  # (no value of 8 after the ':' itself)
        assert _spans.assigned(low, 0, 8) is assigned_py(low, 0, 8) is expected
    for low, expected in [(b"token=redacted", False), (b"token: 'abcdefghijklmnop'", True),
                          (b"token = \"abcdefghijklmno\"", False), (b"token => abcdefghijklmnop", True),
                          (b"token: str = 'abcdefghijklmnop'", True), (b"token: str | none = none", False),
                          (b"token\n= 'abcdefghijklmnop'", False), (b"t\xc3\xa9=x", True)]:
        assert _spans.assigned(low, 0, 16) is assigned_py(low, 0, 16) is expected, low
