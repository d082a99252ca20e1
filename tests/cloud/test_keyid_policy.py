"""Offline facts from key ids, and the over-privilege judge (pure)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from moto.iam.utils import generate_access_key_id_from_account_id

from scanner.cloud.keyid import account_id_from_key_id, is_access_key_id, is_temporary
from scanner.cloud.policy import risky_grants


@pytest.mark.parametrize("account", ["123456789012", "000000000001", "111111111111", "999999999998",
                                     "999999999999", "029608264753"])
@pytest.mark.parametrize("prefix", ["AKIA", "ASIA"])
def test_account_id_round_trips(account: str, prefix: str) -> None:
    key_id = generate_access_key_id_from_account_id(account, prefix=prefix)
    assert account_id_from_key_id(key_id) == account


def test_published_example() -> None:
    assert account_id_from_key_id("ASIAQNZGKIQY56JQ7WML") == "029608264753"


@pytest.mark.parametrize("text", ["AKIAIOSFODNN7EXAMPLE", "AKIA123", "hello", "AKIAZ4R7QW2LMNPX5HTB0"])
def test_no_account_for_old_or_malformed_ids(text: str) -> None:
    assert account_id_from_key_id(text) is None


def test_kinds() -> None:
    assert is_access_key_id("AKIAZ4R7QW2LMNPX5HTB") and not is_temporary("AKIAZ4R7QW2LMNPX5HTB")
    assert is_temporary("ASIAQNZGKIQY56JQ7WML")
    assert not is_access_key_id("ghp_abc")


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(("name", "document", "expected"), [
    ("AdministratorAccess", None, "AdministratorAccess attached"),
    ("IAMFullAccess", None, "IAMFullAccess attached"),
    ("all", doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), "allows * on *"),
    ("iam-star", doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}), "iam:CreateAccessKey"),
    ("pass", doc({"Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"], "Resource": ["*"]}),
     "iam:PassRole"),
    ("attach", doc({"Effect": "Allow", "Action": "iam:Attach*Policy", "Resource": "*"}), "iam:AttachUserPolicy"),
    ("put", doc({"Effect": "Allow", "Action": "IAM:PutUserPolicy", "Resource": "*"}), "iam:PutUserPolicy"),
    ("power", doc({"Effect": "Allow", "NotAction": ["organizations:*"], "Resource": "*"}), "NotAction"),
    ("encoded", quote(json.dumps(doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))), "allows * on *"),
])
def test_over_privileged(name: str, document: object, expected: str) -> None:
    reasons = risky_grants(name, document)
    assert any(expected in r for r in reasons), reasons


@pytest.mark.parametrize("document", [
    doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/app"}),
    doc({"Effect": "Deny", "Action": "*", "Resource": "*"}),
    doc({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}),
    "not json", None, {"Statement": "nonsense"},
])
def test_not_over_privileged(document: object) -> None:
    assert risky_grants("policy", document) == []
