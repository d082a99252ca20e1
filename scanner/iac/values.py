"""Scan literal values pulled out of a parse tree, and report them at their real position.

Each literal is written on a synthetic line `key = "value"` so that the engine's rules
(AWS key ids, GitHub tokens, generic key-name rules ...) see the key that gives them
context; findings are then moved back to the line and column of the value in the file.
Structure-aware findings (`scanner.iac.rules`) are built here too, and merged with the
engine's: a provider-specific engine finding on the same value wins over the structural
one, which in turn wins over generic engine findings.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scanner.engine import Engine, fingerprint
from scanner.engine import filters as flt
from scanner.engine.entropy import shannon
from scanner.engine.matcher import MAX_LINE_TEXT
from scanner.iac.names import MIN_ENTROPY, Sensitivity, can_be_secret, classify
from scanner.models import Chunk, Finding, Origin, Rule


@dataclass(frozen=True)
class Literal:
    key: str  # the attribute or object key the value is assigned to
    value: str
    line: int  # 1-based position of the value's first character in the file
    column: int
    real_newlines: bool = False  # newlines in `value` are line breaks in the file (heredocs)


@dataclass(frozen=True)
class Flagged:
    """A literal (by index in its group) that a structural rule calls a secret; filters still apply."""

    rule: Rule
    index: int
    context: str  # e.g. 'provider "aws"', 'variable "db_password"'


@dataclass(frozen=True)
class Group:
    """Literals of one resource (or one file), scanned together so id/secret pairs link."""

    literals: tuple[Literal, ...]
    flagged: tuple[Flagged, ...] = ()
    resource: str | None = None
    # First synthetic line: where the literals come from (`provider "aws"`), so that rules whose
    # keywords name the provider still pass the prefilter. Findings on it are dropped.
    header: str = ""


class SourceLines:
    """The file's lines, for the `line_text` of findings."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def get(self, line: int, end_line: int | None = None) -> str:
        if line < 1 or line > len(self.lines):
            return ""
        last = min(len(self.lines), end_line or line)
        return "\n".join(self.lines[line - 1:last])[:MAX_LINE_TEXT]


def _synthetic(header: str, literals: Sequence[Literal]) -> tuple[str, list[int], list[int]]:
    """Text of `key = "value"` lines, with the offset of each record and of each value."""
    first = "# " + " ".join(header.split()) + "\n"
    parts: list[str] = [first]
    records: list[int] = []
    values: list[int] = []
    pos = len(first)
    for lit in literals:
        key = "".join(ch if not ch.isspace() else "_" for ch in lit.key) or "value"
        head = f'{key} = "'
        records.append(pos)
        values.append(pos + len(head))
        rec = f'{head}{lit.value}"\n'
        parts.append(rec)
        pos += len(rec)
    return "".join(parts), records, values


def _line_starts(text: str) -> list[int]:
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def real_position(lit: Literal, delta: int) -> tuple[int, int]:
    """File position of the character `delta` characters into the literal's value."""
    delta = max(0, min(delta, len(lit.value)))
    if not lit.real_newlines:
        return lit.line, lit.column + delta
    before = lit.value[:delta]
    nl = before.count("\n")
    if nl == 0:
        return lit.line, lit.column + delta
    return lit.line + nl, delta - before.rfind("\n")


@dataclass(frozen=True)
class _Placed:
    finding: Finding
    index: int  # literal index in the group
    generic: bool


def _engine_hits(engine: Engine, path: str, group: Group, src: SourceLines,
                 generic_ids: frozenset[str]) -> list[_Placed]:
    if not group.literals:
        return []
    text, records, values = _synthetic(group.header or group.resource or "", group.literals)
    starts = _line_starts(text)
    out = []
    for f in engine.scan(Chunk(text, Origin(path=path, resource=group.resource))):
        # Place the finding by its secret, not by the start of the match: a rule may match a key
        # on one record and the secret on the next (`name = "x"` then `value = "..."`).
        abs_secret = starts[f.line - 1] + f.column - 1 + max(0, f.match.find(f.secret))
        i = bisect.bisect_right(records, abs_secret) - 1
        if i < 0:
            continue  # on the header line
        lit = group.literals[i]
        delta = abs_secret - values[i]
        line, col = real_position(lit, delta)
        end_line, end_col = real_position(lit, delta + len(f.secret) - 1)
        line_text = src.get(line, end_line)
        if _allowed_inline(line_text):
            continue
        match = line_text[col - 1:end_col] if end_line == line else f.match  # the file's text, not ours
        f = replace(f, line=line, column=col, end_line=end_line, end_column=end_col, line_text=line_text,
                    match=match or f.match)
        out.append(_Placed(f, i, f.rule_id in generic_ids))
    return out


