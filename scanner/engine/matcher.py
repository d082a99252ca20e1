"""The engine: prefilter, regex confirmation, filters, and findings with locations."""

from __future__ import annotations

import bisect
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import regex

from scanner import regexcache
from scanner.engine import decode as decode_mod
from scanner.engine import filters as flt
from scanner.engine.confidence import CONTEXT_PATH, assess
from scanner.engine.entropy import shannon
from scanner.engine.prefilter import Prefilter, line_end, windows
from scanner.models import Chunk, Finding, Origin, Rule
from scanner.rules import PATTERN_FLAGS, compile_pattern, is_builtin_source

log = logging.getLogger(__name__)

MAX_LINE_TEXT = 400
PAIR_DISTANCE_LINES = 5
# A rule's regex runs on the lines around its keyword occurrences; past this many occurrences in
# one chunk (at least WINDOW_MAX_OCCURRENCES, more in long chunks: one per WINDOW_DENSITY characters,
# up to WINDOW_CEILING) it runs once over the whole chunk instead (still in C). Below that density
# the windows cover a small part of the text and cost less than a pass over all of it.
WINDOW_MAX_OCCURRENCES = 1024
WINDOW_DENSITY = 512
WINDOW_CEILING = 65536
# Every regex search runs under a time budget: a rule that backtracks without limit on some text costs at
# most this, the scan goes on, and a rule that runs out SET_ASIDE_AFTER times is set aside for the run.
RULE_BUDGET_SECONDS = 2.0
SET_ASIDE_AFTER = 3
# Searches of shipped rules over windows shorter than this run without the timer (it costs a few
# microseconds a call, and those rules are tested linear); user rules are always timed.
UNTIMED_WINDOW = 4096


