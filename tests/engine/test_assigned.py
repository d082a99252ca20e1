"""A rule's `assigned_value`: a keyword occurrence counts only when a name starting there may be
assigned a value that long. Like `requires` it is a shortcut, so it must never change what the
built-in rules find; and a keyword that is not assigned such a value must not send its lines to the
rule's regex."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine import Engine
from scanner.engine.prefilter import Prefilter
from scanner.errors import RuleError
from scanner.models import Chunk, Origin
from scanner.rules import load_builtin_rules, parse_rules_text


@lru_cache(maxsize=1)
def engines() -> tuple[Engine, Engine]:
    rules = load_builtin_rules()
    assert sum(1 for r in rules if r.assigned_value) >= 6
    return Engine(rules), Engine([replace(r, assigned_value=0) for r in rules])


@lru_cache(maxsize=1)
def example_lines() -> list[str]:
    return [ex.text for r in load_builtin_rules() if r.assigned_value for ex in r.examples + r.negatives]


KEYWORDS = st.sampled_from(["password", "PASSWORD", "Passwd", "db_pwd", "passphrase", "_pass", "pass", "secret",
                            "client_secret", "token", "AUTH_TOKEN", "api_key", "apiKey", "access-key", "app.key",
                            "private_key", "privateKey", "aes_key", "signing.key", "jwt_key", "ſecret", "\u212aey"])
PREFIX = st.sampled_from(["", "", "client_", "DB_", "my.", "x-", "é_"])
NAME = st.sampled_from(["", "", "_x", "s", ".value", "-id", "_of_the_legacy_billing_api_x",
                        "_of_the_legacy_billing_api", "_of_the_legacy_billing_api_xyz", "é", "_é"])
BEFORE = st.sampled_from(["", "", '"', "'", "`", '"]', "] ", "  ", "\t", "    ", "\n"])
OP = st.sampled_from(["=", ":", "=>", ":=", "==", "!=", "=~", "::", ": str =", ":str=", ": Optional[str] = ",
                      ": &'static str = ", ": é = ", ": Tyé = ", " ", ""])
AFTER = st.sampled_from(["", "", " ", "   ", "    ", "\t", '"', "'", "`", " '", "\n"])
RANDOM = "k9Xr2LmQ7vBp4TzW8nYc3HdJ6sFg1AeUo5Ri0KqNw7Zt2VbM8xLp4Cs6"  # (as a secret would look: no filter drops it)
VALUE = st.one_of(
    st.integers(5, 42).map(lambda n: RANDOM[:n]),
    st.sampled_from(["0x9f2c" + "3e8a7b1d" * 7 + "5c0f4d", "9f2c3e8a7b1d" * 5 + "4d6a", "k9X'r2Lm\"Q7vBp4TzW8n",
                     "k9Xr;2LmQ7vB,p4TzW8nYc", RANDOM[:41] + "+/==", "k9Xr\\2LmQ7vBp4TzW8n", "é" * 20,
                     "${SECRET_VALUE_FROM_ENV}", "redacted", "false", "<changeme-token>"]))
CLOSE = st.sampled_from(["", '"', "'", "`", ";", ",", " ", ")", "\n", "é"])
ASSIGNMENT = st.tuples(PREFIX, KEYWORDS, NAME, BEFORE, OP, AFTER, VALUE, CLOSE).map("".join)
NOISE = st.sampled_from([" ", "\n", "x = 1\n", "# password reset\n", "token ", "f(", "[", "export ", "- "])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(ASSIGNMENT, NOISE, st.sampled_from(range(10_000))), min_size=1, max_size=12))
def test_assigned_value_never_changes_what_the_builtin_rules_find(parts: list[object]) -> None:
    lines = example_lines()
    text = "".join(lines[p % len(lines)] + "\n" if isinstance(p, int) else str(p) for p in parts)
    with_bound, without = engines()
    chunk = Chunk(text=text, origin=Origin(path="src/settings.py"))
    assert with_bound.scan(chunk) == without.scan(chunk)


@pytest.mark.parametrize("line", [
    'password = "k9Xr;2LmQ7vB,p4TzW8nYc"',  # characters that end a bare value, inside quotes
    "password = 'k9X\"r2LmQ7vBp4TzW8n'",  # the other quote inside quotes
    'client_secret_of_the_legacy_billing_api_x = "k9Xr2LmQ7vBp"',  # a long name after the keyword
    'token: Optional[str] = "k9Xr2LmQ7vBp4TzW8n"',  # a type annotation before the '='
    "auth_token: &'static str = \"k9Xr2LmQ7vBp4TzW8n\"",
    'api_key   =   "k9Xr2LmQ7vBp4TzW8nYc"',  # three spaces each side
    "db_pwd:=k9Xr2LmQ",  # the shortest value, bare
    'SIGNING_KEY => "k9Xr2LmQ7vBp4TzW8nYc"',
    "settings[\"PASSWORD\"] = 'k9Xr2LmQ7vBp'",  # a closing quote and bracket before the '='
    "private_key = 0x9f2c" + "3e8a7b1d" * 7 + "5c0f4d",
    "secret_é = 'k9Xr2LmQ7vBp4'",  # a name in other letters
    'token: Straße = "k9Xr2LmQ7vBp4TzW8n"',  # ... and a type
])
def test_assigned_values_at_the_edges_of_the_bound_are_found(line: str) -> None:
    with_bound, without = engines()
    chunk = Chunk(text=f"x = 1\n{line}\n", origin=Origin(path="src/settings.py"))
    found = with_bound.scan(chunk)
    assert found and any(f.rule_id.startswith("generic-") for f in found)
    assert found == without.scan(chunk)


def test_the_builtin_examples_are_found_with_and_without_the_bound() -> None:
    with_bound, without = engines()
    text = "\n".join(example_lines())
    found = with_bound.scan(Chunk(text=text, origin=Origin(path="app/config.py")))
    assert found and found == without.scan(Chunk(text=text, origin=Origin(path="app/config.py")))


def test_an_occurrence_without_a_long_enough_value_does_not_count() -> None:
    pf = Prefilter([["token"], ["token"]], [[], []], [16, 0])
    text = "token=redacted user=u1 token: 'abcdefghijklmnop'\n"
    occ, _ = pf.occurrences(text, 48)
    assert occ == {0: [text.rindex("token") + 4], 1: [4, text.rindex("token") + 4]}
    # a keyword all of whose rules need a value counts (for history's changed parts) only with one
    only = Prefilter([["token"]], [[]], [16])
    assert only.keyword_ends(b"log: token=redacted") == []
    assert only.keyword_ends(b"TOKEN = 'abcdefghijklmnop'") == [(5, "token")]


def test_a_log_of_short_values_sends_no_line_to_the_generic_rules() -> None:
    line = "2024-06-01T10:00:00Z INFO id=1 token=redacted password_reset=false api_key_id=k1 secret_rotation=ok\n"
    engine = engines()[0]
    occ, _ = engine._prefilter.occurrences(line * 200, 10_000)
    generic = {i for i, c in enumerate(engine._keyword_rules) if c.rule.assigned_value}
    assert len(generic) >= 6 and not generic & set(occ)


RULE = """
[[rules]]
id = "r"
description = "d"
severity = "high"
keywords = ["token"]
regex = 'token\\s*=\\s*(\\w{{8,}})'
{extra}
"""


def test_assigned_value_in_a_rule_file_is_checked() -> None:
    assert parse_rules_text(RULE.format(extra="assigned_value = 8"), "x.toml")[0].assigned_value == 8
    assert parse_rules_text(RULE.format(extra=""), "x.toml")[0].assigned_value == 0
    for bad in ["assigned_value = -1", "assigned_value = 256", "assigned_value = 'eight'", "assigned_value = true",
                "assigned_value = 8\nmultiline = true"]:
        with pytest.raises(RuleError, match="assigned_value"):
            parse_rules_text(RULE.format(extra=bad), "x.toml")
