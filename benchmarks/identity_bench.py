"""Identity posture benchmark: `keysweep iam report` over a large account and a large CloudTrail.

Starts moto's server in a child process on 127.0.0.1, seeds one account with --users IAM users (one
access key each; console passwords, kind and owner tags on a share of them; groups with admin and
read policies) and --roles roles (service, vendor, GitHub Actions, wildcard trusts; admin on some),
writes --trail-mb of CloudTrail logs (uncompressed size; gzip files of ~5 MB each in AWS's folder
layout, calls by the seeded users, keys and roles from inside 10.0.0.0/8 and, for one user in a
hundred, also from outside, and CreateAccessKey events), switches request signing on, then runs the installed
command line as a child process — once without CloudTrail, once with it — and reports wall time,
CPU and peak RSS of the keysweep process. Target (identity issue): 5,000 users, 2,000 roles and
1 GB of CloudTrail under 60 s and under 400 MB.

Results go to benchmarks/RESULTS.md under "## Identity posture (issue 19)".
Usage: python -m benchmarks.identity_bench [--users 5000] [--roles 2000] [--trail-mb 1024] [--no-record]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from benchmarks.common import load_average, machine_facts, markdown_table, publish, run_measured
from benchmarks.iam_bench import ADMIN, READ, _commit, moto_server, post

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Identity posture (issue 19)"
ACCOUNT = "123456789012"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def trust(i: int) -> dict[str, Any]:
    kind = i % 10
    if kind < 6:
        st: dict[str, Any] = {"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    elif kind < 8:
        st = {"Principal": {"AWS": f"arn:aws:iam::{900000000000 + i % 7}:root"}, "Action": "sts:AssumeRole"}
        if kind == 7:
            st["Condition"] = {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
    elif kind == 8:
        sub = "repo:*" if i % 20 == 8 else f"repo:acme/app{i}:ref:refs/heads/main"
        st = {"Principal": {"Federated": GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity",
              "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": sub}}}
    else:
        st = {"Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        if i % 50 != 9:
            st["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-bench"}}
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **st}]}


def seed(url: str, users: int, roles: int, workers: int = 8) -> tuple[list[tuple[str, str]], tuple[str, str]]:
    """The account; returns (user, key id) of every user and the auditor's key pair."""
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="seed", aws_secret_access_key="seed")
    for g, doc in (("admins", ADMIN), ("readers", READ)):
        iam.create_group(GroupName=g)
        iam.put_group_policy(GroupName=g, PolicyName="base", PolicyDocument=json.dumps(doc))

    def user(i: int) -> tuple[str, str]:
        name = f"user-{i:05d}"
        tags = []
        if i % 4:
            tags.append({"Key": "owner", "Value": f"person{i % 400}@example.com"})
        if i % 7 == 0:
            tags.append({"Key": "kind", "Value": ("person", "service", "break-glass")[i % 3]})
        iam.create_user(UserName=name, Tags=tags)
        iam.add_user_to_group(GroupName="admins" if i % 50 == 0 else "readers", UserName=name)
        if i % 5 == 0:
            iam.create_login_profile(UserName=name, Password="Bench-Pass-123!")
        return name, iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]

    def role(i: int) -> None:
        tags = [{"Key": "owner", "Value": f"person{i % 400}@example.com"}] if i % 3 else []
        iam.create_role(RoleName=f"role-{i:05d}", AssumeRolePolicyDocument=json.dumps(trust(i)), Tags=tags)
        iam.put_role_policy(RoleName=f"role-{i:05d}", PolicyName="p",
                            PolicyDocument=json.dumps(ADMIN if i % 25 == 0 else READ))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        keys = list(pool.map(user, range(users)))
        list(pool.map(role, range(roles)))
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="all", PolicyDocument=json.dumps(ADMIN))
    k = iam.create_access_key(UserName="auditor")["AccessKey"]
    return keys, (k["AccessKeyId"], k["SecretAccessKey"])


