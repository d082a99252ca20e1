"""`keysweep scan s3://bucket/prefix` against the local AWS emulator with request signing enforced:
paginated listing, the same limits and archive handling as files, denied objects and buckets as
one line each while the rest is scanned."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from scanner.sources import s3 as s3source
from tests.cloud.runcli import keysweep
from tests.fixtures.moto_server import MotoLab
from tests.helpers import AWS_KEY_ID, AWS_SECRET, GITHUB_PAT
from tests.sources.test_archives import tar_bytes, zip_bytes

CREDS = f"aws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
TOKEN = f"export GITHUB_TOKEN={GITHUB_PAT}\n"


def scan(*args: str) -> tuple[int, list[dict], str]:
    code, out, err = keysweep("scan", "--format", "json", "--no-progress", *args)
    return code, json.loads(out) if out.strip() else [], err


def paths(found: list[dict]) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["path"]) for f in found}


def bucket(aws: MotoLab, name: str, objects: dict[str, bytes | str]) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=name)

    def put(item: tuple[str, bytes | str]) -> None:
        key, body = item
        s3.put_object(Bucket=name, Key=key, Body=body.encode() if isinstance(body, str) else body)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, objects.items()))


def test_objects_under_the_prefix_are_scanned_and_named_by_their_url(aws: MotoLab) -> None:
    bucket(aws, "backups", {
        "deploy/app.env": CREDS,
        "deploy/release.zip": zip_bytes({"bin/run.sh": TOKEN}),
        "deploy/site.tar.gz": tar_bytes({"etc/token": TOKEN}),
        "deploy/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00" + CREDS.encode(),
        "deploy/folder/": b"",
        "elsewhere/other.env": TOKEN,
    })
    aws.admin()
    aws.enforce()
    code, found, err = scan("s3://backups/deploy")
    assert code == 1, err
    got = paths(found)
    assert ("aws-access-key-id", "s3://backups/deploy/app.env") in got
    assert ("github-pat-classic", "s3://backups/deploy/release.zip!bin/run.sh") in got
    assert ("github-pat-classic", "s3://backups/deploy/site.tar.gz!etc/token") in got
    assert not any("logo.png" in p or "elsewhere" in p for _, p in got)
    aws_hit = next(f for f in found if f["rule_id"] == "aws-access-key-id")
    assert aws_hit["line"] == 1 and aws_hit["secret"] == AWS_KEY_ID


def test_listing_is_followed_past_the_first_page(aws: MotoLab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3source, "PAGE_SIZE", 10)  # S3 pages at 1,000 keys; the emulator is slow to fill
    objects: dict[str, bytes | str] = {f"logs/{i:05d}.txt": "nothing here\n" for i in range(35)}
    objects["logs/zz-last.env"] = TOKEN  # on the fourth page
    bucket(aws, "many", objects)
    aws.admin()
    aws.enforce()
    code, found, err = scan("s3://many")
    assert code == 1, err
    assert paths(found) == {("github-pat-classic", "s3://many/logs/zz-last.env")}


def test_a_denied_object_is_one_warning_and_the_others_are_scanned(aws: MotoLab) -> None:
    bucket(aws, "mixed", {"a/open.env": TOKEN, "a/locked.env": CREDS})
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::mixed/a/locked.env"},
    ]}
    aws.use_credentials(*aws.user("reader", policy=policy)[0])
    aws.enforce()
    code, found, err = scan("s3://mixed")
    assert code == 1, err
    assert paths(found) == {("github-pat-classic", "s3://mixed/a/open.env")}
    lines = [ln for ln in err.splitlines() if "locked.env" in ln]
    assert len(lines) == 1 and "access denied" in lines[0], err
    assert AWS_SECRET not in err


def test_a_bucket_that_cannot_be_listed_is_one_line_and_other_targets_still_scanned(aws: MotoLab, tmp_path) -> None:
    bucket(aws, "closed", {"x.env": CREDS})
    bucket(aws, "open", {"y.env": TOKEN})
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::closed"},
    ]}
    aws.use_credentials(*aws.user("lister", policy=policy)[0])
    aws.enforce()
    (tmp_path / "local.sh").write_text(TOKEN)
    code, found, err = scan("s3://closed", "s3://open", str(tmp_path))
    assert code == 1, err
    assert {p for _, p in paths(found)} == {"s3://open/y.env", str(tmp_path / "local.sh")}
    assert [ln for ln in err.splitlines() if "s3://closed" in ln] == [
        next(ln for ln in err.splitlines() if "s3://closed" in ln)]
    assert "cannot list the bucket (access denied)" in err


def test_a_missing_bucket_is_named(aws: MotoLab) -> None:
    aws.admin()
    aws.enforce()
    code, found, err = scan("s3://no-such-bucket/x")
    assert code == 0 and found == []
    assert "s3://no-such-bucket/x: cannot list the bucket (NoSuchBucket" in err


def test_limits_apply_as_to_files_and_large_archives_are_still_opened(aws: MotoLab) -> None:
    big_text = ("filler line\n" * 20000) + TOKEN  # ~240 KB of text, over the 100KB limit below
    big_zip = zip_bytes({"deep/creds.ini": CREDS, "noise.bin": random.Random(7).randbytes(150_000)})
    assert len(big_zip) > 100 * 1024
    bucket(aws, "sized", {"big.log": big_text, "big.zip": big_zip, "vendor/lib.env": TOKEN})
    aws.admin()
    aws.enforce()
    code, found, err = scan("s3://sized", "--max-file-size", "100KB", "--exclude", "vendor/**", "-v")
    assert code == 1, err
    assert paths(found) == {("aws-access-key-id", "s3://sized/big.zip!deep/creds.ini"),
                            ("aws-secret-access-key", "s3://sized/big.zip!deep/creds.ini")}
    assert "s3://sized/big.log" in err and "over --max-file-size" in err
    code, found, err = scan("s3://sized", "--max-file-size", "100KB", "--no-archives", "--exclude", "vendor/**")
    assert (code, found) == (0, []), err


def test_the_endpoint_can_be_given_on_the_command_line(aws: MotoLab, monkeypatch: pytest.MonkeyPatch) -> None:
    bucket(aws, "endpoint-test", {"k.env": TOKEN})
    aws.admin()
    aws.enforce()
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    code, found, err = scan("s3://endpoint-test", "--endpoint-url", aws.url)
    assert code == 1, err
    assert paths(found) == {("github-pat-classic", "s3://endpoint-test/k.env")}


def test_an_unreachable_endpoint_is_one_line_not_a_traceback(aws: MotoLab) -> None:
    code, found, err = scan("s3://any", "--endpoint-url", "http://127.0.0.1:9")
    assert code == 0 and found == []
    assert "s3://any/: cannot list the bucket" in err and "Traceback" not in err
