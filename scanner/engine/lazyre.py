"""Regexes compiled on first use: start-up (the pre-commit hook above all) pays only for the
patterns a text actually needs; the filters' patterns are needed only once a rule has matched."""

from __future__ import annotations

from typing import Any

from scanner import regexcache


class LazyPattern:
    """Stands in for `regex.compile(pattern, flags)`; compiles on the first attribute use."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: Any = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = regexcache.compile_pattern(*self._args)
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> Any:
    return LazyPattern(pattern, flags)
