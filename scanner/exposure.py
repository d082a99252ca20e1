"""`keysweep exposure`: the whole story of one credential, gathered from the store, from a fresh scan
and from an IAM report. Pure: the CLI does the reading, scanning and printing.

A credential is named by an AWS access key id, a fingerprint (`rule:` + 20 hex), or the secret
itself (hashed at once, never echoed). A fingerprint's tail is the first 20 hex of the secret's
hash, so one query matches the secret under every rule, and the secrets found paired with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.engine import secret_hash
from scanner.errors import ConfigError
from scanner.models import Finding, Verification
from scanner.report.base import mask
from scanner.report.html import parse_date
from scanner.store.records import StoredOccurrence, public_id

_FINGERPRINT = re.compile(r"(?P<rule>[A-Za-z0-9_.\-]+):(?P<hash>[0-9a-fA-F]{20})")
_HASH = re.compile(r"[0-9a-fA-F]{20}|[0-9a-fA-F]{64}")
_REF_KEYS = ("refs", "ref", "branch", "branches", "tags")


@dataclass(frozen=True)
class KeyQuery:
    label: str  # safe to print: never the secret itself
    hash20: str
    key_id: str | None = None  # AWS access key id, when the query is one


def parse_query(key: str | None, secret: str | None) -> KeyQuery:
    """From the command line: KEY (key id or fingerprint) or the secret (read from stdin or a file)."""
    if secret is not None:
        secret = secret.strip("\r\n")
        if not secret:
            raise ConfigError("the secret read is empty")
        kid = public_id(secret)
        digest = secret_hash(secret)
        return KeyQuery(label=kid or f"the secret given (hash {digest[:12]}…)", hash20=digest[:20], key_id=kid)
    if not key:
        raise ConfigError("give an AWS access key id or a fingerprint, or the secret on stdin ('-') or --secret-file")
    key = key.strip()
    if public_id(key):
        return KeyQuery(label=key, hash20=secret_hash(key)[:20], key_id=key)
    m = _FINGERPRINT.fullmatch(key)
    if m:
        return KeyQuery(label=key, hash20=m.group("hash").lower())
    if _HASH.fullmatch(key):
        return KeyQuery(label=key, hash20=key[:20].lower())
    raise ConfigError("KEY is neither an AWS access key id nor a fingerprint (rule:20 hex); to look up a secret, "
                      "pass it on stdin with '-' or with --secret-file, never on the command line")


@dataclass(frozen=True)
class Sighting:
    """One place the credential was seen."""

    source: str  # store | scan
    rule_id: str
    fingerprint: str
    path: str
    line: int
    repository: str | None = None
    refs: tuple[str, ...] = ()
    commit: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    date: str | None = None
    subject: str | None = None
    at_head: bool | None = None
    repository_state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = dict(vars(self))
        d["refs"] = list(self.refs)
        return d


@dataclass(frozen=True)
class Exposure:
    query: KeyQuery
    fingerprints: tuple[str, ...]  # the credential under every rule, then the secrets paired with it
    rules: tuple[str, ...]
    secret_masked: str | None
    sightings: tuple[Sighting, ...]  # oldest first: the timeline
    first_seen: str | None  # earliest commit date or first sweep that recorded it
    last_seen: str | None  # latest sweep that saw it, or now when scanned now
    still_at_head: bool | None  # None: no source says
    resolved_at: str | None
    resolved_reason: str | None
    verification: Verification | None
    key_ids: tuple[str, ...]
    iam: tuple[Mapping[str, Any], ...] = field(default=())

    @property
    def found(self) -> bool:
        return bool(self.sightings or self.iam)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.label, "hash_prefix": self.query.hash20, "fingerprints": list(self.fingerprints),
            "rules": list(self.rules), "secret": self.secret_masked, "found": self.found,
            "first_seen": self.first_seen, "last_seen": self.last_seen, "still_at_head": self.still_at_head,
            "resolved_at": self.resolved_at, "resolved_reason": self.resolved_reason,
            "verification": self.verification.to_dict() if self.verification else None,
            "access_key_ids": list(self.key_ids), "iam": [dict(r) for r in self.iam],
            "sightings": [s.to_dict() for s in self.sightings],
        }


# ------------------------------------------------------------------ matching

def matching_fingerprints(q: KeyQuery, findings: Sequence[Finding]) -> list[str]:
    """The credential's own fingerprints among freshly scanned findings, then those paired with them."""
    own = [f.fingerprint for f in findings if secret_hash(f.secret)[:20] == q.hash20]
    own = list(dict.fromkeys(own))
    paired = [fp for f in findings if f.fingerprint in own for fp in f.linked]
    paired += [f.fingerprint for f in findings if set(f.linked) & set(own)]
    return own + [fp for fp in dict.fromkeys(paired) if fp not in own]


