"""A rule that backtracks without limit costs its budget, not the scan: a warning, the other findings,
set aside after repeated timeouts; and a user rule like that is refused when it loads."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from scanner.engine import Engine
from scanner.errors import RuleError
from scanner.models import Chunk, Origin
from scanner.rules import load_builtin_rules, load_rules_file, parse_rule
from tests.cli.test_scan_cli import invoke
from tests.helpers import AWS_KEY_ID

CATASTROPHIC = {"id": "slow-rule", "description": "backtracks", "severity": "low", "keywords": ["zz"],
                "regex": r"zz((a|aa)+)$", "secret_group": 1}
HOSTILE_LINE = "zz" + "a" * 40 + "!"


@pytest.fixture
def engine() -> Engine:
    aws = next(r for r in load_builtin_rules() if r.id == "aws-access-key-id")
    e = Engine([parse_rule(CATASTROPHIC, "user.toml"), aws])
    e.budget = 0.2
    return e


def test_a_runaway_rule_costs_its_budget_and_the_other_findings_stay(engine: Engine,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    text = f"{HOSTILE_LINE}\nAWS={AWS_KEY_ID}\n"
    t0 = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        found = engine.scan(Chunk(text=text, origin=Origin(path="big.txt")))
    assert time.perf_counter() - t0 < 5  # the budget (0.2 s), not the regex's exponential time
    assert [f.rule_id for f in found] == ["aws-access-key-id"]
    assert engine.timed_out == 1
    (msg,) = [r.getMessage() for r in caplog.records]
    assert "big.txt: rule slow-rule ran out of its 0.2 s budget at offset 0" in msg


def test_a_rule_that_keeps_timing_out_is_set_aside(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        for i in range(5):
            engine.scan(Chunk(text=HOSTILE_LINE, origin=Origin(path=f"f{i}.txt")))
    assert engine.timed_out == 3  # the fourth and fifth files do not try it again
    assert sum("set aside for the rest of this run" in r.getMessage() for r in caplog.records) == 1


def test_a_catastrophic_user_rule_is_refused_at_load(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]]\nid = 'slow-rule'\ndescription = 'x'\nseverity = 'low'\nkeywords = ['zz']\n"
                     "regex = 'zz((a|aa)+)$'\nsecret_group = 1\n")
    with pytest.raises(RuleError, match="rule 'slow-rule': field 'regex': backtracks without limit"):
        load_rules_file(rules)
    (tmp_path / "t").mkdir()
    config = tmp_path / "ks.toml"
    config.write_text("[[rules]]\nid = 'slow-rule'\ndescription = 'x'\nseverity = 'low'\nkeywords = ['zz']\n"
                      "regex = 'zz((a|aa)+)$'\nsecret_group = 1\n")
    code, _, err = invoke(["scan", str(tmp_path / "t"), "--config", str(config)])
    assert code == 2 and "backtracks without limit" in err


def test_an_ordinary_user_rule_passes_the_probe(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[[rules]]\nid = 'corp'\ndescription = 'x'\nseverity = 'low'\nkeywords = ['corp-']\n"
                     "regex = '(corp-[a-z0-9]{16})'\nsecret_group = 1\n")
    assert [r.id for r in load_rules_file(rules)] == ["corp"]


def test_the_summary_says_a_search_ran_out(tmp_path: Path) -> None:
    # the load probe builds lines from the keyword ("zz"); this rule only backtracks after "zz-x"
    config = tmp_path / "ks.toml"
    config.write_text("[[rules]]\nid = 'sly-rule'\ndescription = 'x'\nseverity = 'low'\nkeywords = ['zz']\n"
                      "regex = 'zz-x((a|aa)+)$'\nsecret_group = 1\n")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.txt").write_text("zz-x" + "a" * 40 + "!\n")
    (tmp_path / "t" / "b.env").write_text(f"AWS={AWS_KEY_ID}\n")
    code, out, err = invoke(["scan", str(tmp_path / "t"), "--config", str(config), "--no-progress", "-j", "1"])
    assert code == 1 and "aws-access-key-id" in out
    assert "1 rule search(es) ran out of their time budget" in out
    assert "rule sly-rule ran out of its 2.0 s budget" in err
