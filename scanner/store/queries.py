"""Reading the store back: occurrences joined with their secret, history and repository."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scanner.models import Verification
from scanner.store.records import (
    History,
    OccurrenceRecord,
    RepositoryRecord,
    RunRecord,
    SecretRecord,
    StoredOccurrence,
)

_SELECT = """
SELECT f.fingerprint, f.rule_id, f.description, f.severity, f.secret_hash, f.secret_masked, f.public_id,
       f.linked, f.verification, f.first_seen_run, f.first_seen_at, f.last_seen_run, f.last_seen_at,
       f.resolved_at, f.resolved_reason,
       o.path, o.line, o.end_line, o.col, o.end_col, o.commit_id, o.author_name, o.author_email, o.date,
       o.subject, o.extra, o.first_seen_run, r.location, r.state,
       EXISTS (SELECT 1 FROM head_presence h WHERE h.repo_id = o.repo_id AND h.hash20 = f.hash20
               AND instr(h.path, char(31)) = 0)
FROM occurrences o JOIN findings f ON f.fingerprint = o.fingerprint JOIN repositories r ON r.id = o.repo_id
"""
_ORDER = " ORDER BY r.location, COALESCE(o.date, ''), o.path, o.line, o.col, f.fingerprint"


@dataclass(frozen=True)
class OccurrenceQuery:
    """Filters for `occurrences`; all given ones must hold."""

    open_only: bool = False
    new_in_run: int | None = None  # occurrences first recorded by this run
    fingerprints: Sequence[str] | None = None
    repository: str | None = None


def occurrences(conn: sqlite3.Connection, q: OccurrenceQuery) -> list[StoredOccurrence]:
    where: list[str] = []
    params: list[Any] = []
    if q.open_only:
        where.append("f.resolved_at IS NULL")
    if q.new_in_run is not None:
        where.append("o.first_seen_run = ?")
        params.append(q.new_in_run)
    if q.fingerprints is not None:
        fps = list(dict.fromkeys(q.fingerprints))
        if not fps:
            return []
        where.append(f"o.fingerprint IN ({','.join('?' * len(fps))})")
        params.extend(fps)
    if q.repository is not None:
        where.append("r.location = ?")
        params.append(q.repository)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + _ORDER
    return [_row(r) for r in conn.execute(sql, params)]


def _row(r: Sequence[Any]) -> StoredOccurrence:
    secret = SecretRecord(
        fingerprint=r[0], rule_id=r[1], description=r[2], severity=r[3], secret_hash=r[4], secret_masked=r[5],
        public_id=r[6], linked=tuple(json.loads(r[7] or "[]")), verification=_verification(r[8]))
    history = History(first_seen_run=r[9], first_seen_at=r[10], last_seen_run=r[11], last_seen_at=r[12],
                      resolved_at=r[13], resolved_reason=r[14])
    occ = OccurrenceRecord(
        fingerprint=r[0], path=r[15], line=r[16], end_line=r[17], column=r[18], end_column=r[19],
        commit=r[20] or None, author_name=r[21], author_email=r[22], date=r[23], subject=r[24],
        extra=json.loads(r[25] or "{}"))
    return StoredOccurrence(secret=secret, history=history, occurrence=occ, repository=r[27],
                            repository_state=r[28], at_head=bool(r[29]), first_seen_run=r[26])


def _verification(text: str | None) -> Verification | None:
    if not text:
        return None
    return Verification.from_dict(json.loads(text))


def fingerprints_by_hash(conn: sqlite3.Connection, hash20: str) -> list[str]:
    """Every rule's fingerprint for one secret: fingerprints end in the first 20 hex of its hash."""
    return [r[0] for r in conn.execute("SELECT fingerprint FROM findings WHERE hash20 = ?", (hash20.lower(),))]


def fingerprints_by_public_id(conn: sqlite3.Connection, public_id: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT fingerprint FROM findings WHERE public_id = ?", (public_id,))]


def linked_fingerprints(conn: sqlite3.Connection, fingerprints: Sequence[str]) -> list[str]:
    """Secrets found paired with these (an AWS key id and its secret key), both directions."""
    out: list[str] = []
    for fp in fingerprints:
        row = conn.execute("SELECT linked FROM findings WHERE fingerprint = ?", (fp,)).fetchone()
        out.extend(json.loads(row[0]) if row else [])
        out.extend(r[0] for r in conn.execute(
            "SELECT fingerprint FROM findings WHERE EXISTS (SELECT 1 FROM json_each(findings.linked) j "
            "WHERE j.value = ?)", (fp,)))
    return [fp for fp in dict.fromkeys(out) if fp not in fingerprints]


def repository(conn: sqlite3.Connection, location: str) -> RepositoryRecord | None:
    row = conn.execute("SELECT id, location, name, state, head_commit, last_error, rules_digest "
                       "FROM repositories WHERE location = ?", (location,)).fetchone()
    if row is None:
        return None
    tips = dict(conn.execute("SELECT ref, commit_id FROM repo_tips WHERE repo_id = ?", (row[0],)).fetchall())
    return RepositoryRecord(id=row[0], location=row[1], name=row[2], state=row[3], head_commit=row[4],
                            last_error=row[5], tips=tips, rules_digest=row[6])


def repositories(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT location FROM repositories ORDER BY location")]


def runs(conn: sqlite3.Connection, limit: int = 20) -> list[RunRecord]:
    rows = conn.execute("SELECT id, started_at, finished_at, status, targets FROM runs ORDER BY id DESC LIMIT ?",
                        (limit,)).fetchall()
    return [RunRecord(id=r[0], started_at=r[1], finished_at=r[2], status=r[3], targets=tuple(json.loads(r[4])))
            for r in rows]


def run_repository_statuses(conn: sqlite3.Connection, run_id: int) -> list[tuple[str, str, str | None]]:
    """(location, status, error) for each repository a run touched."""
    return [(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT r.location, rr.status, rr.error FROM run_repositories rr JOIN repositories r ON r.id = rr.repo_id "
        "WHERE rr.run_id = ? ORDER BY r.location", (run_id,))]


def scanned_commit_count(conn: sqlite3.Connection, location: str) -> int:
    row = conn.execute("SELECT COUNT(*) FROM scanned_commits c JOIN repositories r ON r.id = c.repo_id "
                       "WHERE r.location = ?", (location,)).fetchone()
    return int(row[0])
