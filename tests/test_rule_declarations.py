"""Compact rule declarations ([[prefixed]], [[context]]) and `keysweep rules sample`."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
import regex

from scanner.config import load_config
from scanner.engine import Engine
from scanner.errors import RuleError
from scanner.models import Chunk, Origin
from scanner.rules import load_builtin_rules, load_rules_file, parse_rules_text
from scanner.ruletest import run_rule_tests
from scanner.samples import SampleError, fill, sample

PREFIXED = """
[[prefixed]]
id = 'acme-api-key'
description = 'Acme API key'
prefix = 'acme_live_'
body = '[A-Za-z0-9]{32}'
references = ['https://docs.acme.example/keys']
samples = ['acme_live_Qx7Lr2Vb9Nt4Kp1Zc8Wm3Hs6Jd5Fg0Ya', 'acme_live_Bn4Tq8Xe2Rw7Lm1Kc9Vz3Hp6Jd0Fs5Ug']
"""

CONTEXT = """
[[context]]
id = 'zorbit-api-token'
description = 'Zorbit API token'
names = ['zorbit']
secret = '[a-f0-9]{32}'
references = ['https://docs.zorbit.example/auth']
samples = ['9c1f4e7a2b8d3f6e0a5c7b9d1e3f5a7c', '4b2d6f8a0c1e3a5b7d9f0e2c4a6b8d0f']
"""


def _scan(rules_text: str, text: str) -> list[str]:
    rules = parse_rules_text(rules_text, "user.toml")
    return [f.secret for f in Engine(rules).scan(Chunk(text, Origin(path="app/settings.py")))]


def test_prefixed_declaration_finds_the_token_and_not_a_longer_word() -> None:
    secret = "acme_live_Mk3Pq9Ls2Vd7Xw4Nb8Zt1Rc6Hy5Jf0Ge"
    assert _scan(PREFIXED, f'key = "{secret}"') == [secret]
    assert _scan(PREFIXED, f'key = "x{secret}"') == []
    assert _scan(PREFIXED, f'key = "{secret}abc"') == []
    assert _scan(PREFIXED, 'key = "acme_live_short"') == []


@pytest.mark.parametrize("shape", [
    "ZORBIT_API_TOKEN={s}",
    'zorbit:\n  token: "{s}"',
    '{{"zorbitApiKey": "{s}"}}',
    "zorbit_secret => '{s}'",
    '"zorbit_token" value="{s}"',
])
def test_context_declaration_needs_the_provider_name_next_to_the_value(shape: str) -> None:
    secret = "0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
    assert _scan(CONTEXT, shape.format(s=secret)) == [secret]


def test_context_declaration_ignores_the_bare_value_and_other_shapes() -> None:
    secret = "0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
    assert _scan(CONTEXT, f"api_token = '{secret}'") == []
    assert _scan(CONTEXT, f"ZORBIT_TOKEN={secret}ff") == []  # longer than the format
    assert _scan(CONTEXT, "ZORBIT_TOKEN=0d9e8c7b6a5f4e3d") == []  # shorter
    assert _scan(CONTEXT, f"zorbit_colour = '{secret}'") == []  # not a credential slot


def test_declaration_samples_become_examples_and_negatives_that_rules_test_runs() -> None:
    rules = parse_rules_text(PREFIXED + CONTEXT, "user.toml")
    assert [len(r.examples) for r in rules] == [2, 2]
    assert all(len(r.negatives) >= 2 for r in rules)
    assert {e.secret for e in rules[1].examples} == {
        "9c1f4e7a2b8d3f6e0a5c7b9d1e3f5a7c", "4b2d6f8a0c1e3a5b7d9f0e2c4a6b8d0f"}
    assert run_rule_tests(rules) == []


def test_a_sample_that_does_not_fit_the_format_fails_rules_test() -> None:
    bad = CONTEXT.replace("'9c1f4e7a2b8d3f6e0a5c7b9d1e3f5a7c'", "'9c1f4e7a2b8d3f6e'")
    failures = run_rule_tests(parse_rules_text(bad, "user.toml"))
    assert [(f.rule_id, f.kind) for f in failures] == [("zorbit-api-token", "example")]


def test_declaration_fields_pass_through_to_the_rule() -> None:
    text = CONTEXT.replace("names = ['zorbit']", "names = ['zorbit']\nseverity = 'medium'\ntags = ['zorbit', 'crm']")
    rule = parse_rules_text(text, "user.toml")[0]
    assert rule.severity.value == "medium"
    assert rule.tags == ("zorbit", "crm")
    assert rule.references == ("https://docs.zorbit.example/auth",)
    assert rule.keywords == ("zorbit",)


@pytest.mark.parametrize(("change", "field"), [
    (("prefix = 'acme_live_'", "prefix = 'ac'"), "prefix"),
    (("body = '[A-Za-z0-9]{32}'\n", ""), "body"),
    (("samples = [", "samples = ['acme_live_only_one'] #"), "samples"),
    (("samples = ['acme_live_", "samples = ['other_"), "samples"),
    (("references", "referencez"), "referencez"),
    (("body = '[A-Za-z0-9]{32}'", "body = '[A-Za-z0-9]{32})'"), "regex"),
])
def test_a_malformed_declaration_is_a_load_error_naming_file_rule_and_field(
        tmp_path: Path, change: tuple[str, str], field: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(PREFIXED.replace(*change), encoding="utf-8")
    with pytest.raises(RuleError) as e:
        load_rules_file(path)
    assert (e.value.source, e.value.rule_id, e.value.field) == (str(path), "acme-api-key", field)


def test_context_names_must_be_words_that_can_be_keywords() -> None:
    with pytest.raises(RuleError) as e:
        parse_rules_text(CONTEXT.replace("names = ['zorbit']", "names = ['Zo']"), "user.toml")
    assert e.value.field == "names"


def test_an_unknown_table_in_a_rules_file_is_refused() -> None:
    with pytest.raises(RuleError) as e:
        parse_rules_text("[[rule]]\nid = 'x'\n", "user.toml")
    assert e.value.field == "rule"


def test_config_file_accepts_declarations(tmp_path: Path) -> None:
    cfg = tmp_path / ".keysweep.toml"
    cfg.write_text(CONTEXT, encoding="utf-8")
    assert [r.id for r in load_config(cfg).rules] == ["zorbit-api-token"]


def test_builtin_declarations_keep_references_two_examples_and_word_keywords() -> None:
    import tomllib

    from scanner.rules import builtin_rule_files

    ids = {d["id"] for _n, text in builtin_rule_files() for kind in ("prefixed", "context")
           for d in tomllib.loads(text).get(kind, [])}
    declared = [r for r in load_builtin_rules() if r.id in ids]
    assert len(declared) == len(ids) >= 500
    assert all(r.references and len(r.examples) >= 2 and len(r.negatives) >= 2 for r in declared)
    assert all(len(k) >= 3 for r in declared for k in r.keywords)


# -- sample values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", [
    "[a-f0-9]{32}", "pk_[0-9]{6,10}_[A-Z0-9]{32}", "(?:live|test)_[A-Za-z0-9_-]{20,40}",
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", r"\d{4}\.\w{10}", "[^\\s'\"]{12}",
])
def test_samples_match_their_pattern(pattern: str) -> None:
    rng = random.Random(7)
    compiled = regex.compile(pattern)
    values = {sample(pattern, rng) for _ in range(20)}
    assert len(values) > 1
    assert all(compiled.fullmatch(v) for v in values)


def test_samples_do_not_look_made_up() -> None:
    rng = random.Random(1)
    assert all("test" not in sample("[a-z]{60}", rng) for _ in range(50))


def test_unsupported_syntax_is_a_clear_error() -> None:
    with pytest.raises(SampleError, match="unsupported"):
        sample("(?<=x)abc", random.Random(0))


def test_fill_adds_samples_only_where_missing_and_is_reproducible() -> None:
    text = CONTEXT.replace("samples = [", "# samples = [") + PREFIXED
    out, ids = fill(text)
    assert ids == ["zorbit-api-token"]
    assert out == fill(text)[0]
    rules = parse_rules_text(out, "user.toml")
    assert run_rule_tests(rules) == []


def test_rules_sample_cli(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(CONTEXT.replace("samples = [", "# samples = ["), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "scanner", "rules", "sample", "--fill", str(path)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "samples added to 1" in run.stdout
    test = subprocess.run([sys.executable, "-m", "scanner", "rules", "test", str(path)],
                          capture_output=True, text=True)
    assert test.returncode == 0, test.stdout
    shown = subprocess.run([sys.executable, "-m", "scanner", "rules", "sample", "[a-z]{5}", "-n", "3"],
                           capture_output=True, text=True)
    assert [len(v) for v in shown.stdout.split()] == [5, 5, 5]


def test_context_name_is_a_word_of_its_own() -> None:
    short = CONTEXT.replace("names = ['zorbit']", "names = ['zorb']")
    secret = "0d9e8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
    assert _scan(short, f"zorbit_token = '{secret}'") == []  # `zorb` inside `zorbit`
    assert _scan(short, f"ZORBIT_TOKEN = '{secret}'") == []
    assert _scan(short, f"myzorb_token = '{secret}'") == []
    assert _scan(short, f"zorbToken = '{secret}'") == [secret]  # camel case keeps the word
    assert _scan(short, f"apiZorb_token = '{secret}'") == [secret]
    assert _scan(short, f"ZORB_TOKEN = '{secret}'") == [secret]
