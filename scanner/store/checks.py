"""What the store remembers of checks: each secret's latest verdict, every change of it (with the run
and time), and every revocation asked for. Writes run inside the caller's transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.models import Verification, VerificationStatus

_DECISIVE = (VerificationStatus.VALID, VerificationStatus.INVALID)


@dataclass(frozen=True)
class VerificationChange:
    """A secret's provider answered differently than the check before (or for the first time)."""

    fingerprint: str
    rule_id: str
    secret_masked: str
    run_id: int
    at: str
    before: str | None  # None: never checked before
    after: str
    detail: str = ""


@dataclass(frozen=True)
class Revocation:
    fingerprint: str | None
    secret_hash: str
    provider: str
    at: str
    actor: str
    dry_run: bool
    outcome: str  # revoked | would-revoke | failed | unsupported
    detail: str = ""


def current_status(conn: sqlite3.Connection, fingerprint: str) -> str | None:
    row = conn.execute("SELECT verification FROM findings WHERE fingerprint = ?", (fingerprint,)).fetchone()
    if row is None or not row[0]:
        return None
    try:
        status = json.loads(row[0]).get("status")
    except (ValueError, AttributeError):
        return None
    return status if status in {s.value for s in _DECISIVE} else None


def record_check(conn: sqlite3.Connection, run_id: int, fingerprint: str, v: Verification, now: str) -> bool:
    """Keep a decisive verdict (valid, invalid) as the secret's latest and note it when it differs
    from the one before; an `unknown` answer changes nothing. True when the status changed."""
    if v.status not in _DECISIVE:
        conn.execute("UPDATE findings SET verification = ? WHERE fingerprint = ? AND verification IS NULL",
                     (json.dumps(v.to_dict()), fingerprint))
        return False
    before = current_status(conn, fingerprint)
    conn.execute("UPDATE findings SET verification = ? WHERE fingerprint = ?", (json.dumps(v.to_dict()), fingerprint))
    if before == v.status.value:
        return False
    conn.execute("INSERT INTO verification_events(fingerprint, run_id, at, before, after, detail) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (fingerprint, run_id, now, before, v.status.value, v.detail))
    return True


def changes(conn: sqlite3.Connection, run_id: int | None = None, since: str | None = None) -> list[VerificationChange]:
    """The changes one run recorded, or every change since a time (ISO 8601, UTC)."""
    where: list[str] = []
    params: list[int | str] = []
    if run_id is not None:
        where.append("e.run_id = ?")
        params.append(run_id)
    if since is not None:
        where.append("e.at >= ?")
        params.append(since)
    sql = ("SELECT e.fingerprint, f.rule_id, f.secret_masked, e.run_id, e.at, e.before, e.after, e.detail "
           "FROM verification_events e JOIN findings f ON f.fingerprint = e.fingerprint"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY e.at, e.id")
    return [VerificationChange(*row) for row in conn.execute(sql, params)]


def record_checks(conn: sqlite3.Connection, run_id: int, verdicts: Sequence[tuple[str, Verification]],
                  now: str) -> list[str]:
    """`record_check` for each (fingerprint, verdict); a secret its provider rejects is resolved as
    deactivated, one it accepts is open again. Returns the fingerprints whose status changed."""
    from scanner.store.writes import set_deactivated

    changed = [fp for fp, v in verdicts if record_check(conn, run_id, fp, v, now)]
    set_deactivated(conn, [fp for fp, v in verdicts if v.status is VerificationStatus.INVALID], True, now)
    set_deactivated(conn, [fp for fp, v in verdicts if v.status is VerificationStatus.VALID], False, now)
    return changed


def last_run_with_changes(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT MAX(run_id) FROM verification_events").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def record_revocation(conn: sqlite3.Connection, r: Revocation) -> None:
    """The attempt, dry or not; a secret the provider revoked (or no longer accepts) is resolved."""
    from scanner.store.writes import set_deactivated

    if r.fingerprint and not r.dry_run and r.outcome in ("revoked", "gone"):
        set_deactivated(conn, [r.fingerprint], True, r.at)
    conn.execute("INSERT INTO revocations(fingerprint, secret_hash, provider, at, actor, dry_run, outcome, detail) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (r.fingerprint, r.secret_hash, r.provider, r.at, r.actor, int(r.dry_run), r.outcome, r.detail))


def revocations(conn: sqlite3.Connection, fingerprints: Sequence[str] | None = None) -> list[Revocation]:
    sql = "SELECT fingerprint, secret_hash, provider, at, actor, dry_run, outcome, detail FROM revocations"
    params: list[str] = []
    if fingerprints is not None:
        if not fingerprints:
            return []
        sql += f" WHERE fingerprint IN ({','.join('?' * len(fingerprints))})"
        params = list(fingerprints)
    return [Revocation(fp, h, p, at, actor, bool(dry), outcome, detail)
            for fp, h, p, at, actor, dry, outcome, detail in conn.execute(sql + " ORDER BY id", params)]
