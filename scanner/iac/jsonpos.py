"""Positions of keys and string values in a JSON text, for documents walked in order.

`json.loads` keeps no positions, but a walk over the decoded document visits keys in
the order they appear in the text, so a cursor that searches forward for `"key":`
finds each one in a single pass.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator

_SEARCH_WINDOW = 64 * 1024


class JsonLocator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._starts = [0]
        self._starts.extend(m.end() for m in re.finditer("\n", text))
        self._key_patterns: dict[str, re.Pattern[str]] = {}

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1

    def key(self, key: str) -> int | None:
        """Offset of the value that follows the next `"key":`, moving the cursor there."""
        pat = self._key_patterns.get(key)
        if pat is None:
            pat = re.compile(re.escape(json.dumps(key)) + r"\s*:\s*")
            self._key_patterns[key] = pat
        m = pat.search(self.text, self.pos)
        if m is None:
            return None
        self.pos = m.end()
        return m.end()

    def string(self, value: str) -> int | None:
        """Offset of the next occurrence of a string value (list items), moving the cursor past it."""
        end = self.pos + _SEARCH_WINDOW + len(value) * 2
        for enc in (json.dumps(value, ensure_ascii=False), json.dumps(value)):
            i = self.text.find(enc, self.pos, end)
            if i >= 0:
                self.pos = i + len(enc)
                return i
        return None

    def value_position(self, offset: int | None, fallback: int) -> tuple[int, int]:
        """Position of a string's first character given the offset of its opening quote."""
        if offset is None:
            return self.position(fallback)
        if offset < len(self.text) and self.text[offset] == '"':
            offset += 1
        return self.position(offset)


Path = tuple[str | int, ...]


def string_leaves(value: object, loc: JsonLocator, path: Path = ()) -> Iterator[tuple[Path, str, int | None]]:
    """(path, string, offset of its opening quote) for every string in document order."""
    if isinstance(value, dict):
        for k, v in value.items():
            off = loc.key(k)
            if isinstance(v, str):
                yield (*path, k), v, off
            elif isinstance(v, dict | list):
                yield from string_leaves(v, loc, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, str):
                yield (*path, i), v, loc.string(v)
            elif isinstance(v, dict | list):
                yield from string_leaves(v, loc, (*path, i))
