"""The datastore: history of secrets across runs, head presence, key status, transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scanner.models import Severity, VerificationStatus
from scanner.store import HeadScan, OccurrenceQuery, RepoOutcome, Store, StoreError
from tests.store.builders import AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN, aws_pair, make_finding

REPO = "/srv/repos/app"


def scanned(findings, head_hits=None, tips=None, location=REPO, commits=("c1",), full=True, paths=()):
    hits = frozenset((f.fingerprint, f.path) for f in findings) if head_hits is None else frozenset(head_hits)
    return RepoOutcome(location=location, name=Path(location).name, status="scanned",
                       tips=tips or {"refs/heads/main": "c1"}, head_commit="c1", new_commits=tuple(commits),
                       findings=tuple(findings), head=HeadScan(full=full, paths=tuple(paths), hits=hits))


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "ks.db") as s:
        yield s


def test_round_trip_keeps_no_plaintext(store: Store, tmp_path: Path) -> None:
    run = store.begin_run([REPO])
    rec = store.record(run, scanned([make_finding(GITHUB_TOKEN), *aws_pair()]))
    store.finish_run(run, "ok")
    assert (rec.occurrences, rec.new_occurrences) == (3, 3)
    got = store.occurrences()
    assert {o.secret.rule_id for o in got} == {"generic-api-key", "aws-access-key-id", "aws-secret-access-key"}
    assert all(o.at_head and o.history.is_open for o in got)
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert GITHUB_TOKEN.encode() not in raw and AWS_SECRET.encode() not in raw
    assert AWS_KEY_ID.encode() in raw  # key ids are identifiers, kept for the IAM join


def test_second_run_reports_only_new_occurrences(store: Store) -> None:
    first = make_finding(GITHUB_TOKEN)
    r1 = store.begin_run([REPO])
    store.record(r1, scanned([first]))
    r2 = store.begin_run([REPO])
    unchanged = RepoOutcome(location=REPO, name="app", status="unchanged")
    assert store.record(r2, unchanged).new_occurrences == 0
    assert store.occurrences(OccurrenceQuery(new_in_run=r2)) == []
    r3 = store.begin_run([REPO])
    later = make_finding(AWS_SECRET, "aws-secret-access-key", path="b.py", commit="d" * 40)
    rec = store.record(r3, scanned([later], head_hits=[(later.fingerprint, "b.py")], full=False, paths=["b.py"]))
    assert rec.new_occurrences == 1
    new = store.occurrences(OccurrenceQuery(new_in_run=r3))
    assert [o.secret.fingerprint for o in new] == [later.fingerprint]
    old = store.occurrences(OccurrenceQuery(fingerprints=[first.fingerprint]))[0]
    assert (old.history.first_seen_run, old.history.last_seen_run) == (r1, r3)


def test_removed_from_head_resolves_and_reappearing_reopens(store: Store) -> None:
    f = make_finding(GITHUB_TOKEN, path="cfg.py")
    store.record(store.begin_run([REPO]), scanned([f]))
    r2 = store.begin_run([REPO])
    store.record(r2, scanned([], head_hits=[], full=False, paths=["cfg.py"]))
    (o,) = store.occurrences()
    assert (o.history.resolved_reason, o.at_head) == ("removed-from-head", False)
    assert store.occurrences(OccurrenceQuery(open_only=True)) == []
    store.record(store.begin_run([REPO]), scanned([], head_hits=[(f.fingerprint, "other.py")], full=False,
                                                  paths=["other.py"]))
    assert store.occurrences(OccurrenceQuery(open_only=True))[0].history.resolved_at is None


def test_other_repository_keeps_secret_open(store: Store) -> None:
    f = make_finding(GITHUB_TOKEN)
    run = store.begin_run([REPO, "/srv/repos/lib"])
    store.record(run, scanned([f]))
    store.record(run, scanned([f], location="/srv/repos/lib"))
    store.record(store.begin_run([REPO]), scanned([], head_hits=[], full=True))
    assert all(o.history.is_open for o in store.occurrences())


def test_missing_repository_keeps_findings_and_is_marked(store: Store) -> None:
    store.record(store.begin_run([REPO]), scanned([make_finding(GITHUB_TOKEN)]))
    r2 = store.begin_run([REPO])
    store.record(r2, RepoOutcome(location=REPO, name="app", status="missing", error="gone"))
    (o,) = store.occurrences(OccurrenceQuery(open_only=True))
    assert o.repository_state == "missing"
    assert store.run_statuses(r2) == [(REPO, "missing", "gone")]
    assert store.repository(REPO).tips == {"refs/heads/main": "c1"}  # kept for when it comes back


def test_deactivated_key_resolves_key_and_linked_secret(store: Store) -> None:
    store.record(store.begin_run([REPO]), scanned(aws_pair()))
    assert store.apply_key_status({AWS_KEY_ID: "Inactive"}) == 2
    assert {o.history.resolved_reason for o in store.occurrences()} == {"deactivated"}
    store.apply_key_status({AWS_KEY_ID: "Active"})
    assert all(o.history.is_open for o in store.occurrences())


def test_invalid_verification_resolves(store: Store) -> None:
    f = make_finding(GITHUB_TOKEN, verification=VerificationStatus.INVALID)
    store.record(store.begin_run([REPO]), scanned([f]))
    (o,) = store.occurrences()
    assert o.history.resolved_reason == "deactivated"
    assert o.secret.verification is not None and o.secret.verification.status == VerificationStatus.INVALID


def test_lookup_by_hash_and_key_id_includes_linked(store: Store) -> None:
    from scanner.engine import secret_hash

    key, sec = aws_pair()
    store.record(store.begin_run([REPO]), scanned([key, sec, make_finding(GITHUB_TOKEN)]))
    assert set(store.fingerprints_for(public_id=AWS_KEY_ID)) == {key.fingerprint, sec.fingerprint}
    assert store.fingerprints_for(hash20=secret_hash(AWS_SECRET)[:20], with_linked=False) == [sec.fingerprint]


def test_failed_write_is_rolled_back(store: Store) -> None:
    store.record(store.begin_run([REPO]), scanned([make_finding(GITHUB_TOKEN)]))
    bad = make_finding(AWS_SECRET, line=None)  # NOT NULL violation half-way through the write
    with pytest.raises(StoreError):
        store.record(store.begin_run([REPO]), scanned([bad], tips={"refs/heads/main": "c9"}))
    assert store.repository(REPO).tips == {"refs/heads/main": "c1"}
    assert [o.secret.secret_masked[:4] for o in store.occurrences()] == [GITHUB_TOKEN[:4]]


def test_locked_store_gives_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ks.db"
    with Store(path) as s:
        s.record(s.begin_run([REPO]), scanned([make_finding(GITHUB_TOKEN)]))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another process"), Store(path, lock_timeout=0.2) as s:
            s.begin_run([REPO])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with Store(path) as s:
        assert len(s.occurrences()) == 1


def test_garbage_file_is_named_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ks.db"
    path.write_bytes(b"this is not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=f"{path}: not a keysweep store"):
        Store(path)
    assert path.read_bytes() == before


def test_corrupt_store_is_named_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ks.db"
    with Store(path) as s:
        run = s.begin_run([REPO])
        for i in range(200):
            s.record(run, scanned([make_finding(f"{GITHUB_TOKEN}{i:04d}", path=f"f{i}.py")],
                                  location=f"/srv/r{i}"))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for off in range(page, len(data) - page, page):  # smash every page but the header page
        data[off:off + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=f"{path}: store is corrupt"), Store(path) as s:
        s.occurrences()
    assert path.read_bytes() == bytes(data)


def _execute(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_other_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    _execute(path, "CREATE TABLE t(x)")
    with pytest.raises(StoreError, match="another application"):
        Store(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ks.db"
    Store(path).close()
    _execute(path, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer than this keysweep"):
        Store(path)


def test_default_path_follows_xdg(tmp_path: Path) -> None:
    from scanner.store import default_store_path

    assert default_store_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "keysweep" / "keysweep.db"
    assert default_store_path({"HOME": "/x"}).parts[-3:] == ("share", "keysweep", "keysweep.db")


def test_secret_found_by_another_rule_at_head_stays_open(store: Store) -> None:
    """History found the secret with one rule, HEAD with another (a comment after it): still at HEAD."""
    added = make_finding(AWS_SECRET, "s3cfg-secret-key", path=".s3cfg", severity=Severity.CRITICAL)
    at_head = make_finding(AWS_SECRET, "generic-secret", path=".s3cfg")
    store.record(store.begin_run([REPO]), scanned([added], head_hits=[(at_head.fingerprint, ".s3cfg")]))
    (o,) = store.occurrences(OccurrenceQuery(open_only=True))
    assert o.secret.rule_id == "s3cfg-secret-key" and o.at_head and o.history.is_open
    store.record(store.begin_run([REPO]), scanned([], head_hits=[], full=False, paths=[".s3cfg"]))
    (o,) = store.occurrences()
    assert (o.history.resolved_reason, o.at_head) == ("removed-from-head", False)


def test_version_1_store_is_migrated_and_joins_by_secret(tmp_path: Path) -> None:
    path = tmp_path / "ks.db"
    added = make_finding(GITHUB_TOKEN, "rule-a", path="a.py")
    with Store(path) as s:
        s.record(s.begin_run([REPO]), scanned([added]))
    conn = sqlite3.connect(path)  # make it look like a store written by schema 1
    conn.executescript("DROP INDEX head_presence_hash; ALTER TABLE head_presence DROP COLUMN hash20; "
                       "DROP TABLE verification_events; DROP TABLE revocations; "
                       "UPDATE meta SET value = '1' WHERE key = 'schema_version';")
    conn.commit()
    conn.close()
    with Store(path) as s:
        other = make_finding(GITHUB_TOKEN, "rule-b", path="a.py")
        s.record(s.begin_run([REPO]), scanned([], head_hits=[(other.fingerprint, "a.py")], full=True))
        (o,) = s.occurrences(OccurrenceQuery(open_only=True))
        assert o.secret.rule_id == "rule-a" and o.at_head
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "3"
    assert conn.execute("SELECT COUNT(*) FROM verification_events").fetchone()[0] == 0  # schema 3 added it
    conn.close()
