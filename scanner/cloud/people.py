"""The identities of an IAM report as one view of people and what they own (pure).

Each person heads a group: whether they left, their own posture, then the machine identities and
keys they own or created (owner tag or CloudTrail creator), with the leaks found in code next to the
keys. Owners that are not an identity of the scanned accounts (an email, a team) head a group too;
identities nobody owns come last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanner.cloud.crosscheck import CredentialRecord, IamReport, Leak
from scanner.cloud.posture import RISKS, Identity, summary

NOBODY = "(no owner)"


@dataclass(frozen=True)
class OwnerGroup:
    owner: str  # the person's name, or the owner as tagged
    person: Identity | None  # the person's own identity, when it is one of the scanned accounts
    departed: bool
    owned: tuple[Identity, ...]


def groups(found: Sequence[Identity]) -> list[OwnerGroup]:
    people = [i for i in found if i.kind == "person" and i.type == "user"]
    alias: dict[str, Identity] = {}
    for p in people:
        for a in (p.name, p.owner):
            if a:
                alias.setdefault(a.lower(), p)
    owned: dict[str, list[Identity]] = {}
    heads: dict[str, Identity | None] = {p.name.lower(): p for p in people}
    for i in found:
        if i in people:
            continue
        head = alias.get((i.owner or "").lower())
        key = head.name.lower() if head else (i.owner or NOBODY).lower()
        heads.setdefault(key, head)
        owned.setdefault(key, []).append(i)
    out = []
    for key, head in heads.items():
        mine = tuple(owned.get(key, ()))
        name = head.name if head else next((i.owner for i in mine if i.owner), NOBODY)
        departed = (head.owner_departed if head else False) or any(i.owner_departed for i in mine)
        out.append(OwnerGroup(name, head, departed, mine))
    out.sort(key=lambda g: (g.owner == NOBODY, _worst(g), g.owner.lower()))
    return out


def created_by(credentials: Sequence[CredentialRecord], person: Identity) -> list[CredentialRecord]:
    """Keys CloudTrail says this person created for users other than themself."""
    names = {a.lower() for a in (person.name, person.owner) if a}
    return [c for c in credentials if c.created_by and c.created_by.lower() in names and c.user_name != person.name
            and c.account_id == person.account_id]


def created_text(made: Sequence[CredentialRecord]) -> str:
    return "created keys of other users: " + ", ".join(
        f"{c.access_key_id} ({c.user_name}, {c.status.lower()}, {c.risk})" for c in made)


def _worst(g: OwnerGroup) -> int:
    risks = [i.risk for i in g.owned] + ([g.person.risk] if g.person else [])
    return min((RISKS.index(r) for r in risks), default=len(RISKS))


def render_identities(report: IamReport) -> list[str]:
    if not report.identities:
        return []
    creds: dict[tuple[str | None, str], list[CredentialRecord]] = {}
    for c in report.credentials:
        if c.user_name:
            creds.setdefault((c.account_id, c.user_name), []).append(c)
    lines = ["", "IDENTITIES BY OWNER"]
    for g in groups(report.identities):
        lines.append(f"{g.owner}{' (left)' if g.departed else ''}")
        members = ([g.person] if g.person else []) + list(g.owned)
        made = created_by(report.credentials, g.person) if g.person else []
        if made:
            lines.append(f"  {created_text(made)}")
        for i in members:
            lines.append(f"  {_line(i)}")
            lines += [f"      {r}" for r in i.reasons if i.risk in ("critical", "high") and not r.startswith("kind ")]
            for c in creds.get((i.account_id, i.name), ()):
                leaks = f", leaked {len(c.leaks)}x" if c.leaks else ""
                lines.append(f"    key {c.access_key_id} {c.status.lower()} {c.risk}: "
                             f"{', '.join(c.flags) or '-'}{leaks}")
                lines += [f"      leaked at {_where(leak)}" for leak in c.leaks[:3]]
    counts = summary(report.identities)
    lines.append(f"{len(report.identities)} identities: " + ", ".join(f"{n} {r}" for r, n in counts.items()))
    return lines


def _line(i: Identity) -> str:
    return (f"{i.risk:<8} {i.kind:<11} {i.type} {i.name} (account {i.account_id or '?'}): "
            f"{', '.join(i.flags) or 'no flags'}")


def _where(leak: Leak) -> str:
    return f"{leak.path}:{leak.line}" + (f" in {leak.commit[:12]} by {leak.author_email or '?'}" if leak.commit else "")
