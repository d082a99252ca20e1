"""Compiled patterns survive runs: a pattern compiled once is built again from the cache file without
regex parsing it; a file others could write, a damaged file or KEYSWEEP_NO_CACHE fall back to compiling."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import regex

from scanner import regexcache
from scanner.rules import PATTERN_FLAGS


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("KEYSWEEP_NO_CACHE", raising=False)
    regexcache.reset()
    yield tmp_path
    regexcache.reset()


def fresh_pattern() -> str:
    # a pattern regex has not seen in this process (its own in-process cache would answer otherwise)
    return rf"(?i)\btok_{uuid.uuid4().hex[:8]}_([A-Za-z0-9]{{20,40}})\b"


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("regex parsed a pattern the cache holds")
    monkeypatch.setattr(regex._main, "_parse_pattern", refuse)


def test_a_pattern_compiled_once_is_built_from_the_cache_next_time(monkeypatch: pytest.MonkeyPatch) -> None:
    pat = fresh_pattern()
    first = regexcache.compile_pattern(pat, PATTERN_FLAGS)
    assert regexcache.cache_file().stat().st_size > 0
    regexcache.reset()  # as a new process would: only the file is left
    regex.purge()
    no_parsing(monkeypatch)
    again = regexcache.compile_pattern(pat, PATTERN_FLAGS)
    text = "x TOK_" + pat[10:18] + "_Q7x9Lm2Pz8Rk4Tb6Wd1Yh y"
    assert first.search(text) is not None
    assert again.search(text).group(1) == first.search(text).group(1) == "Q7x9Lm2Pz8Rk4Tb6Wd1Yh"
    assert again.flags == first.flags and again.groups == first.groups


def test_a_cache_file_others_can_write_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    pat = fresh_pattern()
    regexcache.compile_pattern(pat, PATTERN_FLAGS)
    os.chmod(regexcache.cache_file(), 0o666)
    regexcache.reset()
    regex.purge()
    parsed: list[str] = []
    real = regex._main._parse_pattern

    def counting(*a: object, **k: object) -> object:
        parsed.append("x")
        return real(*a, **k)
    monkeypatch.setattr(regex._main, "_parse_pattern", counting)
    assert regexcache.compile_pattern(pat, PATTERN_FLAGS).search("tok_" + pat[10:18] + "_" + "a" * 20)
    assert parsed  # compiled afresh, not taken from the world-writable file


def test_a_damaged_cache_file_falls_back_to_compiling() -> None:
    path = regexcache.cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x80\x05not a pickle at all")
    os.chmod(path, 0o600)
    pat = fresh_pattern()
    assert regexcache.compile_pattern(pat, PATTERN_FLAGS).search("tok_" + pat[10:18] + "_" + "b" * 20)


def test_a_torn_last_entry_keeps_the_entries_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pat = fresh_pattern()
    regexcache.compile_pattern(pat, PATTERN_FLAGS)
    with open(regexcache.cache_file(), "ab") as fh:
        fh.write(b"\x80\x05\x95\xff\xff")  # a write cut short
    regexcache.reset()
    regex.purge()
    no_parsing(monkeypatch)
    assert regexcache.compile_pattern(pat, PATTERN_FLAGS).search("tok_" + pat[10:18] + "_" + "c" * 20)


def test_keysweep_no_cache_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSWEEP_NO_CACHE", "1")
    regexcache.compile_pattern(fresh_pattern(), PATTERN_FLAGS)
    assert not regexcache.cache_file().exists()


def test_an_invalid_pattern_is_still_an_error() -> None:
    with pytest.raises(regex.error):
        regexcache.compile_pattern(r"(unclosed" + uuid.uuid4().hex, PATTERN_FLAGS)
