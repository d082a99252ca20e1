"""CloudTrail log files as AWS delivers them, from a folder and from an S3 bucket in the emulator."""

from __future__ import annotations

import gzip
import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.cloud.activity import MAX_ADDRESSES, MAX_UNJUDGED, TrailFolder
from scanner.cloud.aws_iam import AwsOptions, client, session_for
from scanner.cloud.cloudtrail import read_trail
from scanner.errors import ConfigError
from tests.fixtures.moto_server import MotoLab

ACCOUNT = "123456789012"
KEY = "AKIARZPUZDIKI3AXJPWI"


def call(when: str, ip: str = "10.0.0.5", name: str = "GetObject", **who: Any) -> dict[str, Any]:
    identity = {"type": "IAMUser", "userName": "ci", "accountId": ACCOUNT, "accessKeyId": KEY, **who}
    return {"eventTime": when, "eventName": name, "sourceIPAddress": ip, "userIdentity": identity,
            "recipientAccountId": ACCOUNT}


def create_key(when: str, by: str, for_user: str, key_id: str) -> dict[str, Any]:
    r = call(when, name="CreateAccessKey", userName=by, accessKeyId="AKIACREATORKEY000000")
    r["requestParameters"] = {"userName": for_user}
    r["responseElements"] = {"accessKey": {"accessKeyId": key_id, "userName": for_user, "status": "Active"}}
    return r


def assumed(when: str, role: str, session: str, ip: str = "10.0.0.9") -> dict[str, Any]:
    return {"eventTime": when, "eventName": "CreateRole", "sourceIPAddress": ip, "recipientAccountId": ACCOUNT,
            "userIdentity": {"type": "AssumedRole", "accountId": ACCOUNT,
                             "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
                             "accessKeyId": "ASIATEMPORARY0000000",
                             "sessionContext": {"sessionIssuer": {"type": "Role", "userName": role,
                                                                  "accountId": ACCOUNT}}},
            "requestParameters": {"roleName": "etl"}}


def log_file(path: Path, records: list[dict[str, Any]], gz: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"Records": records}).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def delivered(root: Path, day: int, name: str) -> Path:
    """Where CloudTrail puts a file: AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/NAME."""
    return root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / "2026" / "05" / f"{day:02d}" / name


def test_records_in_nested_gzip_files_give_activity_creators_and_addresses(tmp_path: Path) -> None:
    log_file(delivered(tmp_path, 1, "a.json.gz"), [call("2026-05-01T10:00:00Z"),
                                                   create_key("2026-05-01T09:00:00Z", "bob", "ci", KEY)])
    log_file(delivered(tmp_path, 2, "b.json.gz"), [call("2026-05-02T11:00:00Z", ip="203.0.113.7"),
                                                   assumed("2026-05-02T12:00:00Z", "admin", "carol@example.com")])
    log_file(delivered(tmp_path, 3, "c.json"), [call("2026-05-03T08:00:00Z", ip="ec2.amazonaws.com")], gz=False)
    (delivered(tmp_path, 3, "x").parent / "CloudTrail-Digest").mkdir()
    evidence, notes = read_trail(str(tmp_path))
    assert notes == () and evidence.files == 3 and evidence.records == 5
    assert evidence.last_seen[f"user:{ACCOUNT}/ci"].isoformat() == "2026-05-03T08:00:00+00:00"
    assert evidence.last_seen[f"key:{KEY}"].day == 3
    assert evidence.last_seen[f"role:{ACCOUNT}/admin"].day == 2
    assert evidence.created_by[f"key:{KEY}"] == "bob"
    assert evidence.created_by[f"role:{ACCOUNT}/etl"] == "carol@example.com"  # the SSO session's person
    assert [s.address for s in evidence.addresses[f"key:{KEY}"]] == ["10.0.0.5", "203.0.113.7"]
    assert "key:ASIATEMPORARY0000000" not in evidence.last_seen  # session keys are not identities