def secret_hash(secret: str) -> str:
    """Stable hash of a secret; baselines and stores keep this, never the plaintext."""
    return hashlib.sha256(b"keysweep:" + secret.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(rule_id: str, secret: str) -> str:
    return f"{rule_id}:{secret_hash(secret)[:20]}"


@dataclass(frozen=True)
class Allowlist:
    """Global allowlist from config: paths (regex), secret regexes, stop words."""

    paths: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()


class _Compiled:
    """A rule with its regexes compiled on first use (start-up compiles only what a text needs)."""

    __slots__ = ("rule", "_pattern", "_allow", "_path", "group", "generic", "shipped")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self._pattern: Any = None
        self._allow: list[Any] | None = None
        self._path: Any = None
        self.group: int | str = rule.secret_group if rule.secret_group is not None else 0
        self.generic = "generic" in rule.tags
        self.shipped = is_builtin_source(rule.source)  # linear by test: small windows need no timer

    @property
    def path(self) -> Any:
        """The path pattern (None when the rule has none), searched backwards: path patterns end in
        "$", so only the end of a path needs trying."""
        r = self.rule
        if self._path is None and r.path:
            self._path = compile_pattern(f"(?r){r.path}", r.source, r.id, "path", False)
        return self._path

    @property
    def pattern(self) -> Any:
        if self._pattern is None:
            r = self.rule
            self._pattern = compile_pattern(r.regex, r.source, r.id, "regex", r.multiline)
        return self._pattern

    @property
    def allow(self) -> list[Any]:
        if self._allow is None:
            r = self.rule
            self._allow = [compile_pattern(a, r.source, r.id, "allowlist", False) for a in r.allowlist]
        return self._allow


@dataclass(frozen=True)
class _Hit:
    finding: Finding
    start: int  # secret span in the chunk text
    end: int
    generic: bool
    pair: tuple[str, str] | None  # (group, role)
    named: int = 0  # length of the longest of the rule's keywords in the match outside the secret
    scoped: bool = False  # the rule only runs on its own kind of file (its `path`)


class Engine:
    """Pure scanning engine. Build once per ruleset; `scan` is thread- and fork-safe."""

    def __init__(self, rules: Sequence[Rule], allowlist: Allowlist | None = None, decode: bool = True,
                 windowed: bool = True, disabled: Iterable[str] = ()) -> None:
        self.disabled = frozenset(disabled)
        self.rules = [r for r in rules if r.id not in self.disabled]
        self._windowed = windowed
        self._compiled = [_Compiled(r) for r in self.rules]
        self._keyword_rules = [c for c in self._compiled if c.rule.keywords and not c.rule.path_only]
        # the keywords (as keyword_ends gives them) of rules whose matches may span many lines
        self.multiline_keywords = frozenset(k.lower() for c in self._keyword_rules if c.rule.multiline
                                            for k in c.rule.keywords)
        self._path_rules = [c for c in self._compiled if c.rule.path_only]
        # rules bound to a file name with no keyword run whenever their path matches
        self._path_bound = [c for c in self._compiled
                            if not c.rule.keywords and not c.rule.path_only and c.rule.path]
        self._path_bound_gate = _any_of([c.rule.path for c in self._path_bound if c.rule.path])
        self._path_gate = _any_of([c.rule.path for c in self._path_rules if c.rule.path])
        sets: list[Sequence[str]] = [c.rule.keywords for c in self._keyword_rules]
        self._decode_index = len(sets)  # decode every value in the text
        sets.append(decode_mod.DECODE_ANYWHERE if decode else ())
        self._decode_near = len(sets)  # decode the values around these keywords
        sets.append(decode_mod.DECODE_NEAR if decode else ())
        self._prefilter = Prefilter(sets, [c.rule.requires for c in self._keyword_rules],
                                    [c.rule.assigned_value for c in self._keyword_rules])
        self._path_sig_rules = [c for c in self._keyword_rules + self._path_bound if c.rule.path]
        self._path_sig_gate = _any_of([c.rule.path for c in self._path_sig_rules if c.rule.path])
        self._decode = decode
        al = allowlist or Allowlist()
        self._allow_paths = [regex.compile(p) for p in al.paths]
        self._allow_secrets = [regex.compile(p) for p in al.regexes]
        self._allow_stop = tuple(s.lower() for s in al.stopwords)
        # candidates whose provider checksum did not verify: dropped for precision, but counted and named
        # (at -v) so that a user wondering about a token knows why; per process (workers report deltas)
        self.checksum_dropped = 0
        self.timed_out = 0  # rule searches that ran out of their budget (per process, like checksum_dropped)
        self._timeouts: dict[str, int] = {}
        self._set_aside: set[str] = set()
        self.budget = RULE_BUDGET_SECONDS

    # -- public -------------------------------------------------------------------------

    def path_allowed(self, path: str) -> bool:
        """True when the global allowlist excludes this path."""
        return bool(self._allow_paths) and any(p.search(path) for p in self._allow_paths)

    def keyword_ends(self, data: bytes) -> list[tuple[int, str]]:
        """(offset just past it, keyword) for every rule keyword in `data` (ASCII case folding)."""
        return self._prefilter.keyword_ends(data)

    def prepare_keywords(self) -> None:
        """Build the keyword automaton now (~70 ms on the full rule pack unless cached), e.g. before forking."""
        self._prefilter.prepare()

    def path_matters(self, path: str) -> bool:
        """True when a rule is bound to this file name (path-only or keyword-less rules): such a file
        can produce findings without any keyword."""
        return self._bound_gate(path) or _gate_hit(self._path_gate, bool(self._path_rules), path)

    def _bound_gate(self, path: str) -> bool:
        """Whether a keyword-less rule bound to a file name may apply to `path`."""
        return _gate_hit(self._path_bound_gate, bool(self._path_bound), path)

    def path_signature(self, path: str) -> tuple[bool, ...]:
        """What about a path changes the findings for the same content (for content caching)."""
        head = (bool(flt.TEST_PATH.search(path)), bool(CONTEXT_PATH.search(path)), self.path_allowed(path))
        if not _gate_hit(self._path_sig_gate, bool(self._path_sig_rules), path):
            return head  # no rule's path pattern matches it (one backwards search instead of one per rule)
        return (*head, *(bool(c.path.search(path)) for c in self._path_sig_rules if c.path is not None))

    def compile_all(self) -> None:
        """Compile every rule now (before forking workers, or to validate a rule set)."""
        for c in self._compiled:
            _ = c.pattern, c.allow, c.path

    def scan_path(self, path: str) -> list[Finding]:
        """Findings that a file's name alone produces (keystores, credential files)."""
        out: list[Finding] = []
        if not _gate_hit(self._path_gate, bool(self._path_rules), path):
            return out
        for c in self._path_rules:
            if c.path is not None and c.path.search(path):
                r = c.rule
                level, why = assess(r, path, path)
                out.append(Finding(
                    rule_id=r.id, description=r.description, severity=r.severity, path=path,
                    line=1, end_line=1, column=1, end_column=1, secret=path, match=path,
                    fingerprint=fingerprint(r.id, path), entropy=0.0, confidence=level, confidence_reason=why,
                ))
        return out

    def scan(self, chunk: Chunk) -> list[Finding]:
        if self.path_allowed(chunk.origin.path):
            return []
        # decoded hits first: where an encoded value and its decoding both match, the decoded secret wins
        found = self._scan_hits(chunk, self._decode)
        if not found:
            return []  # (most texts)
        raw = sorted(found, key=lambda h: "encoding" not in h.finding.extra)
        hits = _drop_overlapping(raw)
        _link_pairs_inplace(hits)
        return [h.finding for h in sorted(hits, key=lambda h: (h.start, h.finding.rule_id))]

    # -- internals ----------------------------------------------------------------------

    def _ran_out(self, c: _Compiled, path: str, offset: int) -> None:
        rid = c.rule.id
        self.timed_out += 1
        n = self._timeouts[rid] = self._timeouts.get(rid, 0) + 1
        log.warning("%s: rule %s ran out of its %.1f s budget at offset %d; the rest of this text was not "
                    "searched with it", path, rid, self.budget, offset)
        if n >= SET_ASIDE_AFTER:
            self._set_aside.add(rid)
            log.warning("rule %s ran out of its budget %d times; it is set aside for the rest of this run",
                        rid, n)

    def _matches(self, c: _Compiled, text: str, windows: Iterable[tuple[int, int, bool]], path: str) -> list[Any]:
        """Every match of the rule in the windows, each search under the budget (matches are collected
        first, so the time spent confirming them does not count against it)."""
        pattern = c.pattern
        out: list[Any] = []
        floor = 0  # end of the last match: a match running past its window's cut may cover later windows
        for ws, we, cut in windows:
            start = max(ws, floor)
            budget = None if c.shipped and we - start < UNTIMED_WINDOW else self.budget
            try:
                for m in pattern.finditer(text, start, we, timeout=budget):
                    if cut and m.end() == we:  # it may go on past the cut: match it again up to the line's end
                        m = pattern.match(text, m.start(), line_end(text, we), timeout=self.budget)
                        if m is None:
                            continue
                    floor = m.end()
                    out.append(m)
            except TimeoutError:
                self._ran_out(c, path, start)
                break
        return out

    def _run_rule(self, c: _Compiled, chunk: Chunk, ends: list[int] | None) -> Iterable[_Hit]:
        text = chunk.text
        path = chunk.origin.path
        if c.rule.id in self._set_aside:
            return
        if c.path is not None and not c.path.search(path):
            return
        locator = _Locator(text, chunk)
        if c.rule.multiline or ends is None or not self._windowed:
            spans: Iterable[tuple[int, int, bool]] = ((0, len(text), False),)
        else:
            spans = windows(text, ends)  # merged windows (prefilter.window) around the keyword occurrences
        for m in self._matches(c, text, spans, path):
            hit = self._confirm(c, chunk, locator, m)
            if hit is not None:
                yield hit

    def _confirm(self, c: _Compiled, chunk: Chunk, locator: _Locator, m: Any) -> _Hit | None:
        try:
            secret = m.group(c.group)
            s_start, s_end = m.span(c.group)
        except IndexError:
            return None
        if not secret:
            return None
        key = m.groupdict().get("key") if c.pattern.groupindex else None
        start, end = m.span()
        cand = flt.Candidate(rule=c.rule, secret=secret, match=m.group(0), line_text=locator.line_text(start, end),
                             path=chunk.origin.path, key=key)
        reason = self._rejected(c, cand)
        if reason is not None:
            if reason == "checksum mismatch":  # (a generic rule on the same token says "vendor ...")
                self.checksum_dropped += 1
                line, _ = locator.position(s_start)
                log.info("%s:%d: %s candidate dropped: its %s checksum does not verify", chunk.origin.path, line,
                         c.rule.id, c.rule.checksum)
            return None
        ent = shannon(secret)
        if c.rule.entropy is not None and ent < c.rule.entropy:
            return None
        return self._hit(c, cand, chunk, locator, start, end, s_start, s_end, ent)

    def secret_allowed(self, secret: str) -> bool:
        """True when the global allowlist (config regexes and stop words) excludes this secret."""
        if self._allow_secrets and any(a.search(secret) for a in self._allow_secrets):
            return True
        low = secret.lower()
        return any(w in low for w in self._allow_stop)

    def rule_enabled(self, rule_id: str) -> bool:
        """False for rules the configuration disables (also for rules defined outside the engine)."""
        return rule_id not in self.disabled

    def _rejected(self, c: _Compiled, cand: flt.Candidate) -> str | None:
        """Why a candidate is not a finding, or None."""
        if flt.inline_allow(cand):
            return "inline allow"
        if any(a.search(cand.secret) for a in c.allow):
            return "rule allowlist"
        if self.secret_allowed(cand.secret):
            return "allowlist"
        return flt.first_reason(cand)

    def _hit(self, c: _Compiled, cand: flt.Candidate, chunk: Chunk, loc: _Locator,
             start: int, end: int, s_start: int, s_end: int, ent: float) -> _Hit:
        r = c.rule
        line, col = loc.position(start)
        end_line, end_col = loc.position(max(start, end - 1))
        severity = r.severity
        extra: dict[str, Any] = {}
        if c.generic and flt.TEST_PATH.search(chunk.origin.path):
            severity = severity.lowered()
            extra["context"] = "test-or-example"
        o = chunk.origin
        if o.subject:
            extra["subject"] = o.subject
        if o.resource:
            extra["resource"] = o.resource
        level, why = assess(r, cand.secret, o.path, cand.line_text)
        f = Finding(
            rule_id=r.id, description=r.description, severity=severity, path=o.path,
            line=line, end_line=end_line, column=col, end_column=end_col,
            secret=cand.secret, match=cand.match, fingerprint=fingerprint(r.id, cand.secret),
            entropy=round(ent, 3), commit=o.commit, author_name=o.author_name,
            author_email=o.author_email, date=o.date, subject=o.subject, line_text=cand.line_text,
            extra=extra, confidence=level, confidence_reason=why,
        )
        around = cand.match.replace(cand.secret, " ").lower()
        named = max((len(k) for k in r.keywords if k in around), default=0)
        return _Hit(f, s_start, s_end, c.generic, _pair_role(r), named, r.path is not None)

    def _decoded_hits(self, chunk: Chunk, near: list[int] | None) -> Iterable[_Hit]:
        """Findings in the base64 values of the text (near: only those around these keyword ends)."""
        text = chunk.text
        loc = _Locator(text, chunk)
        for d in decode_mod.decoded_values(text, None if near is None else windows(text, near)):
            ls = text.rfind("\n", 0, d.start) + 1
            le = text.find("\n", d.end)
            le = len(text) if le < 0 else le
            synthetic = d.text if "\n" in d.text else text[ls:d.start] + d.text + text[d.end:le]
            line, _ = loc.position(d.start)
            sub = Chunk(text=synthetic, origin=chunk.origin, line_offset=line - 1)
            for h in self._scan_hits(sub, decode=False):
                f = replace(h.finding, line=line, end_line=line,
                            extra={**h.finding.extra, "encoding": "base64"})
                yield replace(h, finding=f, start=d.start, end=d.end)

    def _scan_hits(self, chunk: Chunk, decode: bool) -> list[_Hit]:
        cap = window_cap(len(chunk.text))
        occ, offsets_valid = self._prefilter.occurrences(chunk.text, cap, chunk.utf8)
        out: list[_Hit] = []
        def ends(i: int) -> list[int] | None:  # None: the whole text
            return occ[i] if offsets_valid and len(occ[i]) <= cap else None

        for i in sorted(occ):
            if i < self._decode_index:
                out.extend(self._run_rule(self._keyword_rules[i], chunk, ends(i)))
        if self._path_bound and self._bound_gate(chunk.origin.path):
            for c in self._path_bound:
                out.extend(self._run_rule(c, chunk, None))
        if decode and (self._decode_index in occ or self._decode_near in occ) \
                and not decode_mod.HASH_FILES.search(chunk.origin.path):
            out.extend(self._decoded_hits(chunk, None if self._decode_index in occ else ends(self._decode_near)))
        return out


def window_cap(n: int) -> int:
    """How many keyword occurrences in a text of n characters a rule's regex is run around, window by
    window, before it runs over the whole text instead."""
    return min(WINDOW_CEILING, max(WINDOW_MAX_OCCURRENCES, n // WINDOW_DENSITY))


@dataclass(frozen=True)
class _Gate:
    """Several rules' path patterns as one backwards regex (`(?r)`), and whether every alternative of
    every pattern ends in `$`: then only the end of a path can match, one anchored attempt there."""

    pattern: Any
    anchored: bool


def _any_of(patterns: list[str]) -> _Gate | None:
    """One regex that matches where any of `patterns` does (each keeps its own flags), or None."""
    if not patterns:
        return None
    try:
        union = regexcache.compile_pattern("(?r)" + "|".join(f"(?:{p})" for p in patterns), PATTERN_FLAGS)
    except (regex.error, ValueError):
        return None
    return _Gate(union, all(_end_anchored(p) for p in patterns))


def _end_anchored(pattern: str) -> bool:
    """Whether every top-level alternative of `pattern` ends in an unescaped `$` outside a character
    class (conservative: anything it does not recognise, such as `$` inside a group, counts as no)."""
    depth, i, n = 0, 0, len(pattern)
    last = ""
    ends: list[str] = []
    while i < n:
        c = pattern[i]
        if c == "\\":
            last, i = "escape", i + 2
            continue
        if c == "[":  # a class: `]` right after `[` or `[^` is a member
            i += 2 if pattern.startswith("[^", i) else 1
            i += 1 if i < n and pattern[i] == "]" else 0
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            if i >= n:
                return False
            last, i = "class", i + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            ends.append(last)
        last, i = c, i + 1
    ends.append(last)
    return depth == 0 and all(e == "$" for e in ends)


def _gate_hit(gate: _Gate | None, has_rules: bool, path: str) -> bool:
    """Whether a path gate lets `path` through; without a gate (no such rules, or their union would
    not compile) every path passes when rules exist. A backwards search would try every position of
    the path; where only the end can match (no newline, every pattern ending in `$`), one anchored
    attempt there gives the same answer."""
    if gate is None:
        return has_rules
    if gate.anchored and "\n" not in path:
        return gate.pattern.match(path) is not None
    return gate.pattern.search(path) is not None


class _Locator:
    """Line/column for offsets, computed lazily and only for hits (offsets mostly increase)."""

    __slots__ = ("text", "chunk", "_pos", "_line")

    def __init__(self, text: str, chunk: Chunk) -> None:
        self.text = text
        self.chunk = chunk
        self._pos = 0
        self._line = 1

    def position(self, offset: int) -> tuple[int, int]:
        if offset < self._pos:
            self._pos, self._line = 0, 1
        self._line += self.text.count("\n", self._pos, offset)
        self._pos = offset
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        line = self._line
        lm = self.chunk.line_map
        if lm is not None and 0 < line <= len(lm):
            return lm[line - 1], col
        return line + self.chunk.line_offset, col

    def line_text(self, start: int, end: int) -> str:
        ls = self.text.rfind("\n", 0, start) + 1
        le = self.text.find("\n", max(start, end - 1))
        if le < 0:
            le = len(self.text)
        s = self.text[ls:le]
        if len(s) > MAX_LINE_TEXT:
            rel = start - ls
            lo = max(0, rel - MAX_LINE_TEXT // 2)
            s = s[lo:lo + MAX_LINE_TEXT]
        return s


def _pair_role(rule: Rule) -> tuple[str, str] | None:
    for t in rule.tags:
        if t.startswith("pair-id:"):
            return (t.split(":", 1)[1], "id")
        if t.startswith("pair-secret:"):
            return (t.split(":", 1)[1], "secret")
    return None


def _drop_overlapping(hits: list[_Hit]) -> list[_Hit]:
    """A generic finding whose secret overlaps a specific rule's finding is dropped; exact
    duplicates (same rule and span) are kept once; of generic findings on one span, the first.
    A decoded finding on encoded text that a specific rule already finds as it stands is the same
    secret seen twice: the direct one stays (its rule knows the encoded form and its secret is the
    text in the file)."""
    specific = sorted((h.start, h.end) for h in hits if not h.generic)
    starts = [s for s, _ in specific]
    # running maximum of ends, so "does any specific span overlap [a, b)" is one bisect
    max_end: list[int] = []
    for _, e in specific:
        max_end.append(max(e, max_end[-1]) if max_end else e)
    seen: set[tuple[str, int, int]] = set()
    spans: set[tuple[int, int]] = set()
    direct = [(h.start, h.end) for h in hits if not h.generic and "encoding" not in h.finding.extra]
    # of specific rules reporting the very same secret span, one (the secret is part of the key: decoded
    # hits all carry their encoded value's span, and two secrets decoded from one value both stay)
    groups: dict[tuple[int, int, str], list[_Hit]] = {}
    for h in hits:
        if not h.generic:
            groups.setdefault((h.start, h.end, h.finding.secret), []).append(h)
    best = {k: _representative(g) for k, g in groups.items()}
    out = []
    for h in hits:
        if not h.generic:
            b = best[(h.start, h.end, h.finding.secret)]
            if b[0] is not h:
                continue
            h = b[1]
        k = (h.finding.rule_id, h.start, h.end)
        if k in seen:
            continue
        seen.add(k)
        if direct and "encoding" in h.finding.extra and any(s < h.end and h.start < e for s, e in direct):
            continue
        if h.generic:
            i = bisect.bisect_left(starts, h.end) - 1  # specific spans starting before h ends
            if i >= 0 and max_end[i] > h.start:
                continue
            if (h.start, h.end) in spans:
                continue
            spans.add((h.start, h.end))
        out.append(h)
    return out


def _representative(group: list[_Hit]) -> tuple[_Hit, _Hit]:
    """Of specific hits on one secret span, the one that stands for it, and that hit as reported.

    A rule made for the kind of file it is in (its `path`) wins: it knows the format. Then the match
    that takes in more of the text around the secret: the rule that knows the setting
    beats the rule that only recognises the value (`PAYSTACK_SECRET=sk_live_…` is Paystack's key, not
    Stripe's; `COSMOS_PRIMARY_KEY=` is Cosmos DB's, not a storage account's; a kubeconfig's
    client-key-data is more than a bare base64 PEM); then the longer of the rules' own keywords in
    that context (sonarcloud over sonar), the more confident, rule order. The finding names the other
    rules under `also` and keeps the group's highest confidence: a value that fits a provider's format
    and sits under a provider's name is no less certain for being reported once."""
    first = min(group, key=lambda h: (not h.scoped, -len(h.finding.match), -h.named, -h.finding.confidence.rank))
    if len(group) == 1:
        return first, first
    f = first.finding
    extra = dict(f.extra)
    extra["also"] = sorted({h.finding.rule_id for h in group} - {f.rule_id})
    level, why = f.confidence, f.confidence_reason
    top = max(group, key=lambda h: h.finding.confidence.rank)
    if top.finding.confidence.rank > level.rank:
        level = top.finding.confidence
        why = f"{top.finding.confidence_reason} ({top.finding.rule_id}); {why}"
    return first, replace(first, finding=replace(f, extra=extra, confidence=level, confidence_reason=why))


def _link_pairs_inplace(hits: list[_Hit]) -> None:
    """Link id/secret pairs (e.g. an AWS key id and its secret) found within a few lines."""
    by_group: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for i, h in enumerate(hits):
        if h.pair:
            ids, secrets = by_group.setdefault(h.pair[0], ([], []))
            (ids if h.pair[1] == "id" else secrets).append((h.finding.line, i))
    links: dict[int, list[str]] = {}
    for ids, secrets in by_group.values():
        if not ids or not secrets:
            continue
        secrets.sort()
        lines = [ln for ln, _ in secrets]
        for line, i in ids:
            lo = bisect.bisect_left(lines, line - PAIR_DISTANCE_LINES)
            hi = bisect.bisect_right(lines, line + PAIR_DISTANCE_LINES)
            for _, j in secrets[lo:hi]:
                links.setdefault(i, []).append(hits[j].finding.fingerprint)
                links.setdefault(j, []).append(hits[i].finding.fingerprint)
    for i, fps in links.items():
        h = hits[i]
        hits[i] = replace(h, finding=replace(h.finding, linked=tuple(dict.fromkeys(fps))))


def origin_for(path: str) -> Origin:
    return Origin(path=path)
