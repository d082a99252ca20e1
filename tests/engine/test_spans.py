"""The C spans (scanner/engine/_spans.c) are the Python definitions' numbers, for str and bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.engine import matcher, prefilter
from scanner.engine.prefilter import REACH, window_py, windows_py
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
    text = "\n".join(lines[i * 7919 % len(lines)] for i in range(400)) + ";".join(lines[:50])
    chunk = Chunk(text=text, origin=Origin(path="deploy/app.py"))
    engine = engines()[0]
    with_c = engine.scan(chunk)
    assert with_c
    monkeypatch.setattr(prefilter, "window", window_py)
    monkeypatch.setattr(matcher, "windows", windows_py)
    assert engine.scan(chunk) == with_c
