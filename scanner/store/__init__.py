"""SQLite datastore for sweeps: runs, repositories, scanned commits, secrets and their occurrences.

`Store` is the face; schema.py, db.py (opening, locking, corruption), writes.py and queries.py do the work.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from scanner.models import Verification
from scanner.store import checks, queries, writes
from scanner.store.checks import Revocation, VerificationChange
from scanner.store.db import DEFAULT_LOCK_TIMEOUT, StoreError, connect, default_store_path, transaction, translate
from scanner.store.queries import OccurrenceQuery
from scanner.store.records import (
    HeadScan,
    RepoOutcome,
    RepositoryRecord,
    RunRecord,
    StoredOccurrence,
    to_finding,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT", "HeadScan", "OccurrenceQuery", "RepoOutcome", "RepositoryRecord", "RunRecord", "Store",
    "Revocation", "StoreError", "StoredOccurrence", "VerificationChange", "default_store_path", "to_finding",
]
T = TypeVar("T")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """One open store file. Every write is one transaction; sqlite errors become one-line StoreErrors."""

    def __init__(self, path: str | Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 clock: Callable[[], str] = utc_now) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._clock = clock
        self._conn: sqlite3.Connection = connect(self.path, lock_timeout)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with translate(self.path, self.lock_timeout), transaction(self._conn) as conn:
            return fn(conn)

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with translate(self.path, self.lock_timeout):
            return fn(self._conn)

    # writes
    def begin_run(self, targets: Sequence[str], tool_version: str = "", rules_digest: str = "") -> int:
        now = self._clock()
        return self._write(lambda c: writes.begin_run(c, targets, tool_version, rules_digest, now))

    def record(self, run_id: int, outcome: RepoOutcome) -> writes.Recorded:
        now = self._clock()
        return self._write(lambda c: writes.record_outcome(c, run_id, outcome, now))

    def record_many(self, run_id: int, outcomes: Sequence[RepoOutcome]) -> list[writes.Recorded]:
        """Several outcomes in one transaction (e.g. every repository found unchanged)."""
        if not outcomes:
            return []
        now = self._clock()
        return self._write(lambda c: [writes.record_outcome(c, run_id, o, now) for o in outcomes])

    def finish_run(self, run_id: int, status: str) -> None:
        now = self._clock()
        self._write(lambda c: writes.finish_run(c, run_id, status, now))

    def apply_key_status(self, statuses: Mapping[str, str]) -> int:
        now = self._clock()
        return self._write(lambda c: writes.apply_key_status(c, statuses, now))

    def record_checks(self, run_id: int, verdicts: Sequence[tuple[str, Verification]]) -> list[str]:
        """Re-checked secrets' verdicts; the fingerprints whose status changed (see store.checks)."""
        now = self._clock()
        return self._write(lambda c: checks.record_checks(c, run_id, verdicts, now))

    def record_revocation(self, r: Revocation) -> None:
        self._write(lambda c: checks.record_revocation(c, r))

    def now(self) -> str:
        return self._clock()

    # reads
    def verification_changes(self, run_id: int | None = None, since: str | None = None) -> list[VerificationChange]:
        return self._read(lambda c: checks.changes(c, run_id, since))

    def last_run_with_changes(self) -> int | None:
        return self._read(checks.last_run_with_changes)

    def revocations(self, fingerprints: Sequence[str] | None = None) -> list[Revocation]:
        return self._read(lambda c: checks.revocations(c, fingerprints))

    def occurrences(self, query: OccurrenceQuery | None = None) -> list[StoredOccurrence]:
        return self._read(lambda c: queries.occurrences(c, query or OccurrenceQuery()))

    def repository(self, location: str) -> RepositoryRecord | None:
        return self._read(lambda c: queries.repository(c, location))

    def repositories(self) -> list[str]:
        return self._read(queries.repositories)

    def runs(self, limit: int = 20) -> list[RunRecord]:
        return self._read(lambda c: queries.runs(c, limit))

    def run_statuses(self, run_id: int) -> list[tuple[str, str, str | None]]:
        return self._read(lambda c: queries.run_repository_statuses(c, run_id))

    def scanned_commit_count(self, location: str) -> int:
        return self._read(lambda c: queries.scanned_commit_count(c, location))

    def fingerprints_for(self, hash20: str | None = None, public_id: str | None = None,
                         with_linked: bool = True) -> list[str]:
        """Fingerprints of one secret (by hash tail) or one AWS key id, plus the secrets paired with them."""
        def find(c: sqlite3.Connection) -> list[str]:
            fps: list[str] = []
            if hash20:
                fps += queries.fingerprints_by_hash(c, hash20)
            if public_id:
                fps += queries.fingerprints_by_public_id(c, public_id)
            fps = list(dict.fromkeys(fps))
            return fps + (queries.linked_fingerprints(c, fps) if with_linked else [])
        return self._read(find)
