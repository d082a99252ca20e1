"""`keysweep scan` end to end through click: options, formats, exit codes, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli, main
from tests.helpers import AWS_KEY_ID, GITHUB_PAT

REPO = Path(__file__).resolve().parents[2]


def invoke(args: list[str], input: str | None = None) -> tuple[int, str, str]:
    """Run through main() so exit-code mapping is exercised exactly as the console script does."""
    runner = CliRunner()
    res = runner.invoke(main_wrapper, args, input=input, catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


import click  # noqa: E402


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def main_wrapper(ctx: click.Context) -> None:
    main(list(ctx.args))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(f'TOKEN = "{GITHUB_PAT}"\n')
    (tmp_path / "clean.txt").write_text("nothing to see\n")
    return tmp_path


def test_exit_code_1_with_findings_and_0_without(tree: Path) -> None:
    code, out, _ = invoke(["scan", str(tree), "--no-progress"])
    assert code == 1 and "github-pat-classic" in out and GITHUB_PAT not in out
    code, out, _ = invoke(["scan", str(tree / "clean.txt")])
    assert code == 0 and "No secrets found" in out


def test_json_output_to_file(tree: Path) -> None:
    out_file = tree.parent / "report.json"
    code, stdout, _ = invoke(["scan", str(tree), "--format", "json", "--output", str(out_file)])
    assert code == 1 and stdout == ""
    data = json.loads(out_file.read_text())
    assert data[0]["secret"] == GITHUB_PAT and data[0]["line"] == 1


def test_redact_masks_json(tree: Path) -> None:
    _, out, _ = invoke(["scan", str(tree), "--format", "json", "--redact"])
    assert GITHUB_PAT not in out and json.loads(out)[0]["rule_id"] == "github-pat-classic"


def test_stdin_dash() -> None:
    code, out, _ = invoke(["scan", "-", "--format", "jsonl"], input=f"key = {AWS_KEY_ID}\n")
    assert code == 1 and json.loads(out.splitlines()[0])["path"] == "<stdin>"


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(["scan", str(tmp_path / "nope")])
    assert code == 2 and "no such file" in err


def test_unknown_option_is_a_usage_error() -> None:
    code, _, _ = invoke(["scan", "--frobnicate"])
    assert code == 2


def test_malformed_rule_in_config_names_file_rule_and_field(tree: Path) -> None:
    cfg = tree / ".keysweep.toml"
    cfg.write_text('[[rules]]\nid = "mine"\ndescription = "d"\nseverity = "high"\nkeywords = ["x"]\n'
                   'regex = "(unclosed"\n')
    code, _, err = invoke(["scan", str(tree)])
    assert code == 2
    assert str(cfg) in err and "rule 'mine'" in err and "field 'regex'" in err and "Traceback" not in err


def test_config_adds_rules_disables_rules_and_allowlists_paths(tree: Path) -> None:
    (tree / "src" / "internal.txt").write_text("corp token: CORP-a8f3k2m9x7q1z5w4\n")
    (tree / "vendor").mkdir()
    (tree / "vendor" / "lib.py").write_text(f'KEY = "{AWS_KEY_ID}"\n')
    (tree / ".keysweep.toml").write_text('''
disabled_rules = ["github-pat-classic", "generic-token"]
[allowlist]
paths = ['(^|/)vendor/']
[[rules]]
id = "corp-token"
description = "Internal corp token"
severity = "high"
keywords = ["corp-"]
regex = '(CORP-[a-z0-9]{16})'
secret_group = 1
''')
    code, out, _ = invoke(["scan", str(tree), "--format", "json", "--config", str(tree / ".keysweep.toml")])
    assert code == 1
    assert [f["rule_id"] for f in json.loads(out)] == ["corp-token"]  # the user's own config: trusted
    # found inside the scanned tree, the same config cannot hide high-confidence findings
    code, out, _ = invoke(["scan", str(tree), "--format", "json"])
    assert sorted(f["rule_id"] for f in json.loads(out)) == ["corp-token", "github-pat-classic"]  # vendor/: medium


def test_a_hostile_config_in_the_tree_cannot_hide_what_matters(tree: Path) -> None:
    (tree / "db.cfg").write_text('db_password = "Qm7vT2pX9wLk4Rz8"\n')
    (tree / ".keysweep.toml").write_text("""
