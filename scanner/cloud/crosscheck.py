"""The pure join: findings x IAM inventories x Terraform inventory -> credential records
with flags and a risk level. No I/O; `now` is given."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from scanner.cloud.dates import days, iso, parse
from scanner.cloud.keyid import account_id_from_key_id, is_access_key_id
from scanner.cloud.model import AccessKey, AccountInventory, IamUser
from scanner.cloud.policy import risky_grants
from scanner.models import Finding, Verification, VerificationStatus

RISKS = ("critical", "high", "medium", "low")
FLAGS = ("leaked", "leaked-active", "still-valid", "unrotated", "unused", "untracked", "orphaned",
         "over-privileged", "two-active-keys")


class IacIdentityLike(Protocol):
    """What the cross-check needs from `scanner.iac.inventory.IacIdentity`."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def key_id(self) -> str | None: ...
    @property
    def user(self) -> str | None: ...


@dataclass(frozen=True)
class CrosscheckOptions:
    now: datetime
    max_key_age_days: int = 90
    unused_days: int = 45
    owner_tag: str = "owner"
    departed: frozenset[str] = frozenset()  # lower-cased names or emails
    terraform: bool = False  # a Terraform inventory was given (even if empty)


@dataclass(frozen=True)
class Leak:
    path: str
    line: int
    commit: str | None = None
    author_email: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class CredentialRecord:
    access_key_id: str
    account_id: str | None
    user_name: str | None
    status: str  # Active | Inactive | Deleted | Unknown
    created: datetime | None
    age_days: int | None
    last_used: datetime | None
    last_used_service: str | None
    in_inventory: bool
    managed_by_terraform: bool | None
    leaks: tuple[Leak, ...]
    verification: Verification | None
    flags: tuple[str, ...]
    risk: str
    reasons: tuple[str, ...] = ()  # why a flag is set (policies, owner, Terraform address)
    owner: str | None = None  # the user's owner tag
    user_kind: str | None = None  # "person" (console password) | "machine" | None (unknown)
    created_by: str | None = None  # who created the key (CloudTrail CreateAccessKey)
    source_ips: tuple[Any, ...] = ()  # activity.Sighting: where the key was used from (CloudTrail)

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_key_id": self.access_key_id, "account_id": self.account_id, "user_name": self.user_name,
            "status": self.status, "created": iso(self.created), "age_days": self.age_days,
            "last_used": iso(self.last_used), "last_used_service": self.last_used_service,
            "in_inventory": self.in_inventory, "managed_by_terraform": self.managed_by_terraform,
            "leaks": [vars(leak) for leak in self.leaks],
            "verification": self.verification.to_dict() if self.verification else None,
            "flags": list(self.flags), "risk": self.risk, "reasons": list(self.reasons),
            "owner": self.owner, "user_kind": self.user_kind, "created_by": self.created_by,
            "source_ips": [s.to_dict() for s in self.source_ips],
        }


@dataclass(frozen=True)
class IamReport:
    generated_at: datetime
    accounts: tuple[AccountInventory, ...]
    credentials: tuple[CredentialRecord, ...]
    notes: tuple[str, ...] = field(default=())
    identities: tuple[Any, ...] = ()  # posture.Identity: every user and role of every account

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated_at": iso(self.generated_at),
            "accounts": [{"account_id": a.account_id, "source": a.source, "users": len(a.users),
                          "roles": len(a.roles), "access_keys": sum(len(u.keys) for u in a.users),
                          "complete": a.complete, "notes": list(a.notes)} for a in self.accounts],
            "credentials": [c.to_dict() for c in self.credentials],
            "identities": [i.to_dict() for i in self.identities],
            "notes": list(self.notes),
        }


def crosscheck(inventories: Sequence[AccountInventory], findings: Sequence[Finding],
               iac: Sequence[IacIdentityLike] | None, options: CrosscheckOptions) -> IamReport:
    leaks, verdicts = _leaks(findings)
    tf = _TerraformIndex(iac or ())
    keys = {k.access_key_id: (inv, u, k) for inv in inventories for u in inv.users for k in u.keys}
    records = [_record(key_id, keys.get(key_id), leaks.get(key_id, ()), verdicts.get(key_id), inventories,
                       tf, options)
               for key_id in sorted(set(keys) | set(leaks))]
    records.sort(key=lambda r: (RISKS.index(r.risk), -len(r.flags), r.account_id or "", r.access_key_id))
    return IamReport(options.now, tuple(inventories), tuple(records))


# ---------------------------------------------------------------- findings side

def _leaks(findings: Iterable[Finding]) -> tuple[dict[str, tuple[Leak, ...]], dict[str, Verification]]:
    leaks: dict[str, list[Leak]] = {}
    verdicts: dict[str, Verification] = {}
    for f in findings:
        if not is_access_key_id(f.secret):
            continue
        leak = Leak(f.path, f.line, f.commit, f.author_email, f.date)
        if leak not in leaks.setdefault(f.secret, []):
            leaks[f.secret].append(leak)
        if f.verification and _better(f.verification, verdicts.get(f.secret)):
            verdicts[f.secret] = f.verification
    return {k: tuple(v) for k, v in leaks.items()}, verdicts


_VERDICT_ORDER = (VerificationStatus.VALID, VerificationStatus.INVALID, VerificationStatus.UNKNOWN,
                  VerificationStatus.NOT_CHECKED)


def _better(new: Verification, old: Verification | None) -> bool:
    return old is None or _VERDICT_ORDER.index(new.status) < _VERDICT_ORDER.index(old.status)


# ---------------------------------------------------------------- Terraform side

