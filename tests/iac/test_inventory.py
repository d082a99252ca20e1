"""The IaC identity inventory: configuration (file and line) and state (address, key ids)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from scanner.errors import SourceError
from scanner.iac.inventory import IacIdentity, collect_inventory

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "infra" / "acme-platform" / "terraform"


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_config_identities_with_lines_and_resolved_owners(tmp_path: Path) -> None:
    write(tmp_path, "iam.tf", '''
resource "aws_iam_user" "deployer" {
  name = "ci-deployer"
}

resource "aws_iam_access_key" "deployer" {
  user = aws_iam_user.deployer.name
}

resource "aws_iam_access_key" "other" {
  user = var.user_name
}
''')
    write(tmp_path, "roles.tf", '''
resource "aws_iam_role" "deploy" {
  name = "platform-deploy"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
''')
    got = collect_inventory([str(tmp_path)])
    assert [(i.kind, i.name, i.address, Path(i.path).name, i.line, i.user, i.managed_by) for i in got] == [
        ("aws_iam_user", "ci-deployer", "aws_iam_user.deployer", "iam.tf", 2, "ci-deployer", "config"),
        ("aws_iam_access_key", "deployer", "aws_iam_access_key.deployer", "iam.tf", 6, "ci-deployer", "config"),
        ("aws_iam_access_key", "other", "aws_iam_access_key.other", "iam.tf", 10, "var.user_name", "config"),
        ("aws_iam_role", "platform-deploy", "aws_iam_role.deploy", "roles.tf", 2, None, "config"),
    ]
    assert all(i.key_id is None for i in got)


def test_gcp_and_azure_owners_follow_references(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", '''
resource "google_service_account" "ci" {
  project    = "acme-prod-291107"
  account_id = "ci-deployer"
}
resource "google_service_account_key" "ci" {
  service_account_id = google_service_account.ci.name
}
resource "azuread_application" "app" {
  display_name = "acme-deployer"
}
resource "azuread_service_principal" "sp" {
  client_id = azuread_application.app.client_id
}
resource "azuread_application_password" "pw" {
  application_id = azuread_application.app.id
  display_name   = "ci"
}
resource "azuread_service_principal_password" "sp" {
  service_principal_id = azuread_service_principal.sp.id
}
''')
    got = {i.address: i for i in collect_inventory([str(tmp_path)])}
    email = "ci-deployer@acme-prod-291107.iam.gserviceaccount.com"
    assert got["google_service_account.ci"].user == email
    assert got["google_service_account_key.ci"].user == email
    assert (got["azuread_application_password.pw"].name, got["azuread_application_password.pw"].user) == (
        "ci", "acme-deployer")
    assert got["azuread_service_principal_password.sp"].user == "acme-deployer"
    assert "azuread_application.app" not in got  # not a credential-bearing identity kind


def test_state_identities_with_key_ids() -> None:
    got = [i for i in collect_inventory([str(FIXTURE / "state" / "prod")]) if i.managed_by == "state"]
    by_addr = {i.address: i for i in got}
    key = by_addr["module.ci_user.aws_iam_access_key.ci"]
    assert key == IacIdentity(
        kind="aws_iam_access_key", name="ci", address="module.ci_user.aws_iam_access_key.ci",
        path=str(FIXTURE / "state" / "prod" / "terraform.tfstate"), line=None, key_id="AKIALQ6EUMHCJTRFNSJD",
        user="acme-prod-ci-deployer", managed_by="state", arn=None, status="Active", created="2024-03-11T09:12:44Z")
    assert by_addr["module.ci_user.aws_iam_user.ci"].arn == (
        "arn:aws:iam::123456789012:user/automation/acme-prod-ci-deployer")
    assert by_addr["aws_iam_access_key.legacy"].status == "Inactive"
    assert by_addr["module.gcp_ci.google_service_account_key.ci"].key_id == "5b0c4e1f9a7d2c3b8e6f1a0d9c8b7a6e5d4c3b2a"
    assert by_addr["azuread_application_password.deployer"].key_id == "0f1e2d3c-4b5a-4968-8776-655443322110"
    # the backup file describes older versions of the same resources and is not listed
    assert {Path(i.path).name for i in got} == {"terraform.tfstate"}
    # data sources are not identities Terraform manages
    assert all(not a.startswith("data.") for a in by_addr)


def test_fixture_repository_inventory() -> None:
    got = collect_inventory([str(FIXTURE)])
    kinds = sorted({i.kind for i in got})
    assert kinds == sorted(["aws_iam_user", "aws_iam_access_key", "aws_iam_role", "google_service_account",
                            "google_service_account_key", "azuread_application_password",
                            "azuread_service_principal_password"])
    config_key = next(i for i in got if i.address == "aws_iam_access_key.ci" and i.managed_by == "config")
    assert config_key.line == 15 and config_key.user == "${var.name_prefix}-ci-deployer"


def test_state_v3(tmp_path: Path) -> None:
    p = write(tmp_path, "terraform.tfstate", json.dumps({"version": 3, "modules": [{"path": ["root"], "resources": {
        "aws_iam_access_key.b": {"type": "aws_iam_access_key", "primary": {"id": "AKIAXCMSDLJVWDS3N3D6",
                                 "attributes": {"id": "AKIAXCMSDLJVWDS3N3D6", "user": "backup"}}}}}]}))
    assert [(i.address, i.key_id, i.user) for i in collect_inventory([p])] == [
        ("aws_iam_access_key.b", "AKIAXCMSDLJVWDS3N3D6", "backup")]


def test_unparseable_and_unrelated_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "broken.tf", 'resource "aws_iam_user" "x" {\n  name = "x"\n')
    write(tmp_path, "other.tf", 'resource "aws_s3_bucket" "b" {}\n')
    write(tmp_path, ".terraform/modules/m/main.tf", 'resource "aws_iam_user" "vendored" {}\n')
    with caplog.at_level(logging.WARNING, logger="scanner.iac"):
        assert collect_inventory([str(tmp_path)]) == []
    assert len(caplog.records) == 1 and "broken.tf" in caplog.records[0].getMessage()


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        collect_inventory([str(tmp_path / "nope")])