def build(q: KeyQuery, stored: Sequence[StoredOccurrence], scanned: Sequence[Finding],
          own_fingerprints: Sequence[str], iam_records: Sequence[Mapping[str, Any]], now: str) -> Exposure:
    """Join what the store and a fresh scan know about the fingerprints (own first, then paired)."""
    wanted = set(own_fingerprints) | {s.secret.fingerprint for s in stored} | set(matching_fingerprints(q, scanned))
    fresh = [f for f in scanned if f.fingerprint in wanted]
    sightings = sorted([_from_store(s) for s in stored] + [_from_scan(f) for f in fresh], key=_when)
    own = list(dict.fromkeys([*own_fingerprints, *(fp for fp in matching_fingerprints(q, scanned)
                                                   if fp.endswith(":" + q.hash20))]))
    fps = list(dict.fromkeys([*own, *(s.fingerprint for s in sightings)]))
    key_ids = sorted({k for k in [q.key_id, *(s.secret.public_id for s in stored),
                                  *(public_id(f.secret) for f in fresh)] if k})
    iam = tuple(r for r in iam_records if r.get("access_key_id") in key_ids)
    return Exposure(
        query=q, fingerprints=tuple(fps), rules=tuple(dict.fromkeys(fp.rsplit(":", 1)[0] for fp in fps)),
        secret_masked=_masked(q, stored, fresh), sightings=tuple(sightings),
        first_seen=_first_seen(stored, sightings), last_seen=now if fresh else _last_seen(stored),
        still_at_head=_at_head(sightings), resolved_at=_resolved(stored)[0], resolved_reason=_resolved(stored)[1],
        verification=_latest_verification([*(s.secret.verification for s in stored),
                                           *(f.verification for f in fresh), *map(_iam_verification, iam)]),
        key_ids=tuple(key_ids), iam=iam,
    )


def _from_store(s: StoredOccurrence) -> Sighting:
    o = s.occurrence
    return Sighting(source="store", rule_id=s.secret.rule_id, fingerprint=s.secret.fingerprint, path=o.path,
                    line=o.line, repository=s.repository, refs=_refs(o.extra), commit=o.commit,
                    author_name=o.author_name, author_email=o.author_email, date=o.date, subject=o.subject,
                    at_head=s.at_head, repository_state=s.repository_state)


def _from_scan(f: Finding) -> Sighting:
    head = f.extra.get("present_in_head")
    return Sighting(source="scan", rule_id=f.rule_id, fingerprint=f.fingerprint, path=f.path, line=f.line,
                    repository=f.extra.get("repository"), refs=_refs(f.extra), commit=f.commit,
                    author_name=f.author_name, author_email=f.author_email, date=f.date, subject=f.subject,
                    at_head=head if isinstance(head, bool) else (None if f.commit else True))


def _refs(extra: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for k in _REF_KEYS:
        v = extra.get(k)
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list | tuple):
            out.extend(x for x in v if isinstance(x, str))
    return tuple(dict.fromkeys(out))


def _when(s: Sighting) -> tuple[str, str, str, int]:
    d = parse_date(s.date)
    return (d.isoformat() if d else "~", s.repository or "", s.path, s.line)


def _masked(q: KeyQuery, stored: Sequence[StoredOccurrence], fresh: Sequence[Finding]) -> str | None:
    for s in stored:
        if s.secret.hash20 == q.hash20:
            return s.secret.secret_masked
    for f in fresh:
        if secret_hash(f.secret)[:20] == q.hash20:
            return mask(f.secret)
    return mask(q.key_id) if q.key_id else None


def _first_seen(stored: Sequence[StoredOccurrence], sightings: Sequence[Sighting]) -> str | None:
    """The earliest commit date, or the first sweep that recorded it when that is earlier."""
    candidates = [*(s.date for s in sightings), *(s.history.first_seen_at for s in stored)]
    dated = [(when, text) for text in candidates if text and (when := parse_date(text)) is not None]
    return min(dated)[1] if dated else None


def _last_seen(stored: Sequence[StoredOccurrence]) -> str | None:
    return max((s.history.last_seen_at for s in stored), default=None)


def _at_head(sightings: Sequence[Sighting]) -> bool | None:
    known = [s.at_head for s in sightings if s.at_head is not None]
    return any(known) if known else None


def _resolved(stored: Sequence[StoredOccurrence]) -> tuple[str | None, str | None]:
    """Resolved only when every stored fingerprint of it is."""
    if not stored or any(s.history.resolved_at is None for s in stored):
        return None, None
    last = max(stored, key=lambda s: s.history.resolved_at or "")
    return last.history.resolved_at, last.history.resolved_reason


def _iam_verification(record: Mapping[str, Any]) -> Verification | None:
    v = record.get("verification")
    if not isinstance(v, Mapping):
        return None
    try:
        return Verification.from_dict(v)
    except ValueError:
        return None


