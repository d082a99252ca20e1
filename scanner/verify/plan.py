"""Which credentials to check for which finding (pure): pairs are joined through `linked`.

A rule tagged `pair-id:FAMILY` holds the public half of a pair (e.g. an AWS access key id)
and one tagged `pair-secret:FAMILY` the secret half; the engine links the two findings.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from scanner.models import Finding, Rule
from scanner.verify.base import Credential


@dataclass(frozen=True)
class RuleRole:
    provider: str | None
    pair: tuple[str, str] | None = None  # (family, "id" | "secret")


def rule_roles(rules: Sequence[Rule]) -> dict[str, RuleRole]:
    roles = {}
    for r in rules:
        pair = None
        for tag in r.tags:
            kind, _, family = tag.partition(":")
            if kind in ("pair-id", "pair-secret") and family:
                pair = (family, kind[len("pair-"):])
        roles[r.id] = RuleRole(r.verifier, pair)
    return roles


def plan(findings: Sequence[Finding], roles: Mapping[str, RuleRole],
         known: Collection[str]) -> list[tuple[Credential, ...] | str]:
    """For each finding, the credentials to check, or why there is nothing to check."""
    by_fp = {f.fingerprint: f for f in findings}
    out: list[tuple[Credential, ...] | str] = []
    for f in findings:
        role = roles.get(f.rule_id, RuleRole(None))
        if role.provider is None:
            out.append("no verifier for this rule")
        elif role.provider not in known:
            out.append(f"no verifier named '{role.provider}'")
        else:
            out.append(_credentials(f, role, roles, by_fp))
    return out


def _credentials(f: Finding, role: RuleRole, roles: Mapping[str, RuleRole],
                 by_fp: Mapping[str, Finding]) -> tuple[Credential, ...]:
    provider = role.provider or ""
    if role.pair is None:
        return (Credential(provider, f.secret, context=f.match),)
    family, side = role.pair
    other = "secret" if side == "id" else "id"
    partners = [by_fp[fp] for fp in f.linked
                if fp in by_fp and roles.get(by_fp[fp].rule_id, RuleRole(None)).pair == (family, other)]
    if side == "id":
        return tuple(Credential(provider, p.secret, key_id=f.secret) for p in partners) or (
            Credential(provider, "", key_id=f.secret),)
    return tuple(Credential(provider, f.secret, key_id=p.secret) for p in partners) or (
        Credential(provider, f.secret),)