disabled_rules = ["github-pat-classic"]
[scan]
exclude = ["src/**"]
[allowlist]
paths = ['.*']
[[rules]]
id = "aws-access-key-id"
description = "replaced"
severity = "low"
keywords = ["never-matches-anything"]
regex = 'never-matches-anything(x)'
secret_group = 1
""")
    (tree / "keys.env").write_text(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
    code, out, err = invoke(["scan", str(tree), "--no-progress"])
    assert code == 1
    assert "github-pat-classic" in out and "aws-access-key-id" in out  # high confidence: reported
    assert "generic-password" not in out  # medium: the allowlist still applies to it
    assert "1 finding(s) suppressed by the configuration" in out
    assert "cannot replace built-in rules (aws-access-key-id)" in err and "would hide 2 high-confidence" in err


def test_invalid_toml_config_is_a_config_error(tree: Path) -> None:
    bad = tree / "bad.toml"
    bad.write_text("this is = = not toml")
    code, _, err = invoke(["scan", str(tree), "--config", str(bad)])
    assert code == 2 and "invalid TOML" in err


def test_baseline_suppresses_known_findings_only(tree: Path) -> None:
    from scanner.baseline import write_baseline
    from scanner.report.json import load_findings

    report = tree.parent / "r.json"
    invoke(["scan", str(tree), "--format", "json", "-o", str(report)])
    base = tree.parent / "baseline.json"
    write_baseline(load_findings(report), base)
    assert GITHUB_PAT not in base.read_text()
    code, _, _ = invoke(["scan", str(tree), "--baseline", str(base)])
    assert code == 0
    (tree / "new.env").write_text(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
    code, out, _ = invoke(["scan", str(tree), "--baseline", str(base), "--format", "json"])
    assert code == 1 and [f["rule_id"] for f in json.loads(out)] == ["aws-access-key-id"]


def test_rules_list_and_test_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["rules", "list", "--format", "json"])
    ids = {r["id"] for r in json.loads(res.output)}
    assert {"aws-access-key-id", "github-pat-classic", "private-key"} <= ids
    res = runner.invoke(cli, ["rules", "test"])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "mine.toml"
    bad.write_text('''[[rules]]
id = "mine"
description = "d"
severity = "low"
keywords = ["zz_"]
regex = '(zz_[0-9]{4})'
secret_group = 1
examples = ["zz_12"]
negatives = ["nothing"]
''')
    res = runner.invoke(cli, ["rules", "test", str(bad)])
    assert res.exit_code == 1 and "FAIL mine example: 'zz_12'" in res.output


def test_console_script_runs_without_traceback_on_bad_input(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"\xff\xfe bad utf8 " + AWS_KEY_ID.encode())
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path), "--no-progress"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert "not valid UTF-8" in proc.stderr and "Traceback" not in proc.stderr


def test_warnings_reach_stderr_of_each_invocation(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"\xff bad " + AWS_KEY_ID.encode())
    for _ in range(2):  # the second run must see its own stderr, not the first one's
        code, _, err = invoke(["scan", str(tmp_path)])
        assert code == 1 and "not valid UTF-8" in err


def test_rules_list_includes_the_terraform_rules() -> None:
    res = CliRunner().invoke(cli, ["rules", "list", "--format", "json"])
    assert "terraform-provider-credential" in {r["id"] for r in json.loads(res.output)}


def test_config_disables_and_allowlists_structural_terraform_findings(tmp_path: Path) -> None:
    tf = tmp_path / "main.tf"
    tf.write_text('provider "vault" {\n  address = "https://vault.internal"\n'
                  '  token = "hvs_Q7x9Lm2Pz8Rk4Tb5Hm9Jc"\n}\n')
    code, out, _ = invoke(["scan", str(tmp_path), "--format", "json"])
    assert code == 1 and "terraform-provider-credential" in {f["rule_id"] for f in json.loads(out)}
    (tmp_path / ".keysweep.toml").write_text('[allowlist]\nregexes = ["^hvs_Q7x9"]\n')
    code, out, _ = invoke(["scan", str(tmp_path), "--format", "json"])
    assert code == 0, out


BAD_CHECKSUM = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"  # ghp_ + 36 characters, checksum wrong


def test_checksum_failures_are_dropped_but_counted_and_named(tmp_path: Path) -> None:
    (tmp_path / "ci.sh").write_text(f"export GH_TOKEN={BAD_CHECKSUM}\n")
    code, out, err = invoke(["scan", str(tmp_path), "--no-progress"])
    assert code == 0 and "1 token-shaped candidate(s) dropped: their provider checksum does not verify" in out
    code, out, err = invoke(["scan", str(tmp_path), "--no-progress", "-v"])
    assert "ci.sh:1: github-pat-classic candidate dropped: its github checksum does not verify" in err
    assert BAD_CHECKSUM not in err + out


def test_an_in_tree_exclude_still_hides_weaker_findings(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "db.cfg").write_text('db_password = "Qm7vT2pX9wLk4Rz8"\n')
    (tmp_path / "app.cfg").write_text('db_password = "Zr8wQ3nL6vK1pT5x"\n')
    (tmp_path / ".keysweep.toml").write_text('[scan]\nexclude = ["conf/**"]\n')
    code, out, _ = invoke(["scan", str(tmp_path), "--format", "json"])
    assert code == 1 and [f["path"] for f in json.loads(out)] == [f"{tmp_path}/app.cfg"]
    code, out, _ = invoke(["scan", str(tmp_path), "--no-progress"])
    assert "1 finding(s) suppressed by the configuration" in out
