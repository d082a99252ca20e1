"""Rules are checked as data when they load: every verifier and checksum a rule names exists, and the
fields that describe a rule (references, confidence) are validated like the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.engine.checksums import CHECKSUMS
from scanner.errors import RuleError
from scanner.rules import check_verifiers, load_builtin_rules, load_rules_file, parse_rules_text
from scanner.verify.registry import VERIFIERS

RULE = '[[rules]]\nid = "mine"\ndescription = "d"\nseverity = "high"\nkeywords = ["zz_"]\nregex = "zz_[0-9]+"\n'


def test_every_builtin_verifier_and_checksum_exists() -> None:
    rules = load_builtin_rules()
    assert [r.id for r in rules if r.verifier and r.verifier not in VERIFIERS] == []
    assert [r.id for r in rules if r.checksum and r.checksum not in CHECKSUMS] == []
    assert sum(1 for r in rules if r.verifier) >= 20


@pytest.mark.parametrize(("extra", "field", "words"), [
    ('verifier = "no-such-provider"', "verifier", "no verifier named 'no-such-provider'"),
    ('checksum = "crc64"', "checksum", "no checksum named 'crc64'"),
    ('confidence = "certain"', "confidence", "must be one of high, medium, low"),
    ("references = [3]", "references", "must be a list of non-empty strings"),
])
def test_a_rule_naming_something_unknown_is_a_load_error(tmp_path: Path, extra: str, field: str, words: str) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(RULE + extra + "\n")
    with pytest.raises(RuleError) as e:
        load_rules_file(f)
    msg = str(e.value)
    assert str(f) in msg and "rule 'mine'" in msg and f"field '{field}'" in msg and words in msg


def test_unknown_verifier_in_config_exits_2_and_scans_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("zz_123\n")
    cfg = tmp_path / ".keysweep.toml"
    cfg.write_text(RULE + 'verifier = "nowhere"\n')
    res = CliRunner().invoke(main_cmd, ["scan", str(tmp_path), "--config", str(cfg)])
    assert res.exit_code == 2
    assert "rule 'mine'" in res.stderr and "field 'verifier'" in res.stderr and "Traceback" not in res.stderr
    assert "zz_123" not in res.stdout


def test_a_user_rule_may_name_an_existing_verifier_and_keeps_references() -> None:
    name = sorted(VERIFIERS)[0]
    rules = parse_rules_text(RULE + f'verifier = "{name}"\nreferences = ["https://example.invalid/docs"]\n'
                             'confidence = "low"\n', "user.toml")
    check_verifiers(rules)
    assert rules[0].verifier == name
    assert rules[0].references == ("https://example.invalid/docs",)
    assert rules[0].confidence == "low"


import click  # noqa: E402


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def main_cmd(ctx: click.Context) -> None:
    main(list(ctx.args))
