"""Patterns compiled on first use behave like compiled ones and cost nothing until then."""

from __future__ import annotations

import regex

from scanner.engine.lazyre import LazyPattern


def test_a_lazy_pattern_compiles_on_first_use_and_matches_like_the_compiled_one() -> None:
    lazy = LazyPattern(r"^[0-9a-f]{8}$", regex.IGNORECASE)
    assert lazy._compiled is None  # noqa: SLF001 - nothing compiled at import time
    assert bool(lazy.match("DEADBEEF")) and lazy.match("deadbeefx") is None
    assert lazy._compiled is not None  # noqa: SLF001
    assert lazy.pattern == r"^[0-9a-f]{8}$"
