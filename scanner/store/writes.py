"""Writing sweep results. Every function runs inside the caller's transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scanner.models import VerificationStatus
from scanner.store.records import (
    TIP_SEP,
    HeadScan,
    OccurrenceRecord,
    RepoOutcome,
    SecretRecord,
    occurrence_record,
    secret_record,
)

# A secret is open while some repository's HEAD holds it (found there by any rule); keys known to be
# deactivated stay resolved.
_REFRESH = """
UPDATE findings SET
    resolved_at = CASE WHEN EXISTS (SELECT 1 FROM head_presence h WHERE h.hash20 = findings.hash20)
                       THEN NULL ELSE COALESCE(resolved_at, :now) END,
    resolved_reason = CASE WHEN EXISTS (SELECT 1 FROM head_presence h WHERE h.hash20 = findings.hash20)
                       THEN NULL ELSE 'removed-from-head' END
WHERE COALESCE(resolved_reason, '') != 'deactivated' AND fingerprint IN ({subset})
"""
_REPO_FINGERPRINTS = "SELECT fingerprint FROM occurrences WHERE repo_id = :repo"


@dataclass(frozen=True)
class Recorded:
    repo_id: int
    occurrences: int
    new_occurrences: int


def begin_run(conn: sqlite3.Connection, targets: Sequence[str], tool_version: str, rules_digest: str,
              now: str) -> int:
    cur = conn.execute("INSERT INTO runs(started_at, targets, tool_version, rules_digest) VALUES (?, ?, ?, ?)",
                       (now, json.dumps(list(targets)), tool_version, rules_digest))
    return int(cur.lastrowid or 0)


def finish_run(conn: sqlite3.Connection, run_id: int, status: str, now: str) -> None:
    conn.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, now, run_id))


def record_outcome(conn: sqlite3.Connection, run_id: int, out: RepoOutcome, now: str) -> Recorded:
    """Fold one repository's outcome into the store (call inside one transaction)."""
    repo_id = _upsert_repository(conn, run_id, out)
    new = 0
    if out.status == "scanned":
        _replace_tips(conn, repo_id, out.tips)
        conn.executemany("INSERT OR IGNORE INTO scanned_commits(repo_id, commit_id, run_id) VALUES (?, ?, ?)",
                         ((repo_id, c, run_id) for c in out.new_commits))
        for sec in {f.fingerprint: secret_record(f) for f in out.findings}.values():
            _upsert_secret(conn, run_id, sec, now)
        new = sum(_insert_occurrence(conn, run_id, repo_id, occurrence_record(f)) for f in out.findings)
        _apply_verdicts(conn, out, now)
    if out.status in ("scanned", "unchanged"):
        conn.execute("UPDATE occurrences SET last_seen_run = :run WHERE repo_id = :repo",
                     {"run": run_id, "repo": repo_id})
        conn.execute(f"UPDATE findings SET last_seen_run = :run, last_seen_at = :now WHERE fingerprint IN "
                     f"({_REPO_FINGERPRINTS})", {"run": run_id, "now": now, "repo": repo_id})
    if out.head is not None:
        _update_head(conn, repo_id, out.head)
        conn.execute(_REFRESH.format(subset=_REPO_FINGERPRINTS), {"now": now, "repo": repo_id})
    total = conn.execute("SELECT COUNT(*) FROM occurrences WHERE repo_id = ?", (repo_id,)).fetchone()[0]
    conn.execute(
        "INSERT OR REPLACE INTO run_repositories(run_id, repo_id, status, commits_scanned, occurrences, "
        "new_occurrences, attempts, seconds, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, repo_id, out.status, len(out.new_commits), total, new, out.attempts, out.seconds, out.error))
    return Recorded(repo_id, int(total), new)


def _upsert_repository(conn: sqlite3.Connection, run_id: int, out: RepoOutcome) -> int:
    row = conn.execute("SELECT id FROM repositories WHERE location = ?", (out.location,)).fetchone()
    state = {"scanned": "ok", "unchanged": "ok", "missing": "missing"}.get(out.status, "error")
    if row is None:
        cur = conn.execute(
            "INSERT INTO repositories(location, name, state, last_error, first_seen_run, last_run) "
            "VALUES (?, ?, ?, ?, ?, ?)", (out.location, out.name, state, out.error, run_id, run_id))
        repo_id = int(cur.lastrowid or 0)
    else:
        repo_id = int(row[0])
        conn.execute("UPDATE repositories SET state = ?, last_error = ?, last_run = ? WHERE id = ?",
                     (state, out.error, run_id, repo_id))
    if out.status == "scanned":
        conn.execute("UPDATE repositories SET head_commit = ?, rules_digest = ?, last_scanned_run = ? WHERE id = ?",
                     (out.head_commit, out.rules_digest, run_id, repo_id))
    return repo_id


def _replace_tips(conn: sqlite3.Connection, repo_id: int, tips: Mapping[str, str]) -> None:
    conn.execute("DELETE FROM repo_tips WHERE repo_id = ?", (repo_id,))
    conn.executemany("INSERT INTO repo_tips(repo_id, ref, commit_id) VALUES (?, ?, ?)",
                     ((repo_id, ref, c) for ref, c in tips.items()))


def _upsert_secret(conn: sqlite3.Connection, run_id: int, s: SecretRecord, now: str) -> None:
    conn.execute(
        "INSERT INTO findings(fingerprint, rule_id, description, severity, hash20, secret_hash, secret_masked, "
        "public_id, linked, first_seen_run, first_seen_at, last_seen_run, last_seen_at) "
        "VALUES (:fp, :rule, :desc, :sev, :h20, :hash, :masked, :pid, :linked, :run, :now, :run, :now) "
        "ON CONFLICT(fingerprint) DO UPDATE SET last_seen_run = :run, last_seen_at = :now, "
        "linked = CASE WHEN :linked != '[]' THEN :linked ELSE linked END",
        {"fp": s.fingerprint, "rule": s.rule_id, "desc": s.description, "sev": s.severity, "h20": s.hash20,
         "hash": s.secret_hash, "masked": s.secret_masked, "pid": s.public_id, "linked": json.dumps(list(s.linked)),
         "run": run_id, "now": now})
    if s.verification is not None and s.verification.status != VerificationStatus.NOT_CHECKED:
        from scanner.store.checks import record_check

        record_check(conn, run_id, s.fingerprint, s.verification, now)


def _insert_occurrence(conn: sqlite3.Connection, run_id: int, repo_id: int, o: OccurrenceRecord) -> int:
    """1 when the occurrence is new to the store, else 0."""
    cur = conn.execute(
        "INSERT INTO occurrences(fingerprint, repo_id, commit_id, path, line, end_line, col, end_col, "
        "author_name, author_email, date, subject, extra, first_seen_run, last_seen_run) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(fingerprint, repo_id, commit_id, path, line, col) DO NOTHING",
        (o.fingerprint, repo_id, o.commit or "", o.path, o.line, o.end_line, o.column, o.end_column,
         o.author_name, o.author_email, o.date, o.subject, json.dumps(dict(o.extra), sort_keys=True),
         run_id, run_id))
    return cur.rowcount


def _update_head(conn: sqlite3.Connection, repo_id: int, head: HeadScan) -> None:
    if head.full:  # HEAD's own rows (branch tips are qualified with TIP_SEP and kept)
        conn.execute("DELETE FROM head_presence WHERE repo_id = ? AND instr(path, ?) = 0", (repo_id, TIP_SEP))
    else:
        conn.executemany("DELETE FROM head_presence WHERE repo_id = ? AND path = ?",
                         ((repo_id, p) for p in head.paths))
    conn.executemany("DELETE FROM head_presence WHERE repo_id = ? AND substr(path, 1, ?) = ?",
                     ((repo_id, len(ref) + 1, ref + TIP_SEP) for ref in head.dropped_refs))
    conn.executemany("DELETE FROM head_presence WHERE repo_id = ? AND path = ?",
                     ((repo_id, p) for p in head.tip_paths))
    conn.executemany("INSERT OR IGNORE INTO head_presence(repo_id, path, fingerprint, hash20) VALUES (?, ?, ?, ?)",
                     ((repo_id, path, fp, fp.rsplit(":", 1)[-1]) for fp, path in head.hits))


def _apply_verdicts(conn: sqlite3.Connection, out: RepoOutcome, now: str) -> None:
    """A secret its provider rejects is resolved as deactivated; one it accepts is open again."""
    invalid = {f.fingerprint for f in out.findings
               if f.verification and f.verification.status == VerificationStatus.INVALID}
    valid = {f.fingerprint for f in out.findings
             if f.verification and f.verification.status == VerificationStatus.VALID}
    set_deactivated(conn, invalid, True, now)
    set_deactivated(conn, valid, False, now)


def set_deactivated(conn: sqlite3.Connection, fingerprints: Iterable[str], deactivated: bool, now: str) -> None:
    fps = sorted(set(fingerprints))
    if not fps:
        return
    marks = ",".join("?" * len(fps))
    if deactivated:
        conn.execute(f"UPDATE findings SET resolved_at = COALESCE(resolved_at, ?), resolved_reason = 'deactivated' "
                     f"WHERE fingerprint IN ({marks})", (now, *fps))
        return
    conn.execute(f"UPDATE findings SET resolved_reason = NULL, resolved_at = NULL "
                 f"WHERE resolved_reason = 'deactivated' AND fingerprint IN ({marks})", fps)
    _refresh(conn, fps, now)


def _refresh(conn: sqlite3.Connection, fps: Sequence[str], now: str) -> None:
    params: dict[str, str] = {"now": now}
    names = []
    for i, fp in enumerate(fps):
        params[f"f{i}"] = fp
        names.append(f":f{i}")
    conn.execute(_REFRESH.format(subset=",".join(names)), params)


def apply_key_status(conn: sqlite3.Connection, statuses: Mapping[str, str], now: str) -> int:
    """IAM says a key is Inactive/Deleted: resolve its id and the secrets linked to it. Returns how many."""
    off = [k for k, st in statuses.items() if st.lower() in ("inactive", "deleted")]
    on = [k for k, st in statuses.items() if st.lower() == "active"]
    touched = 0
    for keys, deactivated in ((off, True), (on, False)):
        fps = _fingerprints_for_keys(conn, keys)
        set_deactivated(conn, fps, deactivated, now)
        touched += len(fps) if deactivated else 0
    return touched


def _fingerprints_for_keys(conn: sqlite3.Connection, key_ids: Sequence[str]) -> list[str]:
    out: list[str] = []
    for key in key_ids:
        ids = [r[0] for r in conn.execute("SELECT fingerprint FROM findings WHERE public_id = ?", (key,))]
        out.extend(ids)
        for fp in ids:
            out.extend(r[0] for r in conn.execute(
                "SELECT fingerprint FROM findings WHERE EXISTS (SELECT 1 FROM json_each(findings.linked) j "
                "WHERE j.value = ?)", (fp,)))
    return out
