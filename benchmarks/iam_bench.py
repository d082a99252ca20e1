"""IAM inventory benchmark: build and join the inventory of a large account in the local emulator.

Starts moto's server in a child process on 127.0.0.1, seeds an account with --users IAM users
and --keys-per-user access keys each (plus groups, managed/inline policies, tags, console
logins), switches request signing on, then times `collect_inventories` (boto3, the real
code path) and `crosscheck` (the pure join with findings and a Terraform inventory).
Target (issue 6): 1,000 users and 2,000 keys built and joined in under 60 s.

Results go to benchmarks/RESULTS.md under "## IAM inventory (issue 6)".
Usage: python -m benchmarks.iam_bench [--users 1000] [--keys-per-user 2] [--runs 3] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from benchmarks.common import load_average, machine_facts, markdown_table, median, publish

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## IAM inventory (issue 6)"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@dataclass(frozen=True)
class TfKey:
    """A Terraform-declared access key, shaped like scanner.iac.inventory.IacIdentity."""

    kind: str
    name: str
    address: str
    key_id: str | None
    user: str | None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def post(url: str, data: bytes = b"") -> None:
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(req, timeout=10).close()


def seed(url: str, users: int, keys_per_user: int, workers: int = 8) -> tuple[list[str], tuple[str, str]]:
    """Create the account; returns every key id and the auditor's key pair."""
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="seed", aws_secret_access_key="seed")
    rng = random.Random(6)
    for g in range(10):
        iam.create_group(GroupName=f"team-{g}")
        iam.put_group_policy(GroupName=f"team-{g}", PolicyName="base",
                             PolicyDocument=json.dumps(ADMIN if g == 0 else READ))
    policies = [iam.create_policy(PolicyName=f"svc-{i}", PolicyDocument=json.dumps(READ))["Policy"]["Arn"]
                for i in range(50)]

    def one(i: int) -> list[str]:
        name = f"user-{i:04d}"
        tags = [{"Key": "owner", "Value": f"person{i % 300}@example.com"}] if rng.random() < 0.7 else []
        iam.create_user(UserName=name, Tags=tags)
        iam.add_user_to_group(GroupName=f"team-{i % 10}", UserName=name)
        if i % 3 == 0:
            iam.attach_user_policy(UserName=name, PolicyArn=policies[i % len(policies)])
        if i % 5 == 0:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(READ))
        if i % 10 == 0:
            iam.create_login_profile(UserName=name, Password="Bench-Pass-123!")
        return [iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"] for _ in range(keys_per_user)]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        key_ids = [k for ks in pool.map(one, range(users)) for k in ks]
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="all", PolicyDocument=json.dumps(ADMIN))
    k = iam.create_access_key(UserName="auditor")["AccessKey"]
    return key_ids, (k["AccessKeyId"], k["SecretAccessKey"])


def findings_for(key_ids: Sequence[str], leaked: int, unknown: int) -> list[Any]:
    from scanner.engine import fingerprint
    from scanner.models import Finding, Severity

    def finding(key_id: str, i: int) -> Finding:
        return Finding(rule_id="aws-access-key-id", description="AWS access key ID", severity=Severity.HIGH,
                       path=f"services/svc-{i}/deploy.env", line=3, end_line=3, column=19, end_column=39,
                       secret=key_id, match=key_id, fingerprint=fingerprint("aws-access-key-id", key_id),
                       entropy=3.5, commit=f"{i:040x}", author_email="dev@example.com",
                       date="2026-01-15T10:00:00+00:00")

    base = finding(key_ids[0], 0)
    out = [replace(base, secret=k, match=k, path=f"services/svc-{i}/deploy.env") for i, k in
           enumerate(key_ids[:leaked])]
    out += [replace(base, secret=f"AKIARTXV5AHD{i:08d}".replace("0", "A").replace("1", "B"), path=f"old/{i}.sh")
            for i in range(unknown)]
    return out


def run(url: str, users: int, keys_per_user: int, runs: int, workers: Sequence[int]) -> list[list[object]]:
    from scanner.cloud.aws_iam import AwsOptions, collect_inventories
    from scanner.cloud.crosscheck import CrosscheckOptions, crosscheck

    post(url + "/moto-api/reset")
    t0 = time.perf_counter()
    key_ids, (kid, secret) = seed(url, users, keys_per_user)
    seeding = time.perf_counter() - t0
    post(url + "/moto-api/reset-auth", b"0")  # signatures checked from here on
    os.environ.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": kid, "AWS_SECRET_ACCESS_KEY": secret,
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"})
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    findings = findings_for(key_ids, leaked=200, unknown=100)
    iac = [TfKey("aws_iam_access_key", f"k{i}", f"aws_iam_access_key.k{i}", k, None)
           for i, k in enumerate(key_ids[::2])]
    rows: list[list[object]] = []
    for n in workers:
        inv_times, join_times, report = [], [], None
        for _ in range(runs):
            t0 = time.perf_counter()
            inventories = collect_inventories(AwsOptions(workers=n))
            t1 = time.perf_counter()
            report = crosscheck(inventories, findings, iac, CrosscheckOptions(now=datetime.now(UTC), terraform=True))
            t2 = time.perf_counter()
            inv_times.append(t1 - t0)
            join_times.append(t2 - t1)
        assert report is not None
        nkeys = sum(len(u.keys) for a in report.accounts for u in a.users)
        nusers = sum(len(a.users) for a in report.accounts)
        total = median(inv_times) + median(join_times)
        rows.append([n, nusers, nkeys, len(report.credentials), f"{median(inv_times):.1f}",
                     f"{median(join_times) * 1000:.0f}", f"{total:.1f}", "yes" if total < 60 else "NO"])
        print(f"workers={n}: inventory {median(inv_times):.1f}s, join {median(join_times) * 1000:.0f} ms",
              file=sys.stderr)
    print(f"seeding took {seeding:.0f}s", file=sys.stderr)
    return rows


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--keys-per-user", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()

    load_before = load_average()
    with moto_server() as url:
        rows = run(url, args.users, args.keys_per_user, args.runs, args.workers)
    load_after = load_average()
    facts = machine_facts()
    headers = ["workers", "users", "keys", "records", "inventory (s)", "join (ms)", "total (s)", "< 60 s"]
    body = "\n".join([
        f"`python -m benchmarks.iam_bench` — moto's server in a child process on 127.0.0.1 with request "
        f"signing enforced; an account of {args.users} users with {args.keys_per_user} keys each (10 groups, "
        f"50 customer policies, inline policies, owner tags on ~70 %, console logins on 10 %) plus the auditor. "
        f"*Inventory* is `collect_inventories` (GetAccountAuthorizationDetails, the credential report, "
        f"ListAccessKeys per user and GetAccessKeyLastUsed per key, over `workers` threads); *join* is "
        f"`crosscheck` with 300 leaked key ids (200 in the account) and a Terraform inventory of half the "
        f"keys. Median of {args.runs} runs. Machine: {'; '.join(f'{k} {v}' for k, v in facts.items())}. "
        f"Load average before: {load_before}; after: {load_after} (shared machine). keysweep at {_commit()}.",
        "",
        markdown_table(headers, rows),
        "",
        "Target (issue 6): 1,000 users and 2,000 keys built and joined in under 60 s against the local "
        "emulator. The emulator's own cost dominates: with signing enforced it looks the caller's key up "
        "among all keys of the account on every request.",
    ])
    publish(body, HEADING, RESULTS, not args.no_record)


if __name__ == "__main__":
    main()
