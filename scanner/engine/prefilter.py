"""The keyword prefilter: one Aho-Corasick automaton over every rule keyword.

The automaton is `ahocorasick_rs` (Rust's aho-corasick crate) built as a DFA: on the full rule
pack (770 keywords) it runs about four times faster than pyahocorasick's trie walk, which had become
most of the scan time (see benchmarks/RESULTS.md, "Rule pack cost"). It is built on first use, so
start-up pays for it only when a text is scanned, and it is left out of pickles (workers rebuild it).

A rule may also name literals it `requires` (its regex cannot match without one): an occurrence of
its keyword counts only when one of them is on the keyword's line or the next, the lines the rule's
regex would run on. A keyword as common as "@" then stops sending most lines to a regex.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation, MatchKind

_T = TypeVar("_T", str, bytes)


def in_window(low: _T, end: int, literals: Sequence[_T]) -> bool:
    """Whether one of `literals` is on the line holding offset `end` - 1 or on the line after it."""
    nl = "\n" if isinstance(low, str) else b"\n"
    start = low.rfind(nl, 0, end) + 1
    e1 = low.find(nl, end)
    stop = len(low) if e1 < 0 else low.find(nl, e1 + 1)
    if stop < 0:
        stop = len(low)
    return any(low.find(lit, start, stop) >= 0 for lit in literals)


class Prefilter:
    """Maps the keywords present in a text to the indices of the rules to run."""

    def __init__(self, keyword_sets: Sequence[Sequence[str]], requires: Sequence[Sequence[str]] = ()) -> None:
        table: dict[str, set[int]] = {}
        for idx, keywords in enumerate(keyword_sets):
            for kw in keywords:
                table.setdefault(kw.lower(), set()).add(idx)
        self._words = list(table)
        self._rules = [frozenset(table[w]) for w in self._words]
        needs = [tuple(r.lower() for r in req) for req in requires]
        needs += [()] * (len(keyword_sets) - len(needs))
        # per keyword: (rule index, literals it requires or ()) for each rule using it
        self._plan = [tuple((i, needs[i]) for i in sorted(table[w])) for w in self._words]
        # per keyword, for the bytes path: None when some rule takes it unconditionally, else the
        # literals any of which makes it count
        self._gate: list[tuple[bytes, ...] | None] = []
        for plan in self._plan:
            if any(not lits for _i, lits in plan):
                self._gate.append(None)
            else:
                self._gate.append(tuple({lit.encode("utf-8") for _i, lits in plan for lit in lits}))
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
        plan = self._plan
        present: dict[tuple[str, ...], bool] = {}  # required literals anywhere in the text at all
        for word, _start, end in self._matches(lower):
            for i, lits in plan[word]:
                if lits:
                    anywhere = present.get(lits)
                    if anywhere is None:
                        anywhere = present[lits] = any(lit in lower for lit in lits)
                    if not anywhere or not in_window(lower, end, lits):
                        continue
                lst = out.get(i)
                if lst is None:
                    out[i] = [end - 1]
                elif len(lst) <= cap:
                    lst.append(end - 1)
        return out, len(lower) == len(text)

    def keyword_ends(self, data: bytes) -> list[tuple[int, str]]:
        """(offset just past the keyword, keyword) for every keyword occurrence in `data` that counts
        (ASCII case folding; byte offsets)."""
        if self._empty or not data:
            return []
        if self._bytes is None:
            self._bytes = BytesAhoCorasick([w.encode("utf-8") for w in self._words], matchkind=MatchKind.Standard,
                                           implementation=Implementation.DFA)
        words, gate = self._words, self._gate
        low = data.lower()
        out = []
        present: dict[tuple[bytes, ...], bool] = {}  # required literals anywhere in `data` at all
        for word, _start, end in self._bytes.find_matches_as_indexes(low, overlapping=True):
            lits = gate[word]
            if lits is not None:
                anywhere = present.get(lits)
                if anywhere is None:
                    anywhere = present[lits] = any(lit in low for lit in lits)
                if not anywhere or not in_window(low, end, lits):
                    continue
            out.append((end, words[word]))
        return out

    def candidates(self, text: str) -> set[int]:
        """Indices of rules with at least one keyword in `text` (case-insensitive)."""
        if self._empty or not text:
            return set()
        found: set[int] = set()
        for word in {m[0] for m in self._matches(text.lower())}:
            found |= self._rules[word]
        return found
