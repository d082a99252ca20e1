"""The keyword prefilter: one Aho-Corasick automaton over every rule keyword.

Bytes are searched with our own table DFA (scanner/engine/dfa.py), run by `_spans.find` over eight
slices of a text at once: about five times `ahocorasick_rs`'s DFA on the full rule pack (1,700
keywords), with the same matches in the same order. `ahocorasick_rs` (Rust's aho-corasick crate)
searches str texts and stands in when the C module is missing. Automata are built on first use, so
start-up pays for them only when a text is scanned, and are left out of pickles (workers rebuild them).

A rule may also name literals it `requires` (its regex cannot match without one): an occurrence of
its keyword counts only when one of them is in the window the rule's regex would run on (`window`:
the keyword's line and the next, long lines cut REACH characters from it). A keyword as common as
"@" then stops sending most lines to a regex.

ASCII text, nearly all of it, is lower-cased and searched as bytes (the same offsets; `bytes.lower`
and the bytes automaton are much cheaper than their str versions, which track character offsets).
Other text is searched as UTF-8 bytes too while every keyword is ASCII, and the offsets found are
mapped back to characters; only ASCII letters are folded then (a keyword spelt with the Kelvin sign
for "k" is not a keyword).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation, MatchKind

from scanner import dfacache

_T = TypeVar("_T", str, bytes)


REACH = 4096  # how far from a keyword its required literals are looked for (long minified lines)


def window_py(low: _T, end: int) -> tuple[int, int]:
    """The span a rule's regex runs on, and its required literals are looked for in, around the
    keyword ending at offset `end` - 1: its line and the line after it. A line longer than REACH (a
    minified bundle is one line of megabytes) is cut REACH characters from the keyword (before it,
    on its own line; after it, on its own line and on the next); shorter lines are never cut."""
    nl = "\n" if isinstance(low, str) else b"\n"
    n = len(low)
    lo = max(0, end - REACH)
    start = low.rfind(nl, lo, end) + 1 or lo
    e1 = low.find(nl, end, end + REACH)
    if e1 < 0:
        return start, min(n, end + REACH)
    e2 = low.find(nl, e1 + 1, e1 + 1 + REACH)
    return start, (min(n, e1 + 1 + REACH) if e2 < 0 else e2)


def windows_py(text: _T, ends: list[int]) -> list[tuple[int, int, bool]]:
    """The windows of keywords ending at `ends` (in order), merged where they touch or overlap, each
    with whether its end is a cut inside a long line rather than a line's or the text's end."""
    spans: list[tuple[int, int, bool]] = []
    n = len(text)
    nl = "\n" if isinstance(text, str) else b"\n"
    for end in ends:
        ws, we = window_py(text, end)
        cut = we < n and text[we:we + 1] != nl
        if spans and ws <= spans[-1][1]:
            if we > spans[-1][1]:
                spans[-1] = (spans[-1][0], we, cut)
        else:
            spans.append((ws, we, cut))
    return spans


def char_offsets_py(raw: bytes, offsets: list[int]) -> list[int]:
    """The character offsets in the text whose UTF-8 is `raw` of the byte offsets `offsets` (in
    order, each on a character boundary): the bytes before each that do not continue a character."""
    out: list[int] = []
    count = prev = 0
    for off in offsets:
        count += len(raw[prev:off].decode("utf-8", "surrogatepass"))
        prev = off
        out.append(count)
    return out


NAME_REACH = 64  # how far from its keyword's start the name of an `assigned_value` rule may run
TYPE_REACH = 64  # how far a type annotation (`password: str = ...`) may put the `=` after the `:`
_NAME = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_BEFORE_OP = frozenset(b"\"'`] \t")  # a closing quote or bracket and spaces between a name and its `=`
_TYPE = (_NAME - {ord("-")}) | frozenset(b"[]|,&' \t")  # what a type annotation is made of
_QUOTE = frozenset(b"\"'`")
_ENDS_QUOTED = frozenset(b" \t\n\r\x0b\x0c\\")  # what ends a value in quotes (and its own quote)
_ENDS_BARE = _ENDS_QUOTED | _QUOTE | frozenset(b";,&<>(){}[]")  # what ends a value without quotes


def _code(low: str | bytes, i: int) -> int:
    c = low[i]
    return c if isinstance(c, int) else ord(c)


def _value_after(low: str | bytes, op: int, least: int) -> bool:
    """Whether a value of `least` characters starts after the operator at `op` (`=`, `:`, or the first
    of `=>`, `:=`), up to three spaces or tabs on: in quotes, none of them ASCII whitespace, a
    backslash or its quote; without, none of them whitespace, a backslash, a quote or `;,&<>(){}[]`."""
    n = len(low)
    ends = [op + 1]
    if op + 1 < n and _code(low, op + 1) in b">=":
        ends.append(op + 2)
    for i in ends:
        skipped = 0
        while i < n and skipped < 3 and _code(low, i) in b" \t":
            i, skipped = i + 1, skipped + 1
        stop: frozenset[int] = _ENDS_BARE
        if i < n and _code(low, i) in _QUOTE:
            stop = _ENDS_QUOTED | {_code(low, i)}
            i += 1
        run = 0
        while i < n and run < least and _code(low, i) not in stop:
            i, run = i + 1, run + 1
        if run >= least:
            return True
    return False


def assigned_py(low: str | bytes, start: int, least: int) -> bool:
    """Whether the keyword starting at `start` may begin a name assigned a value of at least `least`
    characters, as the regex of a rule with `assigned_value = least` needs: from the keyword on, a name
    (letters, digits, `_`, `.`, `-`) of at most NAME_REACH characters; at most five closing quotes,
    brackets, spaces or tabs; `=` or `:` (then perhaps a type annotation up to an `=`); the operator,
    up to three spaces or tabs; then a value of `least` characters (`_value_after`).
    Anything non-ASCII on the way answers yes: a name or annotation in other letters is not measured
    (the answer may be yes where the regex finds nothing, never no where it finds something)."""
    n = len(low)
    i = start
    while i < n and _code(low, i) in _NAME:
        i += 1
        if i - start > NAME_REACH:
            return False
    if i < n and _code(low, i) >= 0x80:
        return True
    skipped = 0
    while i < n and skipped < 5 and _code(low, i) in _BEFORE_OP:
        i, skipped = i + 1, skipped + 1
    if i >= n or _code(low, i) not in b":=":
        return False
    if _value_after(low, i, least):
        return True
    if _code(low, i) == 0x3A:  # ':' may start a type annotation, which ends at the first '='
        for j in range(i + 1, min(n, i + 1 + TYPE_REACH)):
            c = _code(low, j)
            if c >= 0x80:
                return True
            if c == 0x3D:
                return _value_after(low, j, least)
            if c not in _TYPE:
                break
    return False


try:  # the same spans from one C call (scanner/engine/_spans.c); the Python versions above otherwise
    from scanner.engine import _spans
except ImportError:  # pragma: no cover - built without a compiler
    _spans = None  # type: ignore[assignment]
    window, windows = window_py, windows_py
    char_offsets: Callable[[bytes, list[int]], list[int]] = char_offsets_py
    assigned: Callable[[bytes, int, int], bool] = assigned_py
else:
    def window(low: _T, end: int) -> tuple[int, int]:
        return _spans.window(low, end, REACH)

    def windows(text: _T, ends: list[int]) -> list[tuple[int, int, bool]]:
        return _spans.windows(text, ends, REACH)

    char_offsets = _spans.char_offsets  # (the fallback above, in one C pass)
    assigned = _spans.assigned  # (assigned_py on bytes)


def line_end(text: str, pos: int) -> int:
    """Offset of the newline ending the line that holds `pos` (the text's length on the last line):
    where a match that ran into a window's cut is matched again up to."""
    e = text.find("\n", pos)
    return len(text) if e < 0 else e


class Prefilter:
    """Maps the keywords present in a text to the indices of the rules to run."""

    def __init__(self, keyword_sets: Sequence[Sequence[str]], requires: Sequence[Sequence[str]] = (),
                 assigned_values: Sequence[int] = ()) -> None:
        table: dict[str, set[int]] = {}
        for idx, keywords in enumerate(keyword_sets):
            for kw in keywords:
                table.setdefault(kw.lower(), set()).add(idx)
        self._words = list(table)
        self._rules = [frozenset(table[w]) for w in self._words]
        needs = [tuple(r.lower() for r in req) for req in requires]
        needs += [()] * (len(keyword_sets) - len(needs))
        # per keyword: (rule index, literals it requires or ()) for each rule using it, with the
        # literals as str (for non-ASCII text) and as bytes (ASCII text and blobs)
        self._plan = [tuple((i, needs[i]) for i in sorted(table[w])) for w in self._words]
        self._plan_b = [tuple((i, tuple(lit.encode("utf-8") for lit in lits)) for i, lits in plan)
                        for plan in self._plan]
        # per keyword, for `collect`: None when some rule of it needs no literal, else every literal of
        # its rules (one look for any of them before each rule's own)
        self._gate_s: list[tuple[str, ...] | None] = [
            None if any(not lits for _i, lits in plan)
            else tuple(dict.fromkeys(lit for _i, lits in plan for lit in lits))
            for plan in self._plan]
        self._gate = [None if g is None else tuple(lit.encode("utf-8") for lit in g) for g in self._gate_s]
        least = list(assigned_values) + [0] * (len(keyword_sets) - len(assigned_values))
        if any(not 0 <= v <= 255 for v in least):
            raise ValueError("an assigned value's length must be between 0 and 255")
        self._least = bytes(least)  # per rule: the shortest value its keyword must be assigned, or 0
        # per keyword, for `keyword_ends`: None when some rule takes every occurrence, else what makes an
        # occurrence count for each of its rules: (literals, shortest assigned value)
        self._counts: list[tuple[tuple[tuple[bytes, ...], int], ...] | None] = [
            None if any(not lits and not least[i] for i, lits in plan) else tuple((lits, least[i]) for i, lits in plan)
            for plan in self._plan_b]
        of: dict[int, list[int]] = {}
        for w, word in enumerate(self._words):
            for i in table[word]:
                of.setdefault(i, []).append(w)
        self._words_of = [tuple(of.get(i, ())) for i in range(len(keyword_sets))]
        self._empty = not table
        self._ascii_words = all(w.isascii() for w in table)
        self._text: Any = None
        self._bytes: Any = None
        self.keyword_count = len(table)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_text": None, "_bytes": None}

    def _matches(self, lower: str) -> list[tuple[int, int, int]]:
        if self._text is None:
            self._text = AhoCorasick(self._words, matchkind=MatchKind.Standard, implementation=Implementation.DFA)
        return self._text.find_matches_as_indexes(lower, overlapping=True)

    def prepare(self) -> None:
        """Build the byte automaton now (before forking workers: they share it, none builds its own)."""
        if not self._empty:
            self._bytes_matches(b"")

    def _bytes_matches(self, lower: bytes) -> list[tuple[int, int, int]]:
        if self._bytes is None:
            words = [w.encode("utf-8") for w in self._words]
            # our table DFA in C: the same matches, about five times as fast (scanner/engine/dfa.py)
            self._bytes = (_spans.dfa(*dfacache.build(words).args()) if _spans is not None else
                           BytesAhoCorasick(words, matchkind=MatchKind.Standard, implementation=Implementation.DFA))
        if _spans is not None:
            return _spans.find(self._bytes, lower)
        return self._bytes.find_matches_as_indexes(lower, overlapping=True)

    def occurrences(self, text: str, cap: int, utf8: bytes | None = None) -> tuple[dict[int, list[int]], bool]:
        """Rule index -> offsets of the last character of its keywords in `text` (at most cap+1 kept
        per rule), and whether those offsets are valid in `text` (lower-casing kept every offset in place).
        `utf8`: the text's UTF-8 bytes when the caller has them (exactly text.encode("utf-8")).

        ASCII text (nearly all of it) is lower-cased and searched as bytes: offsets are the same, and
        `bytes.lower` is about ten times faster than `str.lower`."""
        if self._empty or not text:
            return {}, True
        if len(text) == len(utf8) if utf8 is not None else text.isascii():  # (as many bytes as characters)
            low_b = (text.encode("ascii") if utf8 is None else utf8).lower()
            return _collect(low_b, self._bytes_matches(low_b), self._plan_b, self._gate, cap, self._words_of,
                            self._least), True
        if self._ascii_words:
            return self._utf8_occurrences(text, cap, utf8), True
        # U+0130 (İ) is the one character whose lower case is two characters long: folded to "I" first,
        # the offsets stay valid (else one such character anywhere in a chunk would send every rule over
        # the whole chunk instead of the windows around its keywords)
        lower = (text.replace("\u0130", "I") if "\u0130" in text else text).lower()
        found = _collect(lower, self._matches(lower), self._plan, self._gate_s, cap, self._words_of, self._least)
        return found, len(lower) == len(text)

    def _utf8_occurrences(self, text: str, cap: int, raw: bytes | None = None) -> dict[int, list[int]]:
        """`occurrences` of text with non-ASCII characters, when every keyword is ASCII: searched as
        UTF-8 bytes (ASCII case folding) and the few offsets found mapped back to characters. The
        str automaton tracks a character offset at every step and costs more than this round trip."""
        if raw is None:
            raw = text.encode("utf-8", "surrogatepass")
        low = raw.lower()
        out = _collect(low, self._bytes_matches(low), self._plan_b, self._gate, cap, self._words_of, self._least)
        if not out:
            return out
        # keyword characters are ASCII: every offset is on a character boundary
        offsets = sorted({o for offs in out.values() for o in offs})
        chars = dict(zip(offsets, char_offsets(raw, offsets), strict=True))
        return {i: [chars[o] for o in offs] for i, offs in out.items()}

    def keyword_ends(self, data: bytes) -> list[tuple[int, str]]:
        """(offset just past the keyword, keyword) for every keyword occurrence in `data` that counts
        (ASCII case folding; byte offsets)."""
        if self._empty or not data:
            return []
        low = data.lower()
        matches = self._bytes_matches(low)
        if _spans is not None:
            return _spans.keyword_ends(low, matches, self._counts, self._words, REACH, PROBE_COST)
        return _keyword_ends_py(low, matches, self._counts, self._words)

    def candidates(self, text: str) -> set[int]:
        """Indices of rules with at least one keyword in `text` (case-insensitive)."""
        if self._empty or not text:
            return set()
        found: set[int] = set()
        matches = self._bytes_matches(text.encode("ascii").lower()) if text.isascii() else self._matches(text.lower())
        for word in {m[0] for m in matches}:
            found |= self._rules[word]
        return found


def _keyword_ends_py(low: bytes, matches: list[tuple[int, int, int]],
                     counts: Sequence[tuple[tuple[tuple[bytes, ...], int], ...] | None],
                     words: Sequence[str]) -> list[tuple[int, str]]:
    """Prefilter.keyword_ends once the keywords are found (`counts`: per keyword, None when every
    occurrence counts, else each rule's literals and shortest assigned value)."""
    memo: dict[bytes, list[int]] = {}
    out: list[tuple[int, str]] = []
    for word, start, end in matches:
        conditions = counts[word]
        if conditions is None or _counts(low, start, end, conditions, memo):
            out.append((end, words[word]))
    return out


def _counts(low: bytes, start: int, end: int, conditions: tuple[tuple[tuple[bytes, ...], int], ...],
            memo: dict[bytes, list[int]]) -> bool:
    """Whether the keyword at low[start:end] counts for one of its rules (literals, shortest value)."""
    span: tuple[int, int] | None = None
    for lits, least in conditions:
        if least and not assigned(low, start, least):
            continue
        if not lits:
            return True
        if span is None:
            span = window(low, end)
        if _any_in(low, lits, *span, memo) > 0:
            return True
    return False


PROBE_COST = 64  # what a look in one window costs on top of its length, in bytes searched


def _lit_in(lower: _T, lit: _T, ws: int, we: int, memo: dict[_T, list[int]]) -> int:
    """1 when `lit` lies wholly inside lower[ws:we], 0 when not, -1 when it is nowhere from ws on.

    Window starts only grow along a text's matches, so once the next occurrence of a literal after
    a window's start is found it holds until a window starts past it (`memo`, per text: literal ->
    [searched from, next occurrence or -1, bytes spent looking in windows]). Finding it costs a
    search up to it, or to the text's end when there is none: a literal is looked for in windows
    only until those looks have cost as much as that search would (each window's length plus
    PROBE_COST), so a keyword that occurs a few times in a long text costs a few short looks, and
    one that occurs everywhere costs at most about twice one pass over the text."""
    if not lit:
        return 1
    st = memo.get(lit)
    if st is None:
        st = memo[lit] = [0, -2, 0]
    frm, nxt, spent = st
    if nxt == -2 or frm > ws or 0 <= nxt < ws:  # nothing remembered that holds at ws
        if spent < len(lower) - ws:
            st[2] = spent + (we - ws) + PROBE_COST
            return 1 if lower.find(lit, ws, we) >= 0 else 0
        nxt = lower.find(lit, ws)
        st[0], st[1] = ws, nxt
    if nxt < 0:
        return -1
    return 1 if nxt + len(lit) <= we else 0


def _any_in(lower: _T, lits: tuple[_T, ...], ws: int, we: int, memo: dict[_T, list[int]]) -> int:
    """_lit_in for several literals: 1 when one of them is in the window, -1 when none of them is
    anywhere from ws on, else 0 (`lits` is not empty)."""
    gone = True
    for lit in lits:
        r = _lit_in(lower, lit, ws, we, memo)
        if r > 0:
            return 1
        gone = gone and r < 0
    return -1 if gone else 0


def _collect_py(lower: _T, matches: list[tuple[int, int, int]],
                plan: Sequence[tuple[tuple[int, tuple[_T, ...]], ...]], gates: Sequence[tuple[_T, ...] | None],
                cap: int, words_of: Sequence[tuple[int, ...]], least: bytes = b"") -> dict[int, list[int]]:
    """Rule index -> keyword end offsets - 1 (at most cap+1 each), for the occurrences that count:
    those of the rule's keywords (matches in order of their end, as the automaton reports them)
    with no required literals or one of them in the keyword's window, and, for a rule with a shortest
    assigned value (`least`, by rule index; 0 or missing: none), such a value after them (`assigned_py`).

    A rule with cap+1 offsets runs over the whole text: its later occurrences change nothing and are
    passed over without looking at their windows, and a keyword all of whose rules are full costs one
    set look-up (`words_of`: rule index -> its keywords' indices). A rule whose literals are nowhere
    after a window's start is full too (`_lit_in`: no later window can hold them)."""
    out: dict[int, list[int]] = {}
    memo: dict[_T, list[int]] = {}
    full: set[int] = set()  # rules with cap+1 offsets, or whose required literals are nowhere further on
    dead: set[int] = set()  # keywords whose every rule is full

    def settle(i: int) -> None:
        full.add(i)
        dead.update(w for w in words_of[i] if all(j in full for j, _lits in plan[w]))

    for word, start, end in matches:
        if word in dead:
            continue
        rules = plan[word]
        gate = gates[word]
        ws = we = -1
        if gate is not None:  # every rule of this keyword requires a literal: one look for any of them
            ws, we = window(lower, end)
            r = _any_in(lower, gate, ws, we, memo)
            if r < 0:  # none of them from here on: no later occurrence counts either
                dead.add(word)
            if r <= 0:
                continue
            if len(rules) > 1:
                rules = tuple((i, lits) for i, lits in rules if _any_in(lower, lits, ws, we, memo) > 0)
        for i, lits in rules:
            if i in full:
                continue
            if i < len(least) and least[i] and not assigned_py(lower, start, least[i]):
                continue
            if lits and gate is None:
                if ws < 0:
                    ws, we = window(lower, end)
                r = _any_in(lower, lits, ws, we, memo)
                if r < 0:
                    settle(i)
                if r <= 0:
                    continue
            lst = out.get(i)
            if lst is None:
                out[i] = [end - 1]
            else:
                lst.append(end - 1)
                if len(lst) > cap:
                    settle(i)
    return out


def _collect(lower: _T, matches: list[tuple[int, int, int]], plan: Sequence[tuple[tuple[int, tuple[_T, ...]], ...]],
             gates: Sequence[tuple[_T, ...] | None], cap: int,
             words_of: Sequence[tuple[int, ...]], least: bytes) -> dict[int, list[int]]:
    """_collect_py, in one C pass for bytes (nearly every text) when the C module is built."""
    if not matches:
        return {}
    if _spans is not None and isinstance(lower, bytes):
        return _spans.collect(lower, matches, plan, gates, cap, words_of, len(words_of), REACH,  # type: ignore[arg-type]
                              PROBE_COST, least)
    return _collect_py(lower, matches, plan, gates, cap, words_of, least)
