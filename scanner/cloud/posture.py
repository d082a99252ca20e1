"""Identity posture (pure): every IAM user and role, person or machine, with the flags that say
what is wrong with it and a risk. People and machines are judged by different rules: MFA and
single sign-on matter for a person, the network range for a machine; an idle person should be
de-provisioned, an idle machine may be a quarterly job. No I/O; the date is given (`--as-of`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from scanner.cloud.activity import Sighting, TrailEvidence, role_key, user_key
from scanner.cloud.crosscheck import IamReport
from scanner.cloud.dates import aware, days, iso, parse
from scanner.cloud.model import AccountInventory, Grant, IamRole, IamUser
from scanner.cloud.policy import parse_document, risky_grants
from scanner.cloud.trustpolicy import Trust, trusts

IDENTITY_FLAGS = (
    "person-without-mfa", "person-local-login", "machine-console-login", "unused", "owner-departed", "no-owner",
    "break-glass-unrotated", "expired", "third-party-trust-without-external-id", "wildcard-trust",
    "oidc-subject-unrestricted", "over-privileged", "outside-allowed-network", "untracked",
)
RISKS = ("critical", "high", "medium", "low")
KINDS = ("person", "machine", "break-glass", "unknown")
KIND_VALUES = {
    "person": "person", "human": "person", "people": "person", "employee": "person", "user": "person",
    "machine": "machine", "service": "machine", "workload": "machine", "bot": "machine", "application": "machine",
    "app": "machine", "ci": "machine", "break-glass": "break-glass", "breakglass": "break-glass",
    "break_glass": "break-glass", "emergency": "break-glass",
}
# a flag's risk on its own; "unused" depends on the kind (see _unused_risk)
FLAG_RISK = {
    "person-without-mfa": "high", "person-local-login": "medium", "machine-console-login": "high",
    "owner-departed": "high", "no-owner": "medium", "break-glass-unrotated": "high", "expired": "high",
    "third-party-trust-without-external-id": "medium", "wildcard-trust": "high", "oidc-subject-unrestricted": "high",
    "over-privileged": "medium", "outside-allowed-network": "high", "untracked": "low",
}
# administrator power plus any of these is the worst case: a way in for someone it was not meant for
OPEN_DOORS = frozenset({
    "person-without-mfa", "machine-console-login", "owner-departed", "expired", "wildcard-trust",
    "oidc-subject-unrestricted", "third-party-trust-without-external-id", "outside-allowed-network",
})
EXPIRES_TAGS = ("expires", "expiry", "expiration", "expires-on", "expires_at")


@dataclass(frozen=True)
class PostureOptions:
    now: datetime  # `--as-of`
    unused_days: int = 45
    max_key_age_days: int = 90
    owner_tag: str = "owner"
    kind_tag: str = "kind"
    departed: frozenset[str] = frozenset()  # lower-cased names or emails
    sso: bool = False  # people sign in through an identity provider, not with IAM passwords
    trusted_accounts: frozenset[str] = frozenset()  # besides the scanned accounts
    allowed_cidrs: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    declared: frozenset[str] | None = None  # `user:NAME` / `role:NAME` Terraform declares; None: not given
    trail: TrailEvidence | None = None


@dataclass(frozen=True)
class Identity:
    account_id: str | None
    arn: str
    name: str
    type: str  # user | role
    kind: str  # person | machine | break-glass | unknown
    owner: str | None
    owner_departed: bool
    console_access: bool | None
    mfa: bool | None
    created: datetime | None
    created_by: str | None
    last_activity: datetime | None
    access_keys: tuple[str, ...]
    trusts: tuple[Trust, ...]
    flags: tuple[str, ...]
    risk: str
    reasons: tuple[str, ...]
    source_ips: tuple[Sighting, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id, "arn": self.arn, "name": self.name, "type": self.type,
            "kind": self.kind, "owner": self.owner, "owner_departed": self.owner_departed,
            "console_access": self.console_access, "mfa": self.mfa, "created": iso(self.created),
            "created_by": self.created_by, "last_activity": iso(self.last_activity),
            "access_keys": list(self.access_keys), "trusts": [t.to_dict() for t in self.trusts],
            "flags": list(self.flags), "risk": self.risk, "reasons": list(self.reasons),
            "source_ips": [s.to_dict() for s in self.source_ips],
        }


def identities(inventories: Sequence[AccountInventory], o: PostureOptions) -> tuple[Identity, ...]:
    """Every user and role of every account, riskiest first."""
    own = o.trusted_accounts | {i.account_id for i in inventories if i.account_id}
    out = [_user(inv.account_id, u, o) for inv in inventories for u in inv.users]
    out += [_role(inv.account_id, r, own, o) for inv in inventories for r in inv.roles]
    out.sort(key=lambda i: (RISKS.index(i.risk), -len(i.flags), i.account_id or "", i.type, i.name))
    return tuple(out)


# ---------------------------------------------------------------- users and roles

def _user(account: str | None, u: IamUser, o: PostureOptions) -> Identity:
    trail = o.trail or TrailEvidence()
    reasons: list[str] = []
    flags: set[str] = set()
    me = user_key(account, u.name)
    active_keys = [k for k in u.keys if k.status == "Active"]
    key_use = [d for k in u.keys for d in (k.last_used, trail.last_seen.get(f"key:{k.access_key_id}")) if d]
    kind = _kind_of(u.tags, o.kind_tag, reasons) or _user_evidence(u, bool(key_use), reasons)
    last = _latest([u.password_last_used, trail.last_seen.get(me), *key_use])
    created_by = trail.created_by.get(me)
    owner, departed = _ownership(u.name, kind, u.tags.get(o.owner_tag, "").strip() or None, created_by, o,
                                 flags, reasons)
    for k in active_keys:  # a live key made by someone who has left is theirs to answer for, and nobody's now
        maker = trail.created_by.get(f"key:{k.access_key_id}")
        if maker and maker.lower() in o.departed and maker.lower() != u.name.lower():
            flags.add("owner-departed")
            departed = True
            reasons.append(f"active key {k.access_key_id} was created by {maker}, who left (--departed)")
    if kind in ("person", "unknown") and u.console_access and u.mfa is False:
        # a console password means someone signs in by hand, whatever else uses the keys
        flags.add("person-without-mfa")
        reasons.append("signs in to the console with a password and has no MFA device"
                       + ("" if kind == "person" else f" (kind unknown: tag it with {o.kind_tag}=...)"))
    if kind == "person" and u.console_access and o.sso:
        flags.add("person-local-login")
        reasons.append("has an IAM console password although people sign in through the identity provider")
    if kind == "machine" and u.console_access:
        flags.add("machine-console-login")
        reasons.append("a machine identity with a console password: someone signs in to it by hand")
    if kind == "break-glass":
        _break_glass(u, o, flags, reasons)
    active = bool(u.console_access) or bool(active_keys)
    _common(kind, u.created, last, u.tags, active, u.grants, f"user:{u.name}", o, flags, reasons)
    sightings = _sightings([me, *(f"key:{k.access_key_id}" for k in u.keys)], trail)
    _network(kind, sightings, o, flags, reasons)
    return _identity(account, u.arn, u.name, "user", kind, owner, departed, u.console_access, u.mfa, u.created,
                     created_by, last, tuple(k.access_key_id for k in u.keys), (), flags, reasons, sightings)


def _role(account: str | None, r: IamRole, own: frozenset[str], o: PostureOptions) -> Identity:
    trail = o.trail or TrailEvidence()
    reasons: list[str] = []
    flags: set[str] = set()
    me = role_key(account, r.name)
    linked = "/aws-service-role/" in r.arn
    kind = _kind_of(r.tags, o.kind_tag, reasons)
    if kind is None:
        kind = "machine"
        reasons.append("kind from evidence: a service-linked role (AWS creates and manages it)" if linked else
                       "kind from evidence: a role (assumed by services, CI or federated sessions)")
    last = _latest([r.last_used, trail.last_seen.get(me)])
    created_by = trail.created_by.get(me)
    owner: str | None = None
    departed = False
    if not linked:
        owner, departed = _ownership(r.name, kind, r.tags.get(o.owner_tag, "").strip() or None, created_by, o,
                                     flags, reasons)
    found = trusts(r.trust, own)
    if r.trust is not None and parse_document(r.trust) is None:
        reasons.append("the trust policy could not be read (not a JSON policy): who may assume it is unknown")
    for t in found:
        if t.problem:
            flags.add(t.problem)
            reasons.append(f"trust: {t.reason}")
    if not linked:
        _common(kind, r.created, last, r.tags, True, r.grants, f"role:{r.name}", o, flags, reasons)
    sightings = _sightings([me], trail)
    _network(kind, sightings, o, flags, reasons)
    return _identity(account, r.arn, r.name, "role", kind, owner, departed, None, None, r.created, created_by,
                     last, (), found, flags, reasons, sightings)


def _identity(account: str | None, arn: str, name: str, typ: str, kind: str, owner: str | None, departed: bool,
              console: bool | None, mfa: bool | None, created: datetime | None, created_by: str | None,
              last: datetime | None, keys: tuple[str, ...], found: tuple[Trust, ...], flags: set[str],
              reasons: list[str], sightings: tuple[Sighting, ...]) -> Identity:
    return Identity(account, arn, name, typ, kind, owner, departed, console, mfa, created, created_by, last, keys,
                    found, tuple(f for f in IDENTITY_FLAGS if f in flags), _risk(kind, flags), tuple(reasons),
                    sightings)


# ---------------------------------------------------------------- kind and ownership

def _kind_of(tags: Mapping[str, str], kind_tag: str, reasons: list[str]) -> str | None:
    value = next((v for k, v in tags.items() if k.lower() == kind_tag.lower()), None)
    if value is None:
        return None
    kind = KIND_VALUES.get(value.strip().lower())
    if kind is None:
        reasons.append(f"tag {kind_tag}={value!r} is not person, machine or break-glass; kind judged by evidence")
        return None
    reasons.append(f"kind from tag {kind_tag}={value}")
    return kind


def _user_evidence(u: IamUser, keys_used: bool, reasons: list[str]) -> str:
    if u.console_access is None:
        reasons.append("kind unknown: whether it has a console password could not be read")
        return "unknown"
    if u.console_access and not keys_used:
        reasons.append("kind from evidence: a console password and no programmatic use (a person)")
        return "person"
    if not u.console_access and u.keys:
        reasons.append("kind from evidence: access keys and no console password (a machine)")
        return "machine"
    if u.console_access:
        reasons.append("kind unknown: a console password and access keys in use (a person with keys, "
                       "or a shared service user)")
    else:
        reasons.append("kind unknown: no console password and no access key")
    return "unknown"


def _ownership(name: str, kind: str, tagged: str | None, created_by: str | None, o: PostureOptions,
               flags: set[str], reasons: list[str]) -> tuple[str | None, bool]:
    """The owner (tag, else the creator CloudTrail names) and whether someone responsible has left."""
    owner = tagged or created_by
    if tagged is None and created_by:
        reasons.append(f"owner from CloudTrail: created by {created_by}")
    gone = [who for who in (tagged, created_by) if who and who.lower() in o.departed]
    if kind == "person" and name.lower() in o.departed:
        gone.insert(0, name)
    departed = bool(gone)
    if departed:
        flags.add("owner-departed")
        reasons.append(f"{' and '.join(dict.fromkeys(gone))} left (--departed)"
                       + (": this person's own identity is still here" if gone[0] == name else ""))
    if owner is None and kind in ("machine", "break-glass"):
        flags.add("no-owner")
        reasons.append(f"no '{o.owner_tag}' tag and no creator on record: nobody answers for it")
    return owner, departed


# ---------------------------------------------------------------- flags shared by users and roles

def _common(kind: str, created: datetime | None, last: datetime | None, tags: Mapping[str, str], active: bool,
            grants: Iterable[Grant], declared_as: str, o: PostureOptions, flags: set[str], reasons: list[str]) -> None:
    _unused(kind, created, last, o, flags, reasons)
    _expired(tags, active, o, flags, reasons)
    grants = list(grants)
    risky = sorted({r for g in grants for r in risky_grants(g.name, g.document)})
    if risky:
        flags.add("over-privileged")
        reasons.extend(risky)
    unread = sorted({g.name for g in grants if g.document is not None and parse_document(g.document) is None})
    if unread:
        reasons.append(f"policy {', '.join(unread)} could not be read (not a JSON policy): judged by name only")
    if o.declared is not None and declared_as not in o.declared:
        flags.add("untracked")
        reasons.append("not declared in the Terraform given")


def _unused(kind: str, created: datetime | None, last: datetime | None, o: PostureOptions, flags: set[str],
            reasons: list[str]) -> None:
    if kind == "break-glass":
        return  # kept for emergencies: idle is what it should be
    since = last or created
    idle = days(o.now, since)
    if since is not None and (idle is None or idle < o.unused_days):
        return
    flags.add("unused")
    what = (f"no activity for {idle} days" if last else
            f"never used since it was created {idle} days ago" if created else "no recorded activity")
    advice = {"person": "de-provision it", "machine": "a machine may run rarely (a backup, a yearly job): "
              "confirm with its owner before removing it", "unknown": "find out who uses it"}[kind]
    reasons.append(f"{what} (limit {o.unused_days}): {advice}")


def _expired(tags: Mapping[str, str], active: bool, o: PostureOptions, flags: set[str], reasons: list[str]) -> None:
    raw = next((v for k, v in tags.items() if k.lower() in EXPIRES_TAGS), None)
    if raw is None or not active:
        return
    when = parse(raw)
    if when is None:
        reasons.append(f"expiry tag {raw!r} is not a date")
    elif when < o.now:
        flags.add("expired")
        reasons.append(f"meant to expire on {raw} and still active {days(o.now, when)} days later")


def _break_glass(u: IamUser, o: PostureOptions, flags: set[str], reasons: list[str]) -> None:
    if u.console_access:
        changed = u.password_changed or u.created
        age = days(o.now, changed)
        if age is not None and age >= o.max_key_age_days:
            flags.add("break-glass-unrotated")
            reasons.append(f"break-glass password unchanged for {age} days (limit {o.max_key_age_days})")
    for k in u.keys:
        age = days(o.now, k.created)
        if k.status == "Active" and age is not None and age >= o.max_key_age_days:
            flags.add("break-glass-unrotated")
            reasons.append(f"break-glass key {k.access_key_id} is {age} days old (limit {o.max_key_age_days})")


def _sightings(keys: Iterable[str], trail: TrailEvidence) -> tuple[Sighting, ...]:
    merged: dict[str, Sighting] = {}
    for k in keys:
        for s in trail.addresses.get(k, ()):
            m = merged.get(s.address)
            merged[s.address] = s if m is None else Sighting(s.address, min(m.first, s.first), max(m.last, s.last),
                                                             m.event, max(m.calls, s.calls))
    return tuple(merged[a] for a in sorted(merged))


def _network(kind: str, sightings: Sequence[Sighting], o: PostureOptions, flags: set[str], reasons: list[str]) -> None:
    """Machines stay inside their network range; people travel and are not judged by address."""
    if kind != "machine" or not o.allowed_cidrs:
        return
    outside = [s for s in sightings if not _inside(s.address, o.allowed_cidrs)]
    if not outside:
        return
    flags.add("outside-allowed-network")
    for s in outside[:5]:
        reasons.append(f"called AWS from {s.address}, outside the allowed ranges: {s.calls} call(s), e.g. "
                       f"{s.event}, {iso(s.first)} to {iso(s.last)}")
    if len(outside) > 5:
        reasons.append(f"... and {len(outside) - 5} more addresses outside the allowed ranges")


def _inside(address: str, nets: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == n.version and ip in n for n in nets)


# ---------------------------------------------------------------- risk and dates

def _risk(kind: str, flags: set[str]) -> str:
    if "over-privileged" in flags and flags & OPEN_DOORS:
        return "critical"
    levels = [FLAG_RISK[f] for f in flags if f != "unused"]
    if "unused" in flags:
        levels.append({"person": "high", "machine": "low"}.get(kind, "medium"))
    return min(levels, key=RISKS.index, default="low")


def _latest(values: Iterable[datetime | None]) -> datetime | None:
    return max((aware(v) for v in values if v is not None), default=None)






def summary(found: Iterable[Identity]) -> Mapping[str, int]:
    counts = {r: 0 for r in RISKS}
    for i in found:
        counts[i.risk] += 1
    return counts


def joined(report: IamReport, found: Sequence[Identity], trail: TrailEvidence | None) -> IamReport:
    """The report with its identities, and each credential told what its user is and what
    CloudTrail says about the key (who created it, where it was used from)."""
    kinds = {(i.account_id, i.name): i.kind for i in found if i.type == "user"}
    trail = trail or TrailEvidence()
    creds = tuple(
        replace(c, user_kind=kinds.get((c.account_id, c.user_name or ""), c.user_kind),
                created_by=trail.created_by.get(f"key:{c.access_key_id}"),
                source_ips=trail.addresses.get(f"key:{c.access_key_id}", ()))
        for c in report.credentials
    )
    return replace(report, credentials=creds, identities=tuple(found))
