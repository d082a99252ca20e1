"""The join of findings, IAM inventory and Terraform inventory, with plain values."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from scanner.cloud.crosscheck import CredentialRecord, CrosscheckOptions, crosscheck, departed_names
from scanner.cloud.model import AccessKey, AccountInventory, Grant, IamUser
from scanner.models import Verification, VerificationStatus
from tests.verify.fakes import finding

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ACCOUNT = "123456789012"
KEY_A = "AKIARZPUZDIKI3AXJPWI"  # account 123456789012
KEY_B = "AKIARZPUZDIKH7VBXN2M"
KEY_OTHER = "AKIARTXV5AHDTLX2YYI3"  # account 111111111111
ADMIN = Grant("admin-inline", document={"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@dataclass(frozen=True)
class Tf:
    kind: str
    name: str
    address: str
    path: str = "main.tf"
    line: int | None = 1
    key_id: str | None = None
    user: str | None = None


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def key(key_id: str, user: str = "deployer", status: str = "Active", age: int = 10,
        used: int | None = 1) -> AccessKey:
    return AccessKey(key_id, user, status, days_ago(age), None if used is None else days_ago(used),
                     None if used is None else "s3")


def user(*keys: AccessKey, name: str = "deployer", tags: dict | None = None,
         grants: tuple[Grant, ...] = ()) -> IamUser:
    return IamUser(name, f"arn:aws:iam::{ACCOUNT}:user/{name}", days_ago(400),
                   {"owner": "alice@example.com"} if tags is None else tags, (), grants, keys)


def account(*users: IamUser, complete: bool = True) -> AccountInventory:
    return AccountInventory(ACCOUNT, "default credentials", users, complete=complete)


def leak(key_id: str, date: str | None = None, status: VerificationStatus | None = None):  # noqa: ANN201
    f = finding("aws-access-key-id", key_id, path="deploy/env.sh", line=3)
    f = replace(f, commit="c0ffee" if date else None, author_email="dev@example.com" if date else None, date=date)
    return replace(f, verification=Verification(status, "sts", "t")) if status else f


def one(records: tuple[CredentialRecord, ...], key_id: str) -> CredentialRecord:
    [r] = [r for r in records if r.access_key_id == key_id]
    return r


def run(inventories, findings=(), iac=None, **options) -> tuple[CredentialRecord, ...]:  # noqa: ANN001
    opts = CrosscheckOptions(now=NOW, terraform=iac is not None, **options)
    return crosscheck(list(inventories), list(findings), iac, opts).credentials


def test_a_clean_key_is_low_risk_without_flags() -> None:
    r = one(run([account(user(key(KEY_A)))]), KEY_A)
    assert (r.flags, r.risk, r.status, r.in_inventory, r.age_days) == ((), "low", "Active", True, 10)
    assert r.managed_by_terraform is None and r.user_name == "deployer" and r.account_id == ACCOUNT
    assert (r.owner, r.user_kind) == ("alice@example.com", None)


def test_people_and_machines() -> None:
    person = replace(user(key(KEY_A)), console_access=True, mfa=True)
    machine = replace(user(key(KEY_B), name="ci"), console_access=False)
    records = run([account(person, machine)])
    assert (one(records, KEY_A).user_kind, one(records, KEY_B).user_kind) == ("person", "machine")


def test_leaked_and_active_is_critical() -> None:
    r = one(run([account(user(key(KEY_A)))], [leak(KEY_A)]), KEY_A)
    assert {"leaked", "leaked-active"} <= set(r.flags)
    assert r.risk == "critical"
    assert [(x.path, x.line) for x in r.leaks] == [("deploy/env.sh", 3)]


def test_still_valid_needs_sts_and_iam_not_saying_inactive() -> None:
    valid = VerificationStatus.VALID
    active = one(run([account(user(key(KEY_A)))], [leak(KEY_A, status=valid)]), KEY_A)
    assert "still-valid" in active.flags and active.risk == "critical"
    # moto (and a stale STS cache) can accept an Inactive key: IAM status wins
    inactive = one(run([account(user(key(KEY_A, status="Inactive")))], [leak(KEY_A, status=valid)]), KEY_A)
    assert "still-valid" not in inactive.flags and "leaked-active" not in inactive.flags
    assert inactive.risk == "medium"
    elsewhere = one(run([account()], [leak(KEY_OTHER, status=valid)]), KEY_OTHER)
    assert "still-valid" in elsewhere.flags and elsewhere.risk == "critical"


def test_a_leaked_key_unknown_to_every_inventory() -> None:
    r = one(run([account(user(key(KEY_A)))], [leak(KEY_OTHER)]), KEY_OTHER)
    assert (r.status, r.account_id, r.in_inventory) == ("Unknown", "111111111111", False)
    assert set(r.flags) == {"leaked", "untracked"}
    assert r.risk == "high"
    rejected = one(run([account()], [leak(KEY_OTHER, status=VerificationStatus.INVALID)]), KEY_OTHER)
    assert rejected.risk == "low"


def test_a_leaked_key_missing_from_its_fully_read_account_was_deleted() -> None:
    r = one(run([account(user(key(KEY_A)))], [leak(KEY_B)]), KEY_B)
    assert (r.status, r.account_id, r.risk) == ("Deleted", ACCOUNT, "low")
    partial = one(run([account(user(key(KEY_A)), complete=False)], [leak(KEY_B)]), KEY_B)
    assert partial.status == "Unknown" and partial.risk == "high"


@pytest.mark.parametrize(("age", "flagged"), [(89, False), (90, True), (400, True)])
def test_unrotated_by_age(age: int, flagged: bool) -> None:
    r = one(run([account(user(key(KEY_A, age=age)))]), KEY_A)
    assert ("unrotated" in r.flags) is flagged
    if flagged:
        assert r.risk == "medium"


def test_unrotated_since_the_leak() -> None:
    same = one(run([account(user(key(KEY_A, age=30)))], [leak(KEY_A, date=days_ago(20).isoformat())],
                   max_key_age_days=365), KEY_A)
    assert "unrotated" in same.flags
    assert any("since the leak" in x for x in same.reasons)
    newer = one(run([account(user(key(KEY_A, age=5)))], [leak(KEY_A, date="2026-05-01T10:00:00Z")],
                    max_key_age_days=365), KEY_A)
    assert "unrotated" not in newer.flags


@pytest.mark.parametrize(("used", "flagged"), [(None, True), (50, True), (45, True), (10, False)])
def test_unused(used: int | None, flagged: bool) -> None:
    r = one(run([account(user(key(KEY_A, used=used)))]), KEY_A)
    assert ("unused" in r.flags) is flagged


def test_unused_days_option() -> None:
    assert "unused" not in one(run([account(user(key(KEY_A, used=50)))], unused_days=60), KEY_A).flags


@pytest.mark.parametrize(("tags", "departed", "flagged"), [
    ({}, (), True),
    ({"owner": ""}, (), True),
    ({"owner": "alice@example.com"}, (), False),
    ({"owner": "Alice@Example.com"}, ("alice@example.com",), True),
    ({"team": "payments"}, (), True),
])
def test_orphaned(tags: dict, departed: tuple, flagged: bool) -> None:
    r = one(run([account(user(key(KEY_A), tags=tags))], departed=departed_names(departed)), KEY_A)
    assert ("orphaned" in r.flags) is flagged


def test_owner_tag_option() -> None:
    r = one(run([account(user(key(KEY_A), tags={"team": "payments"}))], owner_tag="team"), KEY_A)
    assert "orphaned" not in r.flags


def test_over_privileged_directly_or_through_a_group() -> None:
    direct = one(run([account(user(key(KEY_A), grants=(ADMIN,)))]), KEY_A)
    assert "over-privileged" in direct.flags and direct.risk == "medium"
    group = Grant("AdministratorAccess", via="group:admins", arn="arn:aws:iam::aws:policy/AdministratorAccess")
    old = one(run([account(user(key(KEY_A, age=200), grants=(group,)))]), KEY_A)
    assert {"over-privileged", "unrotated"} <= set(old.flags) and old.risk == "high"


def test_two_active_keys() -> None:
    records = run([account(user(key(KEY_A), key(KEY_B)))])
    assert all("two-active-keys" in r.flags for r in records)
    records = run([account(user(key(KEY_A), key(KEY_B, status="Inactive")))])
    assert not any("two-active-keys" in r.flags for r in records)


def test_terraform_managed_or_untracked() -> None:
    inv = [account(user(key(KEY_A), key(KEY_B)), user(key(KEY_OTHER), name="ci"))]
    iac = [Tf("aws_iam_access_key", "deployer", "aws_iam_access_key.deployer", key_id=KEY_A, user="deployer"),
           Tf("aws_iam_access_key", "ci", "aws_iam_access_key.ci", user="ci"),
           Tf("aws_iam_user", "deployer", "aws_iam_user.deployer")]
    records = run(inv, iac=iac)
    a, b, c = one(records, KEY_A), one(records, KEY_B), one(records, KEY_OTHER)
    assert a.managed_by_terraform is True and "untracked" not in a.flags
    assert b.managed_by_terraform is False and "untracked" in b.flags  # deployer's key in state is KEY_A
    assert c.managed_by_terraform is True  # declared in config, no state: the user's key counts


def test_records_are_sorted_by_risk_and_serialise() -> None:
    inv = [account(user(key(KEY_A)), user(key(KEY_B, age=200), name="old"))]
    report = crosscheck(inv, [leak(KEY_A), leak(KEY_OTHER)], None, CrosscheckOptions(now=NOW))
    assert [r.risk for r in report.credentials] == ["critical", "high", "medium"]
    data = json.loads(json.dumps(report.to_dict()))
    assert data["generated_at"].startswith("2026-06-01")
    assert data["accounts"][0] == {"account_id": ACCOUNT, "source": "default credentials", "users": 2,
                                   "roles": 0, "access_keys": 2, "complete": True, "notes": []}
    rec = data["credentials"][0]
    for name in ("access_key_id", "account_id", "user_name", "status", "created", "age_days", "last_used",
                 "last_used_service", "in_inventory", "managed_by_terraform", "leaks", "verification",
                 "flags", "risk"):
        assert name in rec
    assert rec["leaks"] == [{"path": "deploy/env.sh", "line": 3, "commit": None, "author_email": None,
                             "date": None}]


def test_departed_names() -> None:
    assert departed_names(["Bob", " alice@example.com # left in May", "", "# header"]) == {
        "bob", "alice@example.com"}