def write_trail(root: Path, keys: list[tuple[str, str]], roles: int, megabytes: int, seed: int = 19) -> int:
    """CloudTrail files under root (AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD); returns records."""
    rng = random.Random(seed)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    target = megabytes * 1024 * 1024
    written = records = n = 0
    events = ("GetObject", "PutObject", "DescribeInstances", "ListBuckets", "GetParameter", "Decrypt")
    while written < target:
        batch: list[dict[str, Any]] = []
        size = 0
        while size < 5 * 1024 * 1024:
            when = start + timedelta(seconds=rng.randrange(90 * 86400))
            ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if rng.random() < 0.6:
                u = rng.randrange(len(keys))
                name, key = keys[u]
                if u % 100 == 1 and rng.random() < 0.05:  # one user in a hundred is also used from outside
                    ip = f"203.0.113.{rng.randrange(1, 255)}"
                who: dict[str, Any] = {"type": "IAMUser", "principalId": "AIDA" + key[4:], "accountId": ACCOUNT,
                                       "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "accessKeyId": key,
                                       "userName": name}
            else:
                r = f"role-{rng.randrange(roles):05d}"
                who = {"type": "AssumedRole", "accountId": ACCOUNT, "accessKeyId": "ASIA" + "X" * 16,
                       "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{r}/session-{rng.randrange(99)}",
                       "sessionContext": {"sessionIssuer": {"type": "Role", "userName": r, "accountId": ACCOUNT,
                                                            "arn": f"arn:aws:iam::{ACCOUNT}:role/{r}"},
                                          "attributes": {"creationDate": when.isoformat(),
                                                         "mfaAuthenticated": "false"}}}
            rec: dict[str, Any] = {
                "eventVersion": "1.09", "userIdentity": who, "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "eventSource": "s3.amazonaws.com", "eventName": rng.choice(events), "awsRegion": "us-east-1",
                "sourceIPAddress": ip, "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 botocore/2.4.0",
                "requestParameters": {"bucketName": f"data-{rng.randrange(40)}", "key": f"obj/{rng.randrange(10**6)}"},
                "responseElements": None, "requestID": f"{rng.getrandbits(64):016X}",
                "eventID": f"{rng.getrandbits(128):032x}", "readOnly": True, "eventType": "AwsApiCall",
                "managementEvent": False, "recipientAccountId": ACCOUNT, "eventCategory": "Data",
            }
            if rng.random() < 0.002:
                name, key = keys[rng.randrange(len(keys))]
                rec.update(eventName="CreateAccessKey", requestParameters={"userName": name},
                           responseElements={"accessKey": {"accessKeyId": key, "userName": name, "status": "Active"}})
            line = json.dumps(rec)
            batch.append(rec)
            size += len(line) + 2
        day = start + timedelta(days=n % 90)
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / f"{day:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"Records": batch}).encode()
        (folder / f"{ACCOUNT}_CloudTrail_us-east-1_{day:%Y%m%dT%H%MZ}_{n:06d}.json.gz").write_bytes(
            gzip.compress(data, compresslevel=1))
        written += len(data)
        records += len(batch)
        n += 1
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=5000)
    ap.add_argument("--roles", type=int, default=2000)
    ap.add_argument("--trail-mb", type=int, default=1024)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "keysweep-identity-bench")
    ap.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()

    load_before = load_average()
    rows: list[list[object]] = []
    with moto_server() as url:
        post(url + "/moto-api/reset")
        t0 = time.perf_counter()
        keys, (kid, secret) = seed(url, args.users, args.roles)
        seeding = time.perf_counter() - t0
        trail = args.work / f"trail-{args.users}-{args.roles}-{args.trail_mb}"
        if trail.exists():
            import shutil
            shutil.rmtree(trail)  # key ids differ from one seeding to the next
        t0 = time.perf_counter()
        records = write_trail(trail, keys, args.roles, args.trail_mb)
        writing = time.perf_counter() - t0
        print(f"seeded in {seeding:.0f} s, {records} CloudTrail records written in {writing:.0f} s", file=sys.stderr)
        post(url + "/moto-api/reset-auth", b"0")  # signatures checked from here on
        env = {**os.environ, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": kid, "AWS_SECRET_ACCESS_KEY": secret,
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(name, None)
        os.environ.clear()
        os.environ.update(env)
        for label, extra in (("inventory only", []), (f"+ {args.trail_mb} MB CloudTrail",
                                                      ["--cloudtrail", str(trail), "--allowed-cidr", "10.0.0.0/8"])):
            out = args.work / "report.json"
            m = run_measured([sys.executable, "-m", "scanner", "iam", "report", "--format", "json", "-o", str(out),
                              "--fail-on", "never", *extra], stderr=args.work / "stderr.txt")
            data = json.loads(out.read_text()) if m.returncode == 0 else {}
            ids = data.get("identities", [])
            flagged = sum(1 for i in ids if i["flags"])
            outside = sum(1 for i in ids if "outside-allowed-network" in i["flags"])
            rows.append([label, len(ids), len(data.get("credentials", [])), flagged, outside, f"{m.wall_s:.1f}",
                         f"{m.cpu_s:.1f}", f"{m.max_rss_mb:.0f}",
                         "yes" if m.wall_s < 60 and m.max_rss_mb < 400 else "NO"])
            print(rows[-1], file=sys.stderr)
    load_after = load_average()
    facts = machine_facts()
    headers = ["run", "identities", "credentials", "flagged", "outside range", "wall (s)", "CPU (s)",
               "peak RSS (MB)", "< 60 s, < 400 MB"]
    body = "\n".join([
        f"`python -m benchmarks.identity_bench` — moto's server in a child process on 127.0.0.1 with request "
        f"signing enforced; one account of {args.users} users (one key each; console passwords on 20 %, kind tags "
        f"on 14 %, owner tags on 75 %, 2 % in an admin group) and {args.roles} roles (service, vendor, GitHub "
        f"Actions and wildcard trusts; admin on 4 %) plus the auditor; {args.trail_mb} MB of CloudTrail "
        f"(uncompressed; {records:,} records in gzip files of ~5 MB in AWS's folder layout). The command is "
        f"`keysweep iam report --format json` as a child process; peak RSS is `ru_maxrss` of that process "
        f"(the emulator runs apart). Machine: {'; '.join(f'{k} {v}' for k, v in facts.items())}. Load average "
        f"before: {load_before}; after: {load_after} (shared machine). keysweep at {_commit()}.",
        "",
        markdown_table(headers, rows),
        "",
        "Target (identity issue): under 60 s and under 400 MB. Reading the inventory is bound by the "
        "emulator (it checks every signature against all keys of the account); CloudTrail is parsed one file "
        "at a time and folded per identity, so memory does not grow with the log volume.",
    ])
    publish(body, HEADING, RESULTS, not args.no_record)


if __name__ == "__main__":
    main()
