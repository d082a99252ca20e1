"""The keyword prefilter: one Aho-Corasick automaton over every rule keyword.

The automaton is `ahocorasick_rs` (Rust's aho-corasick crate) built as a DFA: on the full rule
pack (770 keywords) it runs about four times faster than pyahocorasick's trie walk, which had become
most of the scan time (see benchmarks/RESULTS.md, "Rule pack cost"). It is built on first use, so
start-up pays for it only when a text is scanned, and it is left out of pickles (workers rebuild it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation, MatchKind


class Prefilter:
    """Maps the keywords present in a text to the indices of the rules to run."""

    def __init__(self, keyword_sets: Sequence[Sequence[str]]) -> None:
        table: dict[str, set[int]] = {}
        for idx, keywords in enumerate(keyword_sets):
            for kw in keywords:
                table.setdefault(kw.lower(), set()).add(idx)
        self._words = list(table)
        self._rules = [frozenset(table[w]) for w in self._words]
        self._empty = not table
        self._text: Any = None
        self._bytes: Any = None
        self.keyword_count = len(table)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_text": None, "_bytes": None}

    def _matches(self, lower: str) -> list[tuple[int, int, int]]:
        if self._text is None:
            self._text = AhoCorasick(self._words, matchkind=MatchKind.Standard, implementation=Implementation.DFA)
        return self._text.find_matches_as_indexes(lower, overlapping=True)

    def occurrences(self, text: str, cap: int) -> tuple[dict[int, list[int]], bool]:
        """Rule index -> offsets of the last character of its keywords in `text` (at most cap+1 kept
        per rule), and whether those offsets are valid in `text` (lower-casing kept every offset in place)."""
        if self._empty or not text:
            return {}, True
        lower = text.lower()
        out: dict[int, list[int]] = {}
        rules = self._rules
        for word, _start, end in self._matches(lower):
            for i in rules[word]:
                lst = out.get(i)
                if lst is None:
                    out[i] = [end - 1]
                elif len(lst) <= cap:
                    lst.append(end - 1)
        return out, len(lower) == len(text)

    def keyword_ends(self, data: bytes) -> list[tuple[int, str]]:
        """(offset just past the keyword, keyword) for every keyword occurrence in `data` (ASCII case
        folding; byte offsets)."""
        if self._empty or not data:
            return []
        if self._bytes is None:
            self._bytes = BytesAhoCorasick([w.encode("utf-8") for w in self._words], matchkind=MatchKind.Standard,
                                           implementation=Implementation.DFA)
        words = self._words
        return [(end, words[word]) for word, _start, end in
                self._bytes.find_matches_as_indexes(data.lower(), overlapping=True)]

    def candidates(self, text: str) -> set[int]:
        """Indices of rules with at least one keyword in `text` (case-insensitive)."""
        if self._empty or not text:
            return set()
        found: set[int] = set()
        for word in {m[0] for m in self._matches(text.lower())}:
            found |= self._rules[word]
        return found
