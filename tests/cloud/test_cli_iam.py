"""`keysweep iam report|deactivate` end to end against the local emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.runcli import keysweep
from tests.fixtures.moto_server import ADMIN_POLICY, MotoLab
from tests.sweep.gitrepos import Repo
from tests.verify.test_aws import config_text, scannable_key

OWNED = {"owner": "alice@example.com"}


def seed(lab: MotoLab, tmp_path: Path) -> dict[str, Any]:
    """A leaked admin key in a checked-out tree, a CI user with two keys, and our auditor."""
    iam = lab.client("iam")
    key_id, secret = scannable_key(lab, "deployer")
    iam.tag_user(UserName="deployer", Tags=[{"Key": "owner", "Value": "alice@example.com"}])
    iam.put_user_policy(UserName="deployer", PolicyName="all", PolicyDocument=json.dumps(ADMIN_POLICY))
    ci = lab.user("ci", keys=2)
    lab.admin()
    lab.enforce()
    tree = tmp_path / "repo"
    (tree / "deploy").mkdir(parents=True)
    (tree / "deploy" / "credentials").write_text(config_text(key_id, secret))
    return {"key_id": key_id, "ci": [k for k, _ in ci], "tree": tree}


def report_json(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = keysweep("iam", "report", "--format", "json", *args)
    return code, json.loads(out) if out.strip() else {}, err


def record(report: dict[str, Any], key_id: str) -> dict[str, Any]:
    [r] = [c for c in report["credentials"] if c["access_key_id"] == key_id]
    return r


def test_report_from_a_findings_file_with_verify(aws: MotoLab, tmp_path: Path) -> None:
    s = seed(aws, tmp_path)
    findings = tmp_path / "findings.json"
    code, _, _ = keysweep("scan", "--format", "json", "--output", str(findings), "--no-progress", str(s["tree"]))
    assert code == 1
    code, report, err = report_json("--findings", str(findings), "--verify")
    assert code == 1, err
    assert set(report) >= {"generated_at", "accounts", "credentials"}
    assert report["accounts"][0]["account_id"] == "123456789012" and report["accounts"][0]["complete"]
    leaked = record(report, s["key_id"])
    assert leaked["risk"] == "critical" and report["credentials"][0] == leaked
    assert {"leaked", "leaked-active", "still-valid", "over-privileged"} <= set(leaked["flags"])
    assert "orphaned" not in leaked["flags"]
    assert leaked["verification"]["status"] == "valid"
    assert leaked["leaks"][0]["path"].endswith("deploy/credentials") and leaked["leaks"][0]["line"] == 2
    assert (leaked["user_name"], leaked["status"], leaked["in_inventory"]) == ("deployer", "Active", True)
    assert leaked["managed_by_terraform"] is None
    assert (leaked["owner"], leaked["user_kind"]) == ("alice@example.com", "machine")
    for key_id in s["ci"]:
        assert {"orphaned", "two-active-keys", "unused"} <= set(record(report, key_id)["flags"])


def test_text_report_for_paths_scanned_now(aws: MotoLab, tmp_path: Path) -> None:
    s = seed(aws, tmp_path)
    code, out, _ = keysweep("iam", "report", str(s["tree"]))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["RISK", "ACCESS", "KEY"]
    assert lines[1].startswith("critical") and s["key_id"] in lines[1]
    assert "leaked at " in out and "deploy/credentials:2" in out
    assert lines[-1].startswith("4 credentials: 1 critical")
    assert keysweep("iam", "report", "--fail-on", "never", str(s["tree"]))[0] == 0
    assert keysweep("iam", "report", "--fail-on", "critical", "--output", str(tmp_path / "r.txt"))[0] == 0
    assert (tmp_path / "r.txt").read_text().startswith("RISK")


def test_a_config_inside_the_scanned_tree_cannot_hide_a_leaked_key(aws: MotoLab, tmp_path: Path) -> None:
    """The targets' configuration means what it means to `keysweep scan`: a `.keysweep.toml` that lies
    in the scanned tree may hide weak findings, never a high-confidence key pair."""
    s = seed(aws, tmp_path)
    (s["tree"] / ".keysweep.toml").write_text("[allowlist]\npaths = ['.*']\n")
    code, report, err = report_json(str(s["tree"]))
    assert code == 1, err
    assert record(report, s["key_id"])["leaks"][0]["path"].endswith("deploy/credentials")
    scanned = keysweep("scan", "--format", "json", "--no-progress", str(s["tree"]))
    assert s["key_id"] in scanned[1]  # the same answer as the scan command


def test_a_repository_is_swept_through_its_history(aws: MotoLab, tmp_path: Path) -> None:
    s = seed(aws, tmp_path)
    repo = Repo(tmp_path / "service")
    leaked_in = repo.commit({"deploy/credentials": (s["tree"] / "deploy" / "credentials").read_text()}, "deploy")
    repo.commit({"deploy/credentials": None}, "remove the key again")
    _, report, _ = report_json(str(repo.path))
    [leak] = record(report, s["key_id"])["leaks"]
    assert (leak["path"], leak["commit"], leak["author_email"]) == ("deploy/credentials", leaked_in,
                                                                    "dev1@example.com")
    assert leak["date"].startswith("2024-01-")


def test_deactivate_then_report(aws: MotoLab, tmp_path: Path) -> None:
    s = seed(aws, tmp_path)
    code, out, _ = keysweep("iam", "deactivate", s["key_id"])
    assert code == 0 and out.startswith("dry run: would deactivate") and "user deployer" in out
    assert record(report_json(str(s["tree"]))[1], s["key_id"])["status"] == "Active"
    code, out, _ = keysweep("iam", "deactivate", s["key_id"], "--yes")
    assert code == 0 and out.startswith("deactivated")
    assert "already inactive" in keysweep("iam", "deactivate", s["key_id"], "--yes")[1]
    # the emulator still accepts an Inactive key at STS: IAM status keeps it from being still-valid
    code, report, _ = report_json("--verify", str(s["tree"]))
    leaked = record(report, s["key_id"])
    assert leaked["status"] == "Inactive" and leaked["verification"]["status"] == "valid"
    assert "still-valid" not in leaked["flags"] and "leaked-active" not in leaked["flags"]
    assert leaked["risk"] == "medium"
    assert keysweep("iam", "report", "--fail-on", "critical", str(s["tree"]))[0] == 0


def test_deactivate_bad_input(aws: MotoLab) -> None:
    aws.admin()
    aws.enforce()
    code, _, err = keysweep("iam", "deactivate", "not-a-key")
    assert code == 2 and "not a long-term AWS access key id" in err
    code, _, err = keysweep("iam", "deactivate", "AKIARZPUZDIKH7VBXN2M", "--yes")
    assert code == 3 and "is not an access key of account 123456789012" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("content", ['{"not": "findings"}', "just text\n", '[{"rule_id": "x"}]'])
def test_a_findings_file_that_is_not_ours(aws: MotoLab, tmp_path: Path, content: str) -> None:
    path = tmp_path / "findings.json"
    path.write_text(content)
    code, out, err = keysweep("iam", "report", "--findings", str(path))
    assert code == 2 and out == ""
    assert "not a keysweep" in err and "Traceback" not in err


def test_missing_inputs_are_usage_errors(aws: MotoLab, tmp_path: Path) -> None:
    assert keysweep("iam", "report", "--findings", str(tmp_path / "none.json"))[0] == 2
    assert keysweep("iam", "report", str(tmp_path / "no-such-dir"))[0] == 2
    assert keysweep("iam", "report", "--departed", str(tmp_path / "nobody.txt"))[0] == 2
    assert keysweep("iam", "report", "--profile", "nobody")[0] == 2


def test_no_credentials_is_a_runtime_error(aws: MotoLab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, out, err = keysweep("iam", "report")
    assert code == 3 and out == ""
    assert err.strip().count("\n") == 0 and "no AWS credentials" in err


def test_denied_calls_are_reported_and_the_rest_kept(aws: MotoLab, caplog: pytest.LogCaptureFixture) -> None:
    aws.user("ci", keys=1, tags=OWNED)
    key = aws.user("limited", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:*", "sts:GetCallerIdentity"], "Resource": "*"},
        # without the credential report, each key's last use is asked for, and denied
        {"Effect": "Deny", "Action": ["iam:GetAccessKeyLastUsed", "iam:GetCredentialReport"], "Resource": "*"}]},
        tags=OWNED)[0]
    aws.use_credentials(*key)
    aws.enforce()
    code, report, _ = report_json("--fail-on", "high")
    assert "iam:GetAccessKeyLastUsed: AccessDenied" in caplog.text  # a warning on stderr
    assert any("GetAccessKeyLastUsed" in n for n in report["accounts"][0]["notes"])
    assert len(report["credentials"]) == 2
    assert code == 0  # owned, fresh, single keys: nothing at high or above


def test_departed_owner_and_owner_tag(aws: MotoLab, tmp_path: Path) -> None:
    aws.user("ci", keys=1, tags={"owner": "bob@example.com", "team": "payments"})
    aws.admin()
    aws.enforce()
    departed = tmp_path / "departed.txt"
    departed.write_text("# people who left\nBob@example.com\n")
    [ci] = [c for c in report_json("--departed", str(departed))[1]["credentials"] if c["user_name"] == "ci"]
    assert "orphaned" in ci["flags"] and any("has left" in r for r in ci["reasons"])
    [ci] = [c for c in report_json("--owner-tag", "team")[1]["credentials"] if c["user_name"] == "ci"]
    assert "orphaned" not in ci["flags"]


def test_terraform_state_marks_managed_keys(aws: MotoLab, tmp_path: Path) -> None:
    pytest.importorskip("scanner.iac.inventory")
    s = seed(aws, tmp_path)
    state = {"version": 4, "terraform_version": "1.6.0", "serial": 1, "lineage": "x", "outputs": {},
             "resources": [{"mode": "managed", "type": "aws_iam_access_key", "name": "deployer",
                            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                            "instances": [{"schema_version": 0, "attributes": {
                                "id": s["key_id"], "user": "deployer", "status": "Active"}}]}]}
    tf = tmp_path / "terraform.tfstate"
    tf.write_text(json.dumps(state))
    _, report, _ = report_json("--terraform", str(tf))
    assert record(report, s["key_id"])["managed_by_terraform"] is True
    for key_id in s["ci"]:
        ci = record(report, key_id)
        assert ci["managed_by_terraform"] is False and "untracked" in ci["flags"]