# The parse tree already says the value sits where a credential belongs, so a hex or UUID value
# needs no further key-name context (Datadog application keys are 40 hex digits).
_STRUCTURAL_FILTERS = tuple(f for f in flt.DEFAULT_FILTERS if f is not flt.uuid_or_sha_without_context)


def _allowed_inline(line_text: str) -> bool:
    low = line_text.lower()
    return any(m in low for m in flt.INLINE_ALLOW_MARKERS)


def structural_finding(fl: Flagged, lit: Literal, path: str, src: SourceLines,
                       resource: str | None) -> Finding | None:
    multiline = lit.real_newlines
    secret = lit.value.strip() if multiline else lit.value
    if not can_be_secret(secret, multiline):
        return None
    lead = lit.value.find(secret)
    line, col = real_position(lit, lead)
    end_line, end_col = real_position(lit, lead + len(secret) - 1)
    line_text = src.get(line, end_line)
    cand = flt.Candidate(rule=fl.rule, secret=secret, match=secret, line_text=line_text, path=path, key=lit.key)
    ent = shannon(secret)
    if not multiline and ent < MIN_ENTROPY:
        return None
    if _allowed_inline(line_text) or flt.first_reason(cand, _STRUCTURAL_FILTERS) is not None:
        return None
    severity = fl.rule.severity
    extra: dict[str, object] = {"block": fl.context, "key": lit.key}
    if flt.TEST_PATH.search(path):  # as the engine does for its generic rules
        severity = severity.lowered()
        extra["context"] = "test-or-example"
    if resource:
        extra["resource"] = resource
    return Finding(
        rule_id=fl.rule.id, description=fl.rule.description, severity=severity, path=path,
        line=line, end_line=end_line, column=col, end_column=end_col, secret=secret,
        match=f"{lit.key} = {secret}" if not multiline else secret, fingerprint=fingerprint(fl.rule.id, secret),
        entropy=round(ent, 3), line_text=line_text, extra=extra,
    )


def scan_group(engine: Engine, path: str, group: Group, src: SourceLines,
               generic_ids: frozenset[str]) -> list[Finding]:
    placed = [p for p in _engine_hits(engine, path, group, src, generic_ids)
              if not (p.generic and _names_no_secret(group.literals[p.index]))]
    structural: dict[int, Finding] = {}
    for fl in group.flagged:
        i = fl.index
        lit = group.literals[i]
        if i in structural:
            continue
        if any(p.index == i and (not p.generic or lit.real_newlines) for p in placed):
            continue  # a provider-specific rule (or, inside a heredoc, any rule) is more precise
        f = structural_finding(fl, lit, path, src, group.resource)
        if f is not None:
            structural[i] = f
    kept = [p.finding for p in placed if not (p.generic and p.index in structural)]
    return kept + list(structural.values())


def _names_no_secret(lit: Literal) -> bool:
    """The key names a property of a credential, not the credential (`password_file`, `secret_arn`,
    `encrypted_secret`, `kms_key_id`): a generic key-name rule would be wrong here. URIs are kept,
    as `database_url = "postgres://user:pw@host"` carries one."""
    return classify(lit.key) is Sensitivity.EXCLUDED and "://" not in lit.value


def generic_rule_ids(engine: Engine) -> frozenset[str]:
    return frozenset(r.id for r in engine.rules if "generic" in r.tags)


def scan_groups(engine: Engine, path: str, text: str, groups: Sequence[Group]) -> list[Finding]:
    src = SourceLines(text)
    generic = generic_rule_ids(engine)
    out: list[Finding] = []
    for g in groups:
        out.extend(scan_group(engine, path, g, src, generic))
    return out
