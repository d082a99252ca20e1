"""Findings for the literals of a parsed file: the engine's, and the structural rules'.

A provider-specific engine finding on a value wins over the structural one, which in turn
wins over generic (key-name) engine findings on the same value.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from scanner.engine import Engine, fingerprint
from scanner.engine import filters as flt
from scanner.engine.confidence import assess
from scanner.engine.entropy import shannon
from scanner.iac.literals import Flagged, Group, Literal, SourceLines, real_position
from scanner.iac.names import MIN_ENTROPY, Sensitivity, can_be_secret, classify
from scanner.iac.synthetic import Placed, allowed_inline, engine_hits
from scanner.models import Finding

# The parse tree already says the value sits where a credential belongs, so a hex or UUID value
# needs no further key-name context (Datadog application keys are 40 hex digits).
_STRUCTURAL_FILTERS = tuple(f for f in flt.DEFAULT_FILTERS if f is not flt.uuid_or_sha_without_context)


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
    if allowed_inline(line_text) or flt.first_reason(cand, _STRUCTURAL_FILTERS) is not None:
        return None
    severity = fl.rule.severity
    extra: dict[str, object] = {"block": fl.context, "key": lit.key}
    if flt.TEST_PATH.search(path):  # as the engine does for its generic rules
        severity = severity.lowered()
        extra["context"] = "test-or-example"
    if resource:
        extra["resource"] = resource
    level, why = assess(fl.rule, secret, path)
    return Finding(
        rule_id=fl.rule.id, description=fl.rule.description, severity=severity, path=path,
        line=line, end_line=end_line, column=col, end_column=end_col, secret=secret,
        match=f"{lit.key} = {secret}" if not multiline else secret, fingerprint=fingerprint(fl.rule.id, secret),
        entropy=round(ent, 3), line_text=line_text, extra=extra, confidence=level, confidence_reason=why,
    )


def _names_no_secret(lit: Literal) -> bool:
    """The key names a property of a credential, not the credential (`password_file`, `secret_arn`,
    `encrypted_secret`, `kms_key_id`): a generic key-name rule would be wrong here. URIs are kept,
    as `database_url = "postgres://user:pw@host"` carries one."""
    return classify(lit.key) is Sensitivity.EXCLUDED and "://" not in lit.value


def _merge(group: Group, placed: list[Placed], path: str, src: SourceLines) -> list[Finding]:
    placed = [p for p in placed if not (p.generic and _names_no_secret(group.literals[p.index]))]
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


_GENERIC_IDS: weakref.WeakKeyDictionary[Engine, frozenset[str]] = weakref.WeakKeyDictionary()


def generic_rule_ids(engine: Engine) -> frozenset[str]:
    """The ids of the engine's generic rules (once per engine: a history sweep asks at every
    version of every Terraform file)."""
    ids = _GENERIC_IDS.get(engine)
    if ids is None:
        ids = _GENERIC_IDS[engine] = frozenset(r.id for r in engine.rules if "generic" in r.tags)
    return ids


def scan_groups(engine: Engine, path: str, text: str, groups: Sequence[Group]) -> list[Finding]:
    src = SourceLines(text)
    by_group: dict[int, list[Placed]] = {}
    for p in engine_hits(engine, path, groups, src, generic_rule_ids(engine)):
        by_group.setdefault(p.group, []).append(p)
    out: list[Finding] = []
    for gi, g in enumerate(groups):
        out.extend(_merge(g, by_group.get(gi, []), path, src))
    return out