class _TerraformIndex:
    def __init__(self, identities: Iterable[IacIdentityLike]) -> None:
        self.by_key: dict[str, str] = {}
        self.users_with_keys: dict[str, str] = {}  # key declared in config, id unknown (no state)
        for i in identities:
            if i.kind != "aws_iam_access_key":
                continue
            if i.key_id:
                self.by_key[i.key_id] = i.address
            elif i.user:
                self.users_with_keys.setdefault(i.user, i.address)

    def address_of(self, key_id: str, user_name: str) -> str | None:
        """The Terraform address that declares this key: by id from state, else by its user."""
        return self.by_key.get(key_id) or self.users_with_keys.get(user_name)


# ---------------------------------------------------------------- one record

def _record(key_id: str, found: tuple[AccountInventory, IamUser, AccessKey] | None, leaks: tuple[Leak, ...],
            verdict: Verification | None, inventories: Sequence[AccountInventory], tf: _TerraformIndex,
            o: CrosscheckOptions) -> CredentialRecord:
    flags: set[str] = set()
    reasons: list[str] = []
    user = key = None
    managed: bool | None = None
    if found is None:
        account = account_id_from_key_id(key_id)
        status = _status_when_absent(account, inventories)
        flags.add("untracked")
        reasons.append(f"not in any scanned account (account {account or 'unknown'}, decoded from the key id)")
    else:
        inv, user, key = found
        account, status = inv.account_id, key.status
        if o.terraform:
            address = tf.address_of(key.access_key_id, user.name)
            managed = address is not None
            if address:
                reasons.append(f"declared in Terraform as {address}")
            else:
                flags.add("untracked")
                reasons.append("not declared in Terraform")
    active = status == "Active"
    if leaks:
        flags.add("leaked")
        if active:
            flags.add("leaked-active")
    if verdict and verdict.status is VerificationStatus.VALID and status != "Inactive":
        flags.add("still-valid")
    if key is not None and user is not None and active:
        _key_flags(key, user, leaks, o, flags, reasons)
    if user is not None:
        _user_flags(user, o, flags, reasons, active)
    created = key.created if key else None
    return CredentialRecord(
        access_key_id=key_id, account_id=account, user_name=user.name if user else None, status=status,
        created=created, age_days=days(o.now, created), last_used=key.last_used if key else None,
        last_used_service=key.last_used_service if key else None, in_inventory=found is not None,
        managed_by_terraform=managed, leaks=leaks, verification=verdict,
        flags=tuple(f for f in FLAGS if f in flags), risk=_risk(flags, status, verdict),
        reasons=tuple(reasons), owner=(user.tags.get(o.owner_tag) or None) if user else None,
        user_kind=_kind(user),
    )


def _kind(user: IamUser | None) -> str | None:
    """A console password means a person signs in; keys without one belong to a machine."""
    if user is None or user.console_access is None:
        return None
    return "person" if user.console_access else "machine"


def _status_when_absent(account: str | None, inventories: Sequence[AccountInventory]) -> str:
    """A key missing from a completely read account was deleted; otherwise we cannot tell."""
    return "Deleted" if any(i.account_id == account and i.complete for i in inventories) else "Unknown"


def _key_flags(key: AccessKey, user: IamUser, leaks: Sequence[Leak], o: CrosscheckOptions,
               flags: set[str], reasons: list[str]) -> None:
    age = days(o.now, key.created)
    if age is not None and age >= o.max_key_age_days:
        flags.add("unrotated")
        reasons.append(f"{age} days old (limit {o.max_key_age_days})")
    first_leak = min((d for d in (parse(leak.date) for leak in leaks) if d), default=None)
    if first_leak and key.created and key.created <= first_leak:
        flags.add("unrotated")
        reasons.append(f"same key since the leak on {first_leak.date().isoformat()}")
    idle = days(o.now, key.last_used)
    if key.last_used is None or (idle is not None and idle >= o.unused_days):
        flags.add("unused")
        reasons.append("never used" if key.last_used is None else f"unused for {idle} days")
    if sum(k.status == "Active" for k in user.keys) >= 2:
        flags.add("two-active-keys")


def _user_flags(user: IamUser, o: CrosscheckOptions, flags: set[str], reasons: list[str], active: bool) -> None:
    owner = user.tags.get(o.owner_tag, "").strip()
    if not owner:
        flags.add("orphaned")
        reasons.append(f"user {user.name} has no '{o.owner_tag}' tag")
    elif owner.lower() in o.departed:
        flags.add("orphaned")
        reasons.append(f"owner {owner} has left")
    grants = [r for g in user.grants for r in risky_grants(g.name, g.document)]
    if grants:
        flags.add("over-privileged")
        reasons.extend(sorted(set(grants)))


def _risk(flags: set[str], status: str, verdict: Verification | None) -> str:
    rejected = verdict is not None and verdict.status is VerificationStatus.INVALID
    if flags & {"still-valid", "leaked-active"}:
        return "critical"
    if "leaked" in flags and status == "Unknown" and not rejected:
        return "high"  # leaked, and nothing says it is dead
    if status == "Active" and "over-privileged" in flags and flags & {"unrotated", "orphaned", "untracked"}:
        return "high"
    if status == "Active" and flags & {"over-privileged", "unrotated", "orphaned", "untracked", "two-active-keys"}:
        return "medium"
    if "leaked" in flags and status == "Inactive":
        return "medium"  # it can be switched back on
    return "low"


# ---------------------------------------------------------------- inputs and totals

def departed_names(lines: Iterable[str]) -> frozenset[str]:
    """`--departed FILE` content: one name or email per line; '#' starts a comment."""
    return frozenset(s.lower() for s in (line.split("#", 1)[0].strip() for line in lines) if s)


def summary(report: IamReport) -> Mapping[str, int]:
    counts = {r: 0 for r in RISKS}
    for c in report.credentials:
        counts[c.risk] += 1
    return counts
