"""Terraform's structural rules apply to history and staged changes as they do to files: the whole
version is parsed, and only findings on the lines a change adds are reported for it."""

from __future__ import annotations

from pathlib import Path

from scanner.sources.git import scan_history
from scanner.sources.staged import scan_staged
from tests.git.builder import GitRepo, lines
from tests.helpers import builtin_engine

PASSWORD = "Tr0ub4dor&3xK9q"
BEFORE = lines('variable "db_password" {', '  type = string', "}", 'resource "null_resource" "x" {}')
AFTER = lines('variable "db_password" {', '  type = string', f'  default = "{PASSWORD}"', "}",
              'resource "null_resource" "x" {}')


def structural(findings: object) -> list[tuple[str, int, str, str | None]]:
    return [(f.rule_id, f.line, f.secret, f.commit) for f in findings  # type: ignore[attr-defined]
            if f.rule_id.startswith("terraform-")]


def test_a_default_added_to_a_variable_in_a_later_commit(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("vars", files={"infra/variables.tf": BEFORE, "README.md": "infra\n"})
    added = repo.commit("default", files={"infra/variables.tf": AFTER})
    repo.commit("unrelated edit", files={"infra/variables.tf": AFTER + 'output "o" { value = 1 }\n'})
    found = structural(scan_history(repo.path, builtin_engine()).findings)
    # the line `default = "..."` has no keyword: only the variable block's structure says it is a password
    assert found == [("terraform-variable-default-secret", 3, PASSWORD, added)]


def test_a_new_terraform_file_in_history(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    first = repo.commit("all at once", files={"main.tf": AFTER})
    assert structural(scan_history(repo.path, builtin_engine()).findings) == [
        ("terraform-variable-default-secret", 3, PASSWORD, first)]


def test_staged_terraform_is_read_whole_and_judged_on_added_lines(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("vars", files={"variables.tf": BEFORE})
    repo.write("variables.tf", AFTER)
    repo.git("add", "-A")
    found = scan_staged(str(repo.path), builtin_engine(), 10 * 1024 * 1024).findings
    assert structural(found) == [("terraform-variable-default-secret", 3, PASSWORD, None)]
    repo.git("commit", "-q", "-m", "default")
    repo.write("variables.tf", AFTER + 'output "o" { value = 1 }\n')  # the secret is not on an added line
    repo.git("add", "-A")
    assert structural(scan_staged(str(repo.path), builtin_engine(), 10 * 1024 * 1024).findings) == []
