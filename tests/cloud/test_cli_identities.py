"""`keysweep iam report` on identities, end to end against the emulator (signing enforced): people,
machines, break-glass users and roles of each kind of trust, with CloudTrail files as evidence."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.cloud.runcli import keysweep
from tests.fixtures.moto_server import ADMIN_POLICY, MotoLab

ACCOUNT = "123456789012"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def trust(principal: Any, action: str = "sts:AssumeRole", condition: dict[str, Any] | None = None) -> str:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        st["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})


def with_mfa(lab: MotoLab, name: str) -> None:
    iam = lab.client("iam")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName=name, SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")


def seed(lab: MotoLab) -> dict[str, str]:
    iam = lab.client("iam")
    iam.create_group(GroupName="admins")
    iam.put_group_policy(GroupName="admins", PolicyName="all", PolicyDocument=json.dumps(ADMIN_POLICY))
    lab.user("alice", keys=0, console=True, groups=["admins"])  # a person, no MFA, admin through a group
    lab.user("bob", keys=0, console=True)
    with_mfa(lab, "bob")
    [(ci_key, _)] = lab.user("ci", keys=1, tags={"owner": "carol@example.com"})
    lab.user("backup", keys=1)
    lab.user("breakglass", keys=0, console=True, tags={"kind": "break-glass", "owner": "security"})
    lab.user("deploybot", keys=1, console=True, tags={"kind": "service", "owner": "bob"})
    iam.create_role(RoleName="vendor-audit", AssumeRolePolicyDocument=trust({"AWS": "arn:aws:iam::999999999999:root"}),
                    Tags=[{"Key": "owner", "Value": "bob"}])
    iam.create_role(RoleName="open-door", AssumeRolePolicyDocument=trust("*"), Tags=[{"Key": "owner", "Value": "bob"}])
    iam.put_role_policy(RoleName="open-door", PolicyName="all", PolicyDocument=json.dumps(ADMIN_POLICY))
    iam.create_role(RoleName="gha-deploy", Tags=[{"Key": "owner", "Value": "bob"}],
                    AssumeRolePolicyDocument=trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity",
                                                   {"StringLike": {"token.actions.githubusercontent.com:sub":
                                                                   "repo:*"}}))
    iam.create_role(RoleName="gha-pinned", Tags=[{"Key": "owner", "Value": "bob"}],
                    AssumeRolePolicyDocument=trust({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity",
                                                   {"StringEquals": {"token.actions.githubusercontent.com:sub":
                                                                     "repo:acme/app:ref:refs/heads/main"}}))
    lab.admin()
    lab.enforce()
    return {"ci_key": ci_key}


def trail(tmp_path: Path, ci_key: str) -> Path:
    now = datetime.now(UTC).replace(microsecond=0)
    when = (now - timedelta(hours=1)).isoformat().replace("+00:00", "Z")

    def call(ip: str) -> dict[str, Any]:
        return {"eventTime": when, "eventName": "PutObject", "sourceIPAddress": ip, "recipientAccountId": ACCOUNT,
                "userIdentity": {"type": "IAMUser", "userName": "ci", "accountId": ACCOUNT, "accessKeyId": ci_key}}

    create = {"eventTime": when, "eventName": "CreateUser", "recipientAccountId": ACCOUNT,
              "userIdentity": {"type": "IAMUser", "userName": "dave", "accountId": ACCOUNT},
              "requestParameters": {"userName": "backup"}}
    folder = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / f"{now:%Y/%m/%d}"
    folder.mkdir(parents=True)
    (folder / "a.json.gz").write_bytes(gzip.compress(json.dumps(
        {"Records": [call("10.2.3.4"), call("203.0.113.7"), create]}).encode()))
    (folder / "broken.json.gz").write_bytes(b"\x1f\x8b\x08garbage")
    return tmp_path / "AWSLogs"


def report(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = keysweep("iam", "report", "--format", "json", *args)
    return code, json.loads(out) if out.strip() else {}, err


def test_identities_people_machines_and_roles_with_cloudtrail(aws: MotoLab, tmp_path: Path) -> None:
    s = seed(aws)
    departed = tmp_path / "departed.txt"
    departed.write_text("carol@example.com\ndave\n")
    code, data, err = report("--cloudtrail", str(trail(tmp_path / "logs", s["ci_key"])), "--allowed-cidr",
                             "10.0.0.0/8", "--departed", str(departed))
    assert code == 1, err
    ids = {i["name"]: i for i in data["identities"]}
    assert set(ids) == {"alice", "bob", "ci", "backup", "breakglass", "deploybot", "auditor", "vendor-audit",
                        "open-door", "gha-deploy", "gha-pinned"}
    alice = ids["alice"]
    assert (alice["type"], alice["kind"], alice["console_access"], alice["mfa"]) == ("user", "person", True, False)
    assert {"person-without-mfa", "over-privileged"} <= set(alice["flags"]) and alice["risk"] == "critical"
    assert any("group:admins" in r or "all" in r for r in alice["reasons"])
    assert ids["bob"]["mfa"] is True and ids["bob"]["flags"] == []
    ci = ids["ci"]
    assert ci["kind"] == "machine" and ci["access_keys"] == [s["ci_key"]]
    assert {"owner-departed", "outside-allowed-network"} <= set(ci["flags"]) and ci["owner_departed"]
    # with a range given, the addresses kept are the ones outside it
    assert [x["address"] for x in ci["source_ips"]] == ["203.0.113.7"]
    assert ci["last_activity"] is not None
    backup = ids["backup"]
    assert backup["created_by"] == "dave" and "owner-departed" in backup["flags"]
    assert ids["breakglass"]["kind"] == "break-glass"
    assert ids["deploybot"]["flags"][:1] == ["machine-console-login"]
    assert ids["vendor-audit"]["flags"] == ["third-party-trust-without-external-id"]
    assert ids["vendor-audit"]["trusts"][0]["account"] == "999999999999"
    assert set(ids["open-door"]["flags"]) == {"wildcard-trust", "over-privileged"}
    assert ids["open-door"]["risk"] == "critical"
    assert ids["gha-deploy"]["flags"] == ["oidc-subject-unrestricted"] and ids["gha-pinned"]["flags"] == []
    assert "no-owner" in ids["auditor"]["flags"]
    # the credential side hears what CloudTrail says about keys, and the broken file is a note
    [cred] = [c for c in data["credentials"] if c["access_key_id"] == s["ci_key"]]
    assert len(cred["source_ips"]) == 1 and cred["user_kind"] == "machine"
    assert any("broken.json.gz" in n for n in data["notes"]) and "broken.json.gz" in err
    assert data["accounts"][0]["roles"] == 4


def test_text_groups_identities_by_owner(aws: MotoLab, tmp_path: Path) -> None:
    seed(aws)
    departed = tmp_path / "departed.txt"
    departed.write_text("carol@example.com\n")
    code, out, err = keysweep("iam", "report", "--departed", str(departed))
    assert code == 1, err
    section = out[out.index("IDENTITIES BY OWNER"):]
    # bob heads his group: his own line first, then what he owns
    bob = section[section.index("\nbob\n"):]
    bob = bob[:bob.index("\n", bob.index("gha-pinned"))]
    assert bob.splitlines()[2].split()[1:4] == ["person", "user", "bob"]
    for owned in ("deploybot", "vendor-audit", "open-door", "gha-deploy", "gha-pinned"):
        assert owned in bob
    assert "carol@example.com (left)" in section and "user ci " in section
    assert "(no owner)" in section and "identities:" in out


def test_fail_on_counts_identity_risks(aws: MotoLab) -> None:
    aws.client("iam").create_group(GroupName="admins")
    aws.client("iam").put_group_policy(GroupName="admins", PolicyName="all", PolicyDocument=json.dumps(ADMIN_POLICY))
    aws.user("bob", keys=0, console=True)
    with_mfa(aws, "bob")
    aws.admin()
    aws.enforce()
    code, data, _ = report("--fail-on", "critical")
    assert code == 0 and all(c["risk"] != "critical" for c in data["credentials"])
    aws.server.set_signing(False)
    aws.user("eve", keys=0, console=True, groups=["admins"])  # no key: only her identity can be critical
    aws.enforce()
    code, data, _ = report("--fail-on", "critical")
    assert code == 1 and all(c["risk"] != "critical" for c in data["credentials"])
    assert [i["name"] for i in data["identities"] if i["risk"] == "critical"] == ["eve"]


def test_as_of_and_sso_and_trusted_accounts(aws: MotoLab) -> None:
    seed(aws)
    later = (datetime.now(UTC) + timedelta(days=400)).strftime("%Y-%m-%d")
    _, data, _ = report("--as-of", later, "--sso", "--trusted-account", "999999999999")
    ids = {i["name"]: i for i in data["identities"]}
    assert "unused" in ids["bob"]["flags"] and ids["bob"]["risk"] == "high"  # an idle person
    assert "person-local-login" in ids["bob"]["flags"]
    assert "break-glass-unrotated" in ids["breakglass"]["flags"]
    assert "third-party-trust-without-external-id" not in ids["vendor-audit"]["flags"]


def test_bad_identity_options_are_usage_errors(aws: MotoLab, tmp_path: Path) -> None:
    assert keysweep("iam", "report", "--allowed-cidr", "10.0.0.0/33")[0] == 2
    assert keysweep("iam", "report", "--trusted-account", "12345")[0] == 2
    code, _, err = keysweep("iam", "report", "--cloudtrail", str(tmp_path / "missing"))
    assert code == 2 and "CloudTrail" in err


def test_html_format_writes_the_identity_page(aws: MotoLab, tmp_path: Path) -> None:
    seed(aws)
    out = tmp_path / "iam.html"
    code, _, err = keysweep("iam", "report", "--format", "html", "--output", str(out))
    assert code == 1, err
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'data-owner="bob"' in page and 'data-name="open-door"' in page
