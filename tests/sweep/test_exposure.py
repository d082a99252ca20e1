"""The pure exposure lookup: queries, joining store + fresh scan + IAM, the timeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine import fingerprint, secret_hash
from scanner.errors import ConfigError
from scanner.exposure import build, parse_iam_report, parse_query, render_text
from scanner.store import HeadScan, OccurrenceQuery, RepoOutcome, Store
from tests.store.builders import AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN, aws_pair, make_finding


def test_queries() -> None:
    assert parse_query(AWS_KEY_ID, None).key_id == AWS_KEY_ID
    fp = fingerprint("github-pat-classic", GITHUB_TOKEN)
    assert parse_query(fp, None).hash20 == secret_hash(GITHUB_TOKEN)[:20]
    assert parse_query(secret_hash(GITHUB_TOKEN), None).hash20 == secret_hash(GITHUB_TOKEN)[:20]
    q = parse_query(None, GITHUB_TOKEN + "\n")
    assert q.hash20 == secret_hash(GITHUB_TOKEN)[:20] and GITHUB_TOKEN[:6] not in q.label
    assert parse_query(None, AWS_KEY_ID).key_id == AWS_KEY_ID
    with pytest.raises(ConfigError) as e:
        parse_query("correct-horse-battery", None)
    assert "correct-horse" not in str(e.value)
    with pytest.raises(ConfigError):
        parse_query(None, "\n")


def test_iam_report_must_be_ours() -> None:
    assert parse_iam_report('{"credentials": [{"access_key_id": "AKIA1"}]}', "x.json")[0]["access_key_id"] == "AKIA1"
    for text in ("[]", '{"credentials": [{}]}', "not json"):
        with pytest.raises(ConfigError, match="x.json: not a keysweep IAM report"):
            parse_iam_report(text, "x.json")


@pytest.fixture
def store(tmp_path: Path):
    key, sec = aws_pair(path="deploy/env.sh")
    old = make_finding(AWS_SECRET, "aws-secret-access-key", path="legacy/settings.py", line=9, commit="c" * 40,
                       date="2023-05-01T08:00:00+00:00", author_name="Old Timer", author_email="old@example.com")
    with Store(tmp_path / "ks.db") as s:
        run = s.begin_run(["/srv/app"])
        s.record(run, RepoOutcome("/srv/app", "app", "scanned", tips={"refs/heads/main": "x"}, head_commit="x",
                                  findings=(key, sec, old, make_finding(GITHUB_TOKEN)),
                                  head=HeadScan(full=True, hits=frozenset({(key.fingerprint, "deploy/env.sh"),
                                                                           (sec.fingerprint, "deploy/env.sh")}))))
        yield s


def test_secret_joins_store_scan_and_iam(store: Store) -> None:
    q = parse_query(None, AWS_SECRET)
    own = store.fingerprints_for(hash20=q.hash20, with_linked=False)
    stored = store.occurrences(OccurrenceQuery(fingerprints=store.fingerprints_for(hash20=q.hash20)))
    fresh = make_finding(AWS_SECRET, "aws-secret-access-key", path="/tmp/dump.txt", commit=None, date=None,
                         author_name=None, author_email=None)
    iam = [{"access_key_id": AWS_KEY_ID, "user_name": "ci", "status": "Inactive"}, {"access_key_id": "AKIAOTHER"}]
    x = build(q, stored, [fresh, make_finding(GITHUB_TOKEN)], own, iam, now="2024-06-01T00:00:00Z")
    assert x.rules == ("aws-secret-access-key", "aws-access-key-id")
    assert [(s.source, s.path) for s in x.sightings] == [
        ("store", "legacy/settings.py"), ("store", "deploy/env.sh"), ("store", "deploy/env.sh"),
        ("scan", "/tmp/dump.txt")]
    assert x.first_seen == "2023-05-01T08:00:00+00:00" and x.last_seen == "2024-06-01T00:00:00Z"
    assert x.still_at_head is True and x.key_ids == (AWS_KEY_ID,) and [r["user_name"] for r in x.iam] == ["ci"]
    text = render_text(x)
    assert AWS_SECRET not in text
    lines = [ln for ln in text.splitlines() if ln.startswith("  20") or ln.startswith("  (no date")]
    assert lines[0].startswith("  2023-05-01 08:00  /srv/app  cccccccccccc  legacy/settings.py:9  Old Timer")
    assert lines[-1].startswith("  (no date)") and "/tmp/dump.txt:3" in lines[-1]
    assert "user ci in account ?; Inactive" in text


def test_nothing_found(store: Store) -> None:
    q = parse_query("generic-api-key:" + "0" * 20, None)
    x = build(q, [], [], [], [], now="2024-06-01T00:00:00Z")
    assert not x.found and "not found" in render_text(x) and x.to_dict()["sightings"] == []