def _latest_verification(candidates: Sequence[Verification | None]) -> Verification | None:
    checked = [v for v in candidates if v is not None and v.status.value != "not_checked"]
    return max(checked, key=lambda v: v.checked_at or "", default=None)


# ------------------------------------------------------------------ IAM report (the JSON of `keysweep iam report`)

def load_iam_report(path: str) -> list[Mapping[str, Any]]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read IAM report ({e})") from e
    return parse_iam_report(text, path)


def parse_iam_report(text: str, source: str) -> list[Mapping[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{source}: not a keysweep IAM report (invalid JSON: {e.msg})") from e
    creds = data.get("credentials") if isinstance(data, dict) else None
    if not isinstance(creds, list) or not all(isinstance(c, dict) and "access_key_id" in c for c in creds):
        raise ConfigError(f"{source}: not a keysweep IAM report (expected an object with 'credentials'; "
                          "make it with `keysweep iam report --format json`)")
    return creds


# ------------------------------------------------------------------ text

def render_text(x: Exposure) -> str:
    if not x.found:
        return (f"{x.query.label}: not found in the store, the paths scanned or the IAM report.\n"
                f"  (looked for secret hash prefix {x.query.hash20})\n")
    lines = [f"Exposure of {x.query.label}" + (f"  [{', '.join(x.rules)}]" if x.rules else "")]
    if x.secret_masked and x.secret_masked != x.query.label:
        lines.append(f"  secret     {x.secret_masked}")
    lines.append(f"  status     {_status(x)}")
    lines.append(f"  first seen {x.first_seen or '?'}    last seen {x.last_seen or '?'}")
    if x.verification:
        v = x.verification
        lines.append(f"  verified   {v.status.value}" + (f" ({v.detail})" if v.detail else "")
                     + (f" at {v.checked_at}" if v.checked_at else ""))
        if v.access:
            from scanner.report.base import reach_text

            lines.append(f"  can reach  {reach_text(v.access)}")
    lines += [f"  IAM        {_iam_line(r)}" for r in x.iam]
    if x.key_ids and not x.iam:
        lines.append(f"  IAM        no record for {', '.join(x.key_ids)} "
                     "(give --iam-report from `keysweep iam report`, or --live)")
    repos = {s.repository for s in x.sightings if s.repository}
    lines += ["", f"Timeline ({len(x.sightings)} sightings in {len(repos)} repositories)"]
    lines += [_timeline_line(s) for s in x.sightings]
    lines.append("")
    lines.append("fingerprints: " + ", ".join(x.fingerprints))
    return "\n".join(lines) + "\n"


def _status(x: Exposure) -> str:
    if x.resolved_reason == "deactivated":
        head = "deactivated" + (f" since {x.resolved_at}" if x.resolved_at else "")
    elif x.still_at_head:
        head = "OPEN, still at HEAD"
    elif x.still_at_head is False:
        head = "in history only (removed from HEAD)"
    else:
        head = "unknown at HEAD"
    missing = {s.repository for s in x.sightings if s.repository_state == "missing"}
    if missing:
        head += f"; {len(missing)} repositories no longer reachable"
    return head


def _iam_line(r: Mapping[str, Any]) -> str:
    parts = [f"{r.get('access_key_id')} user {r.get('user_name') or '?'} in account {r.get('account_id') or '?'}",
             str(r.get("status", "Unknown"))]
    if r.get("created"):
        parts.append(f"created {r['created']}" + (f" ({r['age_days']} days)" if r.get("age_days") is not None else ""))
    parts.append(f"last used {r['last_used']}" + (f" ({r['last_used_service']})" if r.get("last_used_service") else "")
                 if r.get("last_used") else "never used")
    if r.get("flags"):
        parts.append("flags " + ", ".join(r["flags"]))
    if r.get("risk"):
        parts.append(f"risk {r['risk']}")
    return "; ".join(parts)


def _timeline_line(s: Sighting) -> str:
    d = parse_date(s.date)
    when = d.strftime("%Y-%m-%d %H:%M") if d else "(no date)       "
    where = f"{s.path}:{s.line}"
    bits = [when, s.repository or "-"]
    if s.refs:
        bits.append(",".join(s.refs))
    if s.commit:
        bits.append(s.commit[:12])
    bits.append(where)
    if s.author_name or s.author_email:
        bits.append(f"{s.author_name or '?'} <{s.author_email or '?'}>")
    if s.subject:
        bits.append(f'"{s.subject}"')
    tags = [s.rule_id] + (["at HEAD"] if s.at_head else []) + (["repository missing"]
                                                              if s.repository_state == "missing" else [])
    return "  " + "  ".join(bits) + f"  [{'; '.join(tags)}]"
