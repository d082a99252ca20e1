"""What CloudTrail says about identities (pure): when each was last active, who created it, and
from which addresses each identity and each access key made its calls.

Records are folded in one at a time, so memory grows with the number of identities, never with the
number of events: per identity, at most `MAX_ADDRESSES` distinct source addresses are kept.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scanner.cloud.dates import iso

MAX_ADDRESSES = 64  # outside the allowed ranges, per identity or key
MAX_UNJUDGED = 16  # per identity or key when no range is given
_CACHE = 1 << 17  # address classifications remembered
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
CREATE_EVENTS = {"CreateUser": "user", "CreateRole": "role", "CreateAccessKey": "key"}


@dataclass(frozen=True)
class Sighting:
    """One source address of an identity: first and last call from it, and one event seen."""

    address: str
    first: datetime
    last: datetime
    event: str
    calls: int

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "first": iso(self.first), "last": iso(self.last),
                "event": self.event, "calls": self.calls}


@dataclass(frozen=True)
class TrailEvidence:
    """Keys are `user:ACCOUNT/NAME`, `role:ACCOUNT/NAME` and `key:ACCESS_KEY_ID`."""

    last_seen: Mapping[str, datetime] = field(default_factory=dict)
    created_by: Mapping[str, str] = field(default_factory=dict)
    addresses: Mapping[str, tuple[Sighting, ...]] = field(default_factory=dict)
    records: int = 0
    files: int = 0


def user_key(account: str | None, name: str) -> str:
    return f"user:{account or '?'}/{name}"


def role_key(account: str | None, name: str) -> str:
    return f"role:{account or '?'}/{name}"


class TrailFolder:
    """Folds CloudTrail records into `TrailEvidence`."""

    # records are JSON objects (dicts: an ABC check per field would cost more than the fold itself);
    # times are kept as CloudTrail writes them (YYYY-MM-DDTHH:MM:SSZ, which sorts as it reads) and
    # parsed once per identity at the end: parsing every event's time is most of the cost of a fold
    # Addresses: a call signed with an access key counts for the key (the identity gets its keys'
    # addresses when judged), other calls for the identity. With allowed ranges, only addresses
    # outside them are kept — the evidence is what is anomalous, not every data-centre address.
    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        self._allowed = tuple(allowed)
        self._cap = MAX_ADDRESSES if self._allowed else MAX_UNJUDGED
        self._kinds: dict[str, int] = {}
        self._last: dict[str, str] = {}
        self._creators: dict[str, tuple[str, str]] = {}
        self._seen: dict[str, dict[str, list[Any]]] = {}
        self._records = 0
        self.files = 0

    def add_all(self, records: Iterable[Any]) -> None:
        for r in records:
            if isinstance(r, dict):
                self.add(r)

    def add(self, record: Mapping[str, Any]) -> None:
        when = _stamp(record.get("eventTime"))
        if when is None:
            return
        self._records += 1
        who = record.get("userIdentity")
        who = who if isinstance(who, dict) else {}
        event = sys.intern(str(record.get("eventName") or "?"))
        actors = _actors(who)
        for k in actors:
            if k not in self._last or self._last[k] < when:
                self._last[k] = when
        if actors and self._keep(str(record.get("sourceIPAddress") or "")):
            self._sight(actors[-1], str(record["sourceIPAddress"]), when, event)
        if event in CREATE_EVENTS and not record.get("errorCode"):
            self._created(record, CREATE_EVENTS[event], who, when)

    def _keep(self, address: str) -> bool:
        """Whether calls from `address` are evidence: an IP address (not an AWS service acting for
        the identity, "ec2.amazonaws.com") outside the allowed ranges, or any when none is given."""
        kind = self._kinds.get(address)
        if kind is None:
            if len(self._kinds) >= _CACHE:
                self._kinds.clear()
            kind = self._kinds[address] = _classify(address, self._allowed)
        return kind == 2

    def _sight(self, key: str, address: str, when: str, event: str) -> None:
        per = self._seen.setdefault(key, {})
        s = per.get(address)
        if s is None:
            if len(per) >= self._cap:
                return
            per[address] = [when, when, event, 1]
            return
        s[0], s[1], s[3] = min(s[0], when), max(s[1], when), s[3] + 1

    def _created(self, record: Mapping[str, Any], kind: str, who: Mapping[str, Any], when: str) -> None:
        creator = creator_name(who)
        if not creator:
            return
        account = str(record.get("recipientAccountId") or who.get("accountId") or "?")
        params = _mapping(record.get("requestParameters"))
        response = _mapping(record.get("responseElements"))
        if kind == "user" and params.get("userName"):
            key = user_key(account, str(params["userName"]))
        elif kind == "role" and params.get("roleName"):
            key = role_key(account, str(params["roleName"]))
        elif kind == "key":
            created = _mapping(response.get("accessKey"))
            if not created.get("accessKeyId"):
                return
            key = f"key:{created['accessKeyId']}"
        else:
            return
        if key not in self._creators or when < self._creators[key][0]:
            self._creators[key] = (when, creator)

    def evidence(self) -> TrailEvidence:
        return TrailEvidence(
            last_seen={k: _parsed(v) for k, v in self._last.items()},
            created_by={k: v[1] for k, v in self._creators.items()},
            addresses={k: tuple(Sighting(a, _parsed(s[0]), _parsed(s[1]), s[2], s[3]) for a, s in sorted(per.items()))
                       for k, per in self._seen.items()},
            records=self._records, files=self.files,
        )


def _actors(who: Mapping[str, Any]) -> list[str]:
    """The identities one call speaks for: the user or role, and the access key it was signed with."""
    kind = who.get("type")
    account = str(who.get("accountId") or "?")
    out: list[str] = []
    if kind == "IAMUser" and who.get("userName"):
        out.append(user_key(account, str(who["userName"])))
    elif kind == "AssumedRole":
        ctx = who.get("sessionContext")
        issuer = ctx.get("sessionIssuer") if isinstance(ctx, dict) else None
        if isinstance(issuer, dict) and issuer.get("userName"):
            out.append(role_key(str(issuer.get("accountId") or account), str(issuer["userName"])))
    key = who.get("accessKeyId")
    if isinstance(key, str) and key.startswith("AKIA"):  # temporary (ASIA) keys belong to sessions
        out.append(f"key:{key}")
    return out


def creator_name(who: Mapping[str, Any]) -> str | None:
    """The person (or identity) behind a call: an IAM user's name, an assumed role's session name
    (with single sign-on, the person's user name or email), or root."""
    kind = who.get("type")
    if kind == "IAMUser":
        return str(who.get("userName") or "") or None
    if kind in ("AssumedRole", "FederatedUser"):
        arn = str(who.get("arn") or "")
        return arn.rsplit("/", 1)[-1] if "/" in arn else None
    if kind == "Root":
        return "root"
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _classify(value: str, allowed: Sequence[Network]) -> int:
    """0 not an address (an AWS service calling on the identity's behalf), 1 inside `allowed`, 2 kept."""
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return 0
    return 1 if any(ip.version == n.version and ip in n for n in allowed) else 2


def _stamp(value: Any) -> str | None:
    """An event time as YYYY-MM-DDTHH:MM:SSZ (UTC), the form CloudTrail writes; None when not a time."""
    if not isinstance(value, str):
        return None
    if len(value) == 20 and value[19] == "Z" and value[10] == "T" and value[:4].isdigit():
        return value
    try:
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    d = d if d.tzinfo else d.replace(tzinfo=UTC)
    return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parsed(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp[:19]).replace(tzinfo=UTC)
