"""The Terraform prefilter's automaton-led search finds what its regex finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.iac.prefilter import _BLOCK_LITERAL, _KEYWORD_ASSIGN, has_block_literal, keyword_assigns, triggers

pieces = st.sampled_from(["secret", "SeCrEt", "passw", "pwd", "passphrase", "token", "credential", "creds",
                          "KEY", "key", "monkey", "auth", "sas", "psk", "pat", "path", "conn_str", "_", ".",
                          "-", "x", "9", " ", "\t", "\n", "=", "==", "=>", ":", '"', "'", "é", "K"])


@settings(max_examples=500, deadline=None)
@given(st.lists(pieces, max_size=40).map("".join))
def test_keyword_assigns_are_the_regex_matches(text: str) -> None:
    assert list(keyword_assigns(text)) == [m.span() for m in _KEYWORD_ASSIGN.finditer(text)]


def test_credential_assignments_still_trigger() -> None:
    text = 'resource "x" "y" {\n  db_password = "hunter2-but-longer"\n  api_key: "Q7xP2mK9vL4nR8sT"\n}\n'
    assert triggers(text) == [text.index("db_password"), text.index("api_key")]
    assert triggers('  kms_key_id = aws_kms_key.main.arn\n') == []  # no literal


block_pieces = st.sampled_from(["default", "DEFAULT", "Value", "value", "x", " ", "\t", "\n", "\r", "=", '"',
                                '"$', "<<", "{", "[", "$", "é", "\x1c", "variable", "#"])


@settings(max_examples=500, deadline=None)
@given(st.lists(block_pieces, max_size=40).map("".join))
def test_has_block_literal_is_the_regex_search(text: str) -> None:
    assert has_block_literal(text) == (_BLOCK_LITERAL.search(text) is not None)
