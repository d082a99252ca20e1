"""A rule's `requires` literals: a keyword occurrence counts only when one of them is on its line or
the next. It is a shortcut, so it must never change what the built-in rules find."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine import Engine
from scanner.engine.prefilter import REACH, Prefilter
from scanner.errors import RuleError
from scanner.models import Chunk, Origin
from scanner.rules import load_builtin_rules, parse_rules_text


@lru_cache(maxsize=1)
def engines() -> tuple[Engine, Engine]:
    rules = load_builtin_rules()
    assert any(r.requires for r in rules)
    return Engine(rules), Engine([replace(r, requires=()) for r in rules])


@lru_cache(maxsize=1)
def example_lines() -> list[str]:
    return [ex.text for r in load_builtin_rules() if r.requires for ex in r.examples + r.negatives]


noise = st.text(alphabet="abcxyz _=:@/\"'{}()0123456789\n", max_size=30)
words = st.sampled_from(["https://", "@", "token", "value", "github", "secret", "curl -u", "BUNDLE_", "__",
                         "_auth", "name: DB_PASSWORD", "- name: GITHUB_TOKEN", "aws_secret_access_key=",
                         "SECRET_ACCESS_KEY:", "Server=db;", ";", "Password=",
                         " WITH PASSWORD '", "set password = ", "login\tpassword",
                         "ibm", "api_key: ", "twilio:\n  ", "  secret = ", "KEY=", "--token ", "--",
                         '<add key="db_password" value="'])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(noise, words, st.sampled_from(range(10_000))), min_size=1, max_size=25))
def test_requires_never_changes_what_the_builtin_rules_find(parts: list[object]) -> None:
    lines = example_lines()
    text = "\n".join(lines[p % len(lines)] if isinstance(p, int) else str(p) for p in parts)
    with_requires, without = engines()
    chunk = Chunk(text=text, origin=Origin(path="deploy/values.yaml"))
    assert with_requires.scan(chunk) == without.scan(chunk)


def test_a_conditional_keyword_counts_only_with_a_required_literal_on_its_line_or_the_next() -> None:
    pf = Prefilter([["@"]], [["://"]])
    assert pf.keyword_ends(b"mail me at ops@acme.io") == []
    assert pf.keyword_ends(b"url = https://ci:pw@host") == [(20, "@")]
    assert pf.keyword_ends(b"ops@acme.io\nsee https://acme.io") == [(4, "@")]  # the next line
    assert pf.keyword_ends(b"https://acme.io\nops@acme.io") == []  # the line before does not count
    assert pf.keyword_ends(b"ops@acme.io\n\nhttps://acme.io") == []  # two lines on
    occ, _ = pf.occurrences("x\nops@acme.io\n\nurl = HTTPS://u:p@h\n", 48)
    assert occ == {0: [32]}


def test_a_keyword_shared_with_an_unconditional_rule_always_counts() -> None:
    pf = Prefilter([["@"], ["@", "user"]], [["://"], []])
    assert pf.keyword_ends(b"ops@acme.io") == [(4, "@")]
    occ, _ = pf.occurrences("ops@acme.io", 48)
    assert occ == {1: [3]}


def test_requires_in_a_rule_file_is_lower_cased_and_checked() -> None:
    rule = """
[[rules]]
id = "r"
description = "d"
severity = "high"
keywords = ["@"]
requires = ["://", "SCHEME"]
regex = '://[a-z]+:([a-z]+)@'
"""
    assert parse_rules_text(rule, "x.toml")[0].requires == ("://", "scheme")
    with pytest.raises(RuleError, match="requires"):
        parse_rules_text(rule.replace('regex =', 'multiline = true\nregex ='), "x.toml")
    with pytest.raises(RuleError, match="requires"):
        parse_rules_text(rule.replace('["://", "SCHEME"]', '[""]'), "x.toml")


def test_required_literals_are_looked_for_within_reach_on_long_lines() -> None:
    pf = Prefilter([["@"]], [["://"]])
    near = "x" * 10_000 + "https://u:p@h" + "y" * 10_000
    far = "https://" + "x" * (REACH + 100) + "u:p@h"
    assert pf.keyword_ends(near.encode()) == [(10_012, "@")]
    assert pf.keyword_ends(far.encode()) == []
    assert pf.occurrences(near, 48)[0] == {0: [10_011]}
    assert pf.occurrences(far, 48)[0] == {}


def test_ascii_and_non_ascii_text_give_the_same_keyword_offsets() -> None:
    pf = Prefilter([["token"], ["@"]], [[], ["://"]])
    ascii_text = "TOKEN=1\nurl = https://u:p@h\n"
    accented = "ToKeN=1\nurl = https://u:p@h é\n"
    assert pf.occurrences(ascii_text, 48) == ({0: [4], 1: [25]}, True)
    assert pf.occurrences(accented, 48) == ({0: [4], 1: [25]}, True)


def test_offsets_after_multibyte_characters_point_at_the_keyword() -> None:
    # 2-, 3- and 4-byte UTF-8 characters before each keyword: offsets are in characters, not bytes
    pf = Prefilter([["token"], ["secret"]])
    text = "é ü\n€ 中文 token=1\n😀😀 SECRET=2 ø token\n"
    occ, valid = pf.occurrences(text, 48)
    assert valid
    assert [text[e - 4:e + 1] for e in occ[0]] == ["token", "token"]
    assert [text[e - 5:e + 1] for e in occ[1]] == ["SECRET"]


def test_a_non_ascii_keyword_is_still_found_in_non_ascii_text() -> None:
    pf = Prefilter([["contraseña"]])
    text = "ñ\nCONTRASEÑA = x\n"
    occ, valid = pf.occurrences(text, 48)
    assert valid and [text[e - 9:e + 1] for e in occ[0]] == ["CONTRASEÑA"]
