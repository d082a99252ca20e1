"""`keysweep iac inventory` through the command-line interface."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import cli

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "infra" / "acme-platform" / "terraform"


def test_inventory_text() -> None:
    res = CliRunner().invoke(cli, ["iac", "inventory", str(FIXTURE / "modules"), str(FIXTURE / "state" / "prod")])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split()[:3] == ["KIND", "NAME", "USER"]
    assert any("aws_iam_access_key" in ln and "AKIALQ6EUMHCJTRFNSJD" in ln and "acme-prod-ci-deployer" in ln
               for ln in lines)
    assert any(ln.endswith("iam-ci-user/main.tf:15") for ln in lines)
    assert lines[-1].startswith("12 identities (5 in configuration, 7 in state)")


def test_inventory_json_to_file(tmp_path: Path) -> None:
    out = tmp_path / "inv.json"
    res = CliRunner().invoke(cli, ["iac", "inventory", "--format", "json", "--output", str(out),
                                   str(FIXTURE / "state" / "legacy")])
    assert res.exit_code == 0 and res.output == ""
    data = json.loads(out.read_text())
    assert [(d["kind"], d["address"], d["key_id"], d["user"], d["line"], d["managed_by"]) for d in data] == [
        ("aws_iam_access_key", "aws_iam_access_key.backup", "AKIAXCMSDLJVWDS3N3D6", "legacy-backup", None, "state"),
        ("aws_iam_user", "aws_iam_user.backup", None, "legacy-backup", None, "state"),
    ]
    assert set(data[0]) >= {"kind", "name", "address", "path", "line", "key_id", "user", "managed_by"}


def test_inventory_empty_and_bad_path(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["iac", "inventory", str(tmp_path)])
    assert res.exit_code == 0 and res.output == "no machine identities found\n"
    res = CliRunner().invoke(cli, ["iac", "inventory", str(tmp_path / "missing")])
    assert res.exit_code == 2
