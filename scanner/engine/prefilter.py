"""The keyword prefilter: one Aho-Corasick automaton over every rule keyword."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import ahocorasick


class Prefilter:
    """Maps the keywords present in a text to the indices of the rules to run."""

    def __init__(self, keyword_sets: Sequence[Sequence[str]]) -> None:
        table: dict[str, set[int]] = {}
        for idx, keywords in enumerate(keyword_sets):
            for kw in keywords:
                table.setdefault(kw.lower(), set()).add(idx)
        self._automaton = ahocorasick.Automaton()
        for kw, idxs in table.items():
            self._automaton.add_word(kw, (kw, frozenset(idxs)))
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()
        self.keyword_count = len(table)

    def occurrences(self, text: str, cap: int) -> tuple[dict[int, list[int]], bool]:
        """Rule index -> end offsets of its keywords in `text` (at most cap+1 kept per rule), and
        whether those offsets are valid in `text` (lower-casing kept every offset in place)."""
        if self._empty or not text:
            return {}, True
        lower = text.lower()
        out: dict[int, list[int]] = {}
        for end, (_kw, idxs) in self._automaton.iter(lower):
            for i in idxs:
                lst = out.get(i)
                if lst is None:
                    out[i] = [end]
                elif len(lst) <= cap:
                    lst.append(end)
        return out, len(lower) == len(text)

    def keyword_ends(self, text: str) -> Iterator[tuple[int, str]]:
        """(offset just past the keyword, keyword) for every keyword occurrence (case-insensitive)."""
        if self._empty or not text:
            return
        for end, (kw, _idxs) in self._automaton.iter(text.lower()):
            yield end + 1, kw

    def candidates(self, text: str) -> set[int]:
        """Indices of rules with at least one keyword in `text` (case-insensitive)."""
        if self._empty or not text:
            return set()
        found: set[int] = set()
        seen_kw: set[str] = set()
        for _end, (kw, idxs) in self._automaton.iter(text.lower()):
            if kw not in seen_kw:
                seen_kw.add(kw)
                found |= idxs
        return found
