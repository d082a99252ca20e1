"""The AWS verifier against the local emulator with request signing enforced."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest

from scanner.cloud.keyid import account_id_from_key_id
from scanner.models import Finding, VerificationStatus
from scanner.verify import VerifySettings, verify_findings
from tests.fixtures.moto_server import MotoLab, ThrottlingProxy
from tests.helpers import by_rule, scan_text

KEY_ID_RULE = re.compile(r"(?:AKIA)[A-Z2-7]{16}")  # what the aws-access-key-id rule accepts


def scannable_key(lab: MotoLab, user: str) -> tuple[str, str]:
    """moto draws key ids from a wider alphabet than real AWS; keep one the rule can find."""
    iam = lab.client("iam")
    iam.create_user(UserName=user)
    for _ in range(50):
        key = iam.create_access_key(UserName=user)["AccessKey"]
        if KEY_ID_RULE.fullmatch(key["AccessKeyId"]):
            return key["AccessKeyId"], key["SecretAccessKey"]
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    raise AssertionError("no scannable key id")


def config_text(key_id: str, secret: str) -> str:
    return f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"


def verify(findings: list[Finding], **env: str) -> list[Finding]:
    settings = VerifySettings.load({**os.environ, "KEYSWEEP_AWS_KEY_INFO": "0", **env}, None)
    return verify_findings(findings, settings)


def status(f: Finding) -> VerificationStatus:
    assert f.verification is not None
    return f.verification.status


@pytest.fixture
def pair(aws: MotoLab) -> Iterator[tuple[str, str]]:
    key = scannable_key(aws, "deployer")
    aws.enforce()
    yield key


def test_a_live_pair_found_by_the_engine_is_valid(pair: tuple[str, str]) -> None:
    findings = scan_text(config_text(*pair), path="home/.aws/credentials")
    [kid] = by_rule(findings, "aws-access-key-id")
    [sec] = by_rule(findings, "aws-secret-access-key")
    assert sec.fingerprint in kid.linked
    out = verify(findings)
    for f in out:
        if f.rule_id.startswith("aws-"):
            assert status(f) is VerificationStatus.VALID
            assert f.verification and f.verification.identity["arn"].endswith(":user/deployer")
            assert f.verification.identity["account"] == "123456789012"


def test_a_wrong_secret_is_rejected(pair: tuple[str, str]) -> None:
    key_id, secret = pair
    wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    out = verify(scan_text(config_text(key_id, wrong)))
    assert {status(f) for f in out if f.rule_id.startswith("aws-")} == {VerificationStatus.INVALID}


def test_an_unknown_key_id_is_rejected(aws: MotoLab) -> None:
    aws.enforce()
    out = verify(scan_text(config_text("AKIARZPUZDIKQ3AXJPWI", "Zk8rQ2mWv7Xn4Lp9Tb3Hs6Jd1Yc5Fg0Ra2Ue8KiO")))
    assert {status(f) for f in out if f.rule_id.startswith("aws-")} == {VerificationStatus.INVALID}


def test_a_key_id_alone_gets_offline_facts_without_a_request(aws: MotoLab) -> None:
    aws.enforce()
    proxy = ThrottlingProxy(aws.url, "none", 0)
    try:
        [f] = verify(scan_text("id = AKIARTXV5AHDTLX2YYI3\n"), AWS_ENDPOINT_URL=proxy.url)
    finally:
        proxy.stop()
    assert status(f) is VerificationStatus.NOT_CHECKED
    assert f.verification and f.verification.identity == {"account": "111111111111"}
    assert proxy.actions == []


def test_a_key_id_alone_asks_get_access_key_info_with_own_credentials(aws: MotoLab) -> None:
    aws.admin()
    aws.enforce()
    [f] = verify(scan_text("id = AKIARTXV5AHDTLX2YYI3\n"), KEYSWEEP_AWS_KEY_INFO="1")
    assert f.verification and "GetAccessKeyInfo" in f.verification.detail
    assert f.verification.identity["account"]


def test_one_sts_call_per_distinct_pair(pair: tuple[str, str], aws: MotoLab) -> None:
    proxy = ThrottlingProxy(aws.url, "none", 0)
    text = config_text(*pair)
    try:
        findings = [f for i in range(4) for f in scan_text(text, path=f"env/{i}/credentials")]
        out = verify(findings, AWS_ENDPOINT_URL=proxy.url)
    finally:
        proxy.stop()
    assert len(out) == 8
    assert proxy.actions.count("GetCallerIdentity") == 1
    # the blast radius is read once per pair too, with the pair itself
    assert sorted(a for a in proxy.actions if a != "GetCallerIdentity") == [
        "ListAttachedUserPolicies", "ListGroupsForUser", "ListUserPolicies"]


def test_what_a_live_pair_can_reach_is_read_with_the_pair(aws: MotoLab, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fixtures.moto_server import ADMIN_POLICY

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # AWS's own AdministratorAccess policy
    aws.server.reset()
    iam = aws.client("iam")
    key_id, secret = scannable_key(aws, "ci-admin")
    iam.put_user_policy(UserName="ci-admin", PolicyName="read-iam", PolicyDocument=json.dumps(ADMIN_POLICY))
    iam.create_group(GroupName="deployers")
    iam.add_user_to_group(GroupName="deployers", UserName="ci-admin")
    iam.attach_user_policy(UserName="ci-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    blind_id, blind_secret = scannable_key(aws, "blind")  # no policy at all: may not read IAM
    aws.enforce()
    out = verify(scan_text(config_text(key_id, secret)) + scan_text(config_text(blind_id, blind_secret),
                                                                    path="other/credentials"))
    reach = {f.verification.identity["arn"].split("/")[-1]: dict(f.verification.access)
             for f in out if f.verification and f.verification.status is VerificationStatus.VALID}
    assert reach["ci-admin"] == {"principal": "user", "root": False, "policies": ["AdministratorAccess"],
                                 "inline_policies": ["read-iam"], "groups": ["deployers"], "admin": True}
    blind = reach["blind"]
    assert blind["principal"] == "user" and "policies" not in blind and "admin" not in blind
    assert blind["not_read"] == ["iam:ListAttachedUserPolicies (AccessDenied)", "iam:ListUserPolicies (AccessDenied)",
                                 "iam:ListGroupsForUser (AccessDenied)"], blind


def test_throttling_is_retried(pair: tuple[str, str], aws: MotoLab) -> None:
    proxy = ThrottlingProxy(aws.url, "GetCallerIdentity", 1)
    try:
        out = verify(scan_text(config_text(*pair)), AWS_ENDPOINT_URL=proxy.url)
    finally:
        proxy.stop()
    assert proxy.throttled == 1
    assert {status(f) for f in out} == {VerificationStatus.VALID}


def test_no_answer_is_unknown_never_invalid(pair: tuple[str, str], fake_http) -> None:  # type: ignore[no-untyped-def]
    server = fake_http()
    url = server.url
    server.stop()
    out = verify(scan_text(config_text(*pair)), AWS_ENDPOINT_URL=url, KEYSWEEP_VERIFY_RETRIES="0")
    assert {status(f) for f in out} == {VerificationStatus.UNKNOWN}
    assert all(f.verification and f.verification.identity.get("account") == account_id_from_key_id(pair[0])
               for f in out)


def test_a_garbage_answer_is_unknown(pair: tuple[str, str], fake_http) -> None:  # type: ignore[no-untyped-def]
    server = fake_http()
    server.route("POST", "/", lambda req: (200, {"Content-Type": "text/html"}, b"<html>captive portal"))
    out = verify(scan_text(config_text(*pair)), AWS_ENDPOINT_URL=server.url, KEYSWEEP_VERIFY_RETRIES="0")
    assert {status(f) for f in out} == {VerificationStatus.UNKNOWN}


def test_a_temporary_key_id_is_not_sent_without_its_token(aws: MotoLab) -> None:
    out = verify(scan_text(config_text("ASIARZPUZDIKQ3AXJPWI", "Zk8rQ2mWv7Xn4Lp9Tb3Hs6Jd1Yc5Fg0Ra2Ue8KiO")))
    assert {status(f) for f in out} == {VerificationStatus.NOT_CHECKED}


def test_a_secret_alone_is_not_checked(aws: MotoLab) -> None:
    [f] = verify(scan_text("aws_secret_access_key = Zk8rQ2mWv7Xn4Lp9Tb3Hs6Jd1Yc5Fg0Ra2Ue8KiO\n"))
    assert status(f) is VerificationStatus.NOT_CHECKED
