"""The IAM inventory read with boto3 from the local emulator, signing enforced."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scanner.cloud.aws_iam import AwsOptions, collect_inventories, deactivate_key, find_key, session_for
from scanner.cloud.model import AccountInventory, IamUser
from scanner.errors import CloudError, ConfigError
from tests.fixtures.fake_http import FakeHttpServer
from tests.fixtures.moto_server import ADMIN_POLICY, MotoLab, ThrottlingProxy

FAST = AwsOptions(timeout=5, max_attempts=3, workers=4)
OTHER_ACCOUNT = "222222222222"


def policy(effect: str, *actions: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": list(actions), "Resource": "*"}]}


def by_name(inv: AccountInventory) -> dict[str, IamUser]:
    return {u.name: u for u in inv.users}


def seed(lab: MotoLab) -> dict[str, list[tuple[str, str]]]:
    iam = lab.client("iam")
    iam.create_group(GroupName="admins")
    managed = iam.create_policy(PolicyName="escalate", PolicyDocument=json.dumps(policy("Allow", "iam:PassRole")))
    iam.put_group_policy(GroupName="admins", PolicyName="all", PolicyDocument=json.dumps(ADMIN_POLICY))
    return {
        "alice": lab.user("alice", keys=1, groups=["admins"], tags={"owner": "alice@example.com"}, console=True),
        "ci": lab.user("ci", keys=2, managed=[managed["Policy"]["Arn"]]),
        "reader": lab.user("reader", keys=0, policy=policy("Allow", "s3:GetObject")),
    }


def test_full_inventory(aws: MotoLab) -> None:
    keys = seed(aws)
    aws.admin()
    aws.client("iam").update_access_key(UserName="ci", AccessKeyId=keys["ci"][1][0], Status="Inactive")
    aws.enforce()
    [inv] = collect_inventories(FAST)
    assert inv.account_id == "123456789012" and inv.complete and inv.notes == ()
    users = by_name(inv)
    assert set(users) == {"alice", "ci", "reader", "auditor"}
    alice, ci = users["alice"], users["ci"]
    assert alice.tags == {"owner": "alice@example.com"} and alice.groups == ("admins",)
    assert alice.console_access is True and ci.console_access is False
    assert [(g.name, g.via) for g in alice.grants] == [("all", "group:admins")]
    assert alice.grants[0].document["Statement"][0]["Action"] == "*"
    assert [g.name for g in ci.grants] == ["escalate"] and ci.grants[0].document is not None
    assert {k.access_key_id: k.status for k in ci.keys} == {keys["ci"][0][0]: "Active",
                                                            keys["ci"][1][0]: "Inactive"}
    assert users["reader"].keys == ()
    [own] = users["auditor"].keys
    assert own.last_used is not None and own.last_used_service  # the inventory's own calls
    assert alice.keys[0].last_used is None and alice.keys[0].created is not None


def deny_and_read(lab: MotoLab, *denied: str) -> AccountInventory:
    seed(lab)
    key = lab.user("limited", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:*", "sts:GetCallerIdentity"], "Resource": "*"},
        {"Effect": "Deny", "Action": list(denied), "Resource": "*"}]})[0]
    lab.use_credentials(*key)
    lab.enforce()
    [inv] = collect_inventories(FAST)
    return inv


def test_denied_calls_become_notes_and_the_rest_is_kept(aws: MotoLab) -> None:
    inv = deny_and_read(aws, "iam:GetAccountAuthorizationDetails", "iam:GetAccessKeyLastUsed",
                        "iam:GenerateCredentialReport", "iam:ListUserTags")
    users = by_name(inv)
    assert set(users) == {"alice", "ci", "reader", "limited"}
    assert len(users["ci"].keys) == 2 and inv.complete  # every key could still be listed
    assert users["alice"].groups == ("admins",) and users["alice"].grants[0].via == "group:admins"
    assert users["alice"].console_access is True  # from GetLoginProfile instead of the report
    notes = "\n".join(inv.notes)
    for op in ("GetAccountAuthorizationDetails", "GetAccessKeyLastUsed", "GetCredentialReport", "ListUserTags"):
        assert f"iam:{op}: AccessDenied" in notes
    assert "last-used date unknown" in notes


def test_keys_that_cannot_be_listed_make_the_inventory_incomplete(aws: MotoLab) -> None:
    inv = deny_and_read(aws, "iam:ListAccessKeys")
    assert not inv.complete
    assert all(u.keys == () for u in inv.users)
    assert any("iam:ListAccessKeys: AccessDenied" in n for n in inv.notes)


def test_no_user_listing_at_all(aws: MotoLab) -> None:
    inv = deny_and_read(aws, "iam:GetAccountAuthorizationDetails", "iam:ListUsers")
    assert inv.users == () and not inv.complete
    assert any("iam:ListUsers: AccessDenied" in n for n in inv.notes)


def test_throttling_is_retried(aws: MotoLab) -> None:
    seed(aws)
    aws.admin()
    aws.enforce()
    proxy = ThrottlingProxy(aws.url, "ListAccessKeys", 2)
    aws.use_endpoint(proxy.url)
    try:
        [inv] = collect_inventories(FAST)
    finally:
        proxy.stop()
    assert proxy.throttled == 2
    assert inv.complete and inv.notes == () and len(by_name(inv)["ci"].keys) == 2


def test_last_use_comes_from_the_credential_report_not_one_call_per_key(aws: MotoLab) -> None:
    keys = seed(aws)
    aws.admin()
    aws.enforce()
    proxy = ThrottlingProxy(aws.url, "none", 0)  # only records the actions
    aws.use_endpoint(proxy.url)
    try:
        [inv] = collect_inventories(FAST)
    finally:
        proxy.stop()
    users = by_name(inv)
    assert [k.last_used for k in users["ci"].keys] == [None, None]  # never used, as the report says
    assert {k.access_key_id for k in users["ci"].keys} == {k for k, _ in keys["ci"]}
    # the emulator's report names no service for the auditor's own (used) key: that one is asked for
    assert proxy.actions.count("GetAccessKeyLastUsed") == 1
    assert users["auditor"].keys[0].last_used is not None


def test_roles_are_read_one_by_one_when_the_account_summary_is_denied(aws: MotoLab) -> None:
    iam = aws.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "999999999999"},
                                                    "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="vendor", AssumeRolePolicyDocument=json.dumps(trust), Tags=[{"Key": "owner",
                                                                                          "Value": "bob"}])
    iam.put_role_policy(RoleName="vendor", PolicyName="all", PolicyDocument=json.dumps(policy("Allow", "*")))
    key = aws.user("limited", keys=1, policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:*", "sts:GetCallerIdentity"], "Resource": "*"},
        {"Effect": "Deny", "Action": ["iam:GetAccountAuthorizationDetails"], "Resource": "*"}]})[0]
    aws.use_credentials(*key)
    aws.enforce()
    [inv] = collect_inventories(FAST)
    assert any("GetAccountAuthorizationDetails" in n for n in inv.notes)
    [role] = inv.roles
    assert (role.name, role.tags) == ("vendor", {"owner": "bob"})
    assert [g.name for g in role.grants] == ["all"] and role.grants[0].document["Statement"][0]["Action"] == ["*"]
    from scanner.cloud.policy import parse_document
    assert parse_document(role.trust)["Statement"][0]["Principal"] == {"AWS": "999999999999"}


def test_a_hanging_endpoint_is_a_clear_error(aws: MotoLab, fake_http: Callable[[], FakeHttpServer]) -> None:
    server = fake_http()
    server.route("POST", "/", server.slow(30))
    aws.use_endpoint(server.url)
    with pytest.raises(CloudError, match="no answer"):
        collect_inventories(AwsOptions(timeout=0.3, max_attempts=1))


def test_a_garbage_answer_is_a_clear_error(aws: MotoLab, fake_http: Callable[[], FakeHttpServer]) -> None:
    server = fake_http()
    server.route("POST", "/", lambda req: (200, {"Content-Type": "text/html"}, b"<html>proxy login</html>"))
    aws.use_endpoint(server.url)
    with pytest.raises(CloudError, match="no answer"):
        collect_inventories(AwsOptions(timeout=2, max_attempts=1))


def test_an_unknown_profile_is_a_config_error(aws: MotoLab, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="profile"):
        collect_inventories(AwsOptions(profile="nobody"))
    monkeypatch.setenv("AWS_PROFILE", "nobody")
    with pytest.raises(ConfigError, match="profile"):
        collect_inventories(FAST)


def test_no_credentials(aws: MotoLab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CloudError, match="no AWS credentials"):
        collect_inventories(FAST)


def test_expired_credentials(aws: MotoLab, fake_http: Callable[[], FakeHttpServer]) -> None:
    server = fake_http()
    expired = (b"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security "
               b"token included in the request is expired</Message></Error><RequestId>1</RequestId></ErrorResponse>")
    server.route("POST", "/", lambda req: (403, {"Content-Type": "text/xml"}, expired))
    aws.use_endpoint(server.url)
    with pytest.raises(CloudError, match=r"rejected the credentials \(ExpiredToken\)"):
        collect_inventories(FAST)


def test_rejected_credentials(aws: MotoLab) -> None:
    aws.enforce()  # the dummy "testing" key is unknown to the emulator
    with pytest.raises(CloudError, match="rejected the credentials"):
        collect_inventories(FAST)


def trust(principal: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"AWS": f"arn:aws:iam::123456789012:{principal}"}}]}


TRUST_US, TRUST_OTHER = trust("user/auditor"), trust("user/someone-else")


def audit_role(iam: Any, name: str, trust: dict[str, Any]) -> str:
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(ADMIN_POLICY))
    return str(arn)


def test_assume_an_audit_role_in_another_account(aws: MotoLab) -> None:
    # moto cannot check signatures of cross-account session keys, so this one runs unenforced
    aws.admin()
    other = aws.client("iam", account=OTHER_ACCOUNT)
    role = audit_role(other, "audit", TRUST_US)
    aws.user("member-deployer", keys=1, iam=other)
    [inv] = collect_inventories(AwsOptions(role_arns=(role,), timeout=5, max_attempts=2))
    assert (inv.account_id, inv.source) == (OTHER_ACCOUNT, role)
    assert set(by_name(inv)) == {"member-deployer"}


def test_a_role_that_cannot_be_assumed_is_a_note(aws: MotoLab) -> None:
    aws.admin()
    iam = aws.client("iam")
    roles = (audit_role(iam, "audit", TRUST_US), audit_role(iam, "locked", TRUST_OTHER))
    aws.enforce()
    first, second = collect_inventories(AwsOptions(role_arns=roles, timeout=5, max_attempts=2))
    assert first.complete and "auditor" in by_name(first)
    assert (second.account_id, second.complete, second.users) == ("123456789012", False, ())
    assert "cannot assume" in second.notes[0] and "AccessDenied" in second.notes[0]
    with pytest.raises(CloudError, match="no account could be read"):
        collect_inventories(AwsOptions(role_arns=roles[1:], timeout=5, max_attempts=2))


def test_find_and_deactivate_a_key(aws: MotoLab) -> None:
    keys = seed(aws)
    aws.admin()
    aws.enforce()
    key_id = keys["ci"][0][0]
    session = session_for(FAST)
    owner = find_key(session, key_id, FAST)
    assert (owner.account_id, owner.user_name, owner.status) == ("123456789012", "ci", "Active")
    deactivate_key(session, key_id, owner, FAST)
    assert find_key(session, key_id, FAST).status == "Inactive"
    with pytest.raises(CloudError, match="not an access key of account 123456789012"):
        find_key(session, "AKIARZPUZDIKH7VBXN2M", FAST)