def test_broken_files_are_notes_and_the_others_still_count(tmp_path: Path) -> None:
    good = log_file(tmp_path / "good.json.gz", [call("2026-05-01T10:00:00Z")])
    (tmp_path / "cut.json.gz").write_bytes(good.read_bytes()[:20])
    (tmp_path / "junk.json").write_text("{ not json")
    (tmp_path / "other.json").write_text(json.dumps({"Events": []}))
    (tmp_path / "readme.txt").write_text("not a log file at all")
    evidence, notes = read_trail(str(tmp_path))
    assert evidence.files == 1 and evidence.records == 1
    text = "\n".join(notes)
    assert "truncated or not gzip" in text and "cut.json.gz" in text
    assert "not JSON" in text and "junk.json" in text
    assert "no Records list" in text and "other.json" in text
    assert "readme" not in text


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such CloudTrail"):
        read_trail(str(tmp_path / "nope"))


def test_addresses_per_identity_are_bounded() -> None:
    folder = TrailFolder()
    folder.add_all(call("2026-05-01T10:00:00Z", ip=f"10.0.{i // 250}.{i % 250}") for i in range(1000))
    assert len(folder.evidence().addresses[f"key:{KEY}"]) == MAX_UNJUDGED
    assert folder.evidence().records == 1000
    ranged = TrailFolder([ipaddress.ip_network("192.168.0.0/16")])
    ranged.add_all(call("2026-05-01T10:00:00Z", ip=f"10.0.{i // 250}.{i % 250}") for i in range(1000))
    assert len(ranged.evidence().addresses[f"key:{KEY}"]) == MAX_ADDRESSES


def test_with_allowed_ranges_only_addresses_outside_them_are_kept() -> None:
    folder = TrailFolder([ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32")])
    folder.add_all([call("2026-05-01T10:00:00Z", ip="10.9.9.9"), call("2026-05-01T10:00:01Z", ip="2001:db8::5"),
                    call("2026-05-01T10:00:02Z", ip="203.0.113.7"), call("2026-05-01T10:00:03Z", ip="2001:db9::1"),
                    call("2026-05-01T10:00:04Z", ip="ec2.amazonaws.com")])
    evidence = folder.evidence()
    assert [s.address for s in evidence.addresses[f"key:{KEY}"]] == ["2001:db9::1", "203.0.113.7"]
    assert evidence.last_seen[f"key:{KEY}"].second == 4  # every call still counts as activity


def test_logs_are_read_from_an_s3_bucket_page_by_page(aws: MotoLab) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="trail")
    for i in range(1005):  # more than one page of listing
        body = gzip.compress(json.dumps({"Records": [call(f"2026-05-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z")]})
                             .encode())
        s3.put_object(Bucket="trail", Key=f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/05/01/{i:04d}.json.gz",
                      Body=body)
    s3.put_object(Bucket="trail", Key=f"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/05/01/bad.json.gz", Body=b"x")
    s3.put_object(Bucket="trail", Key="elsewhere/z.json.gz", Body=b"x")
    aws.admin()
    aws.enforce()
    opts = AwsOptions(timeout=5, max_attempts=2)
    # the emulator's signature check mishandles a '/' in query values, so the prefix here has none
    evidence, notes = read_trail("s3://trail/AWSLogs", lambda: client(session_for(opts), "s3", opts))
    assert evidence.files == 1005 and evidence.records == 1005, notes
    assert len(notes) == 1 and "bad.json.gz" in notes[0]


def test_a_bucket_that_cannot_be_listed_is_a_note(aws: MotoLab) -> None:
    aws.admin()
    aws.enforce()
    opts = AwsOptions(timeout=5, max_attempts=2)
    evidence, notes = read_trail("s3://no-such-bucket/x", lambda: client(session_for(opts), "s3", opts))
    assert evidence.files == 0 and "could not be listed (NoSuchBucket)" in notes[0]
