"""Which attribute names are credentials."""

from __future__ import annotations

import pytest

from scanner.iac.names import Sensitivity, can_be_secret, classify, provider_credential

S, N, X = Sensitivity.SENSITIVE, Sensitivity.NEUTRAL, Sensitivity.EXCLUDED


@pytest.mark.parametrize(("name", "expected"), [
    ("password", S), ("db_password", S), ("masterPassword", S), ("secret_key", S), ("access_key", S),
    ("api_token", S), ("client_secret", S), ("private_key_pem", S), ("sas_token", S), ("conn_str", S),
    ("credentials", S), ("basic_auth", S), ("X-Api-Key", S), ("Authorization", S), ("secret_string", S),
    ("value", N), ("data", N), ("key", N), ("result", N), ("bucket", N),
    ("secret_name", X), ("secret_arn", X), ("kms_key_id", X), ("access_key_id", X), ("token_ttl", X),
    ("password_length", X), ("min_password_length", X), ("public_key", X), ("encrypted_secret", X),
    ("password_file", X), ("auth_type", X), ("skip_credentials_validation", X), ("webhook_url", X),
])
def test_classify(name: str, expected: Sensitivity) -> None:
    assert classify(name) is expected


def test_provider_specific_names() -> None:
    assert provider_credential("grafana", "auth")
    assert provider_credential("nomad", "secret_id")
    assert not provider_credential("aws", "region")
    assert not provider_credential("aws", "profile")


@pytest.mark.parametrize(("value", "ok"), [
    ("Tr0ub4dor&3xK9q", True), ("short", False), ("/run/secrets/db", False), ("creds/sa.json", False),
    ("arn:aws:iam::123456789012:user/x", False), ("two words here", False), ("https://vault.acme.io", False),
])
def test_can_be_secret(value: str, ok: bool) -> None:
    assert can_be_secret(value, multiline=False) is ok
