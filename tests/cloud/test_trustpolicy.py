"""Who may assume a role, from its trust policy, with plain documents."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.cloud.trustpolicy import trusts

OURS = frozenset({"123456789012"})
GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def doc(principal: Any, condition: dict[str, Any] | None = None,
        action: str = "sts:AssumeRole") -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        st["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [st]}


def problems(document: Any, own: frozenset[str] = OURS) -> list[str | None]:
    return [t.problem for t in trusts(document, own)]


def test_another_account_without_an_external_id_is_a_confused_deputy_risk() -> None:
    [t] = trusts(doc({"AWS": "arn:aws:iam::999999999999:root"}), OURS)
    assert (t.kind, t.account, t.problem) == ("aws", "999999999999", "third-party-trust-without-external-id")
    assert "999999999999" in t.reason


@pytest.mark.parametrize("principal", ["999999999999", "arn:aws:iam::999999999999:role/vendor-scanner"])
def test_an_external_id_condition_makes_a_vendor_trust_acceptable(principal: str) -> None:
    cond = {"StringEquals": {"sts:ExternalId": "7f1c0d5e-vendor"}}
    assert problems(doc({"AWS": principal}, cond)) == [None]
    assert problems(doc({"AWS": principal})) == ["third-party-trust-without-external-id"]


def test_own_and_explicitly_trusted_accounts_are_not_third_parties() -> None:
    assert problems(doc({"AWS": "arn:aws:iam::123456789012:root"})) == [None]
    assert problems(doc({"AWS": "arn:aws:iam::555555555555:root"}), OURS | {"555555555555"}) == [None]


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::123456789012:root", "*"]}])
def test_a_wildcard_principal_without_a_condition_is_open_to_anyone(principal: Any) -> None:
    assert "wildcard-trust" in problems(doc(principal))


def test_a_wildcard_narrowed_to_the_organisation_is_not_flagged() -> None:
    cond = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    assert problems(doc({"AWS": "*"}, cond)) == [None]


@pytest.mark.parametrize(("condition", "flagged"), [
    (None, True),
    ({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}, True),
    ({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}, True),
    ({"StringLike": {"token.actions.githubusercontent.com:sub": "*"}}, True),
    ({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}, True),
    ({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}, False),
    ({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod"}}, False),
    ({"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:acme/app:ref:refs/heads/main",
                                                                "repo:acme/app:environment:prod"]}}, False),
])
def test_github_actions_trust_must_pin_the_repository_and_ref(condition: dict[str, Any] | None,
                                                              flagged: bool) -> None:
    found = trusts(doc({"Federated": GITHUB}, condition, "sts:AssumeRoleWithWebIdentity"), OURS)
    [t] = found
    assert t.kind == "oidc"
    assert (t.problem == "oidc-subject-unrestricted") is flagged, t


def test_service_and_saml_principals_and_denies_are_not_flags() -> None:
    document = {"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/okta"},
         "Action": "sts:AssumeRoleWithSAML"},
        {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
    ]}
    found = trusts(document, OURS)
    assert [(t.kind, t.problem) for t in found] == [("service", None), ("saml", None)]


def test_url_encoded_documents_parse_and_garbage_gives_no_trust() -> None:
    from urllib.parse import quote

    encoded = quote(json.dumps(doc({"AWS": "arn:aws:iam::999999999999:root"})))
    assert problems(encoded) == ["third-party-trust-without-external-id"]
    assert trusts("{not json", OURS) == () and trusts(None, OURS) == ()
