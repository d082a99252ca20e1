"""Cloud keys whose check cannot be declared: an Azure Storage account key (a Shared Key signed
request; the key never travels) and a Google service-account key (an RS256-signed token request),
each against a local server that does what the provider documents, signatures checked."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from scanner.models import Finding, VerificationStatus
from scanner.verify import verify_findings
from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply
from tests.helpers import by_rule, scan_text
from tests.verify.fakes import settings_for

Factory = Callable[[], FakeHttpServer]
ACCOUNT = "acmeprodlogs"


def checked(findings: list[Finding], urls: dict[str, str]) -> Finding:
    [f] = verify_findings(findings, settings_for(urls))
    assert f.verification is not None
    return f


# ---------------------------------------------------------------- Azure Storage

def azure_signature(key: bytes, req: Recorded) -> str:
    """Shared Key for the Blob service as Microsoft documents it (the string-to-sign of a GET)."""
    parts = urlsplit(req.path)
    ms = sorted((k, v.strip()) for k, v in req.headers.items() if k.startswith("x-ms-"))
    query = parse_qs(parts.query)
    resource = f"/{ACCOUNT}/" + "".join(f"\n{k}:{','.join(sorted(v))}" for k, v in sorted(query.items()))
    text = "GET\n" + "\n" * 11 + "".join(f"{k}:{v}\n" for k, v in ms) + resource
    return base64.b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).decode()


def blob_service(server: FakeHttpServer, key: bytes, containers: int = 2) -> None:
    def answer(req: Recorded) -> Reply:
        auth = req.headers.get("authorization", "")
        if auth != f"SharedKey {ACCOUNT}:{azure_signature(key, req)}" or "x-ms-version" not in req.headers:
            return 403, {"Content-Type": "application/xml"}, (
                b'<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
                b"<Message>Server failed to authenticate the request.</Message></Error>")
        items = "".join(f"<Container><Name>c{i}</Name></Container>" for i in range(containers))
        body = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="x">'
                f"<Containers>{items}</Containers><NextMarker /></EnumerationResults>").encode()
        return 200, {"Content-Type": "application/xml"}, body

    server.route("GET", f"/{ACCOUNT}/", answer)


def connection_string(key: bytes) -> str:
    return (f"AZURE_STORAGE=DefaultEndpointsProtocol=https;AccountName={ACCOUNT};"
            f"AccountKey={base64.b64encode(key).decode()};EndpointSuffix=core.windows.net\n")


def test_a_live_azure_storage_key_signs_a_request_and_lists_containers(fake_http: Factory) -> None:
    key = os.urandom(64)
    server = fake_http()
    blob_service(server, key, containers=3)
    f = checked(by_rule(scan_text(connection_string(key)), "azure-storage-connection-string"),
                {"azure-storage": server.url})
    assert f.verification is not None and f.verification.status is VerificationStatus.VALID
    assert f.verification.identity == {"account": ACCOUNT}
    assert f.verification.access["containers"] == 3 and f.verification.access["account"] == ACCOUNT
    [req] = server.requests
    assert base64.b64encode(key).decode() not in json.dumps(dict(req.headers)) + req.path  # only a signature


def test_a_rotated_azure_key_is_invalid(fake_http: Factory) -> None:
    server = fake_http()
    blob_service(server, os.urandom(64))
    f = checked(by_rule(scan_text(connection_string(os.urandom(64))), "azure-storage-connection-string"),
                {"azure-storage": server.url})
    assert f.verification is not None and f.verification.status is VerificationStatus.INVALID


def test_an_azure_key_found_without_its_account_is_not_sent(fake_http: Factory) -> None:
    server = fake_http()
    key = base64.b64encode(os.urandom(64)).decode()
    f = checked(by_rule(scan_text(f"storage_key = '{key}'\n"), "azure-storage-account-key"),
                {"azure-storage": server.url})
    assert f.verification is not None and f.verification.status is VerificationStatus.NOT_CHECKED
    assert "AccountName" in f.verification.detail and server.requests == []


# ---------------------------------------------------------------- Google service accounts

EMAIL = "etl@billing-prod-4471.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def sa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_json(key: rsa.RSAPrivateKey) -> str:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return json.dumps({"type": "service_account", "project_id": "billing-prod-4471", "private_key_id": "a" * 40,
                       "private_key": pem, "client_email": EMAIL, "client_id": "1" * 21}, indent=2)


def google(server: FakeHttpServer, live: rsa.RSAPrivateKey, roles: Reply | None = None) -> None:
    def token(req: Recorded) -> Reply:
        form = parse_qs(req.body.decode())
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return json_reply(400, {"error": "unsupported_grant_type"})
        head, claims, sig = form["assertion"][0].split(".")
        body = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
        try:
            live.public_key().verify(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)),
                                     f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return json_reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        if body["iss"] != EMAIL or not body["aud"].endswith("/token") or body["exp"] - body["iat"] > 3600:
            return json_reply(400, {"error": "invalid_grant", "error_description": "Invalid JWT: bad claims"})
        return json_reply(200, {"access_token": "ya29.local-token", "expires_in": 3599, "token_type": "Bearer"})

    def policy(req: Recorded) -> Reply:
        if req.headers.get("authorization") != "Bearer ya29.local-token":
            return json_reply(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
        return roles or json_reply(200, {"bindings": [
            {"role": "roles/editor", "members": [f"serviceAccount:{EMAIL}", "user:ana@acme.io"]},
            {"role": "roles/storage.admin", "members": [f"serviceAccount:{EMAIL}"]},
            {"role": "roles/viewer", "members": ["group:ops@acme.io"]}]})

    server.route("POST", "/token", token)
    server.route("POST", "/v1/projects/billing-prod-4471:getIamPolicy", policy)


def test_a_live_service_account_key_gets_a_token_and_its_roles(fake_http: Factory, sa_key: rsa.RSAPrivateKey) -> None:
    server = fake_http()
    google(server, sa_key)
    f = checked(by_rule(scan_text(key_json(sa_key), "deploy/sa.json"), "gcp-service-account-key"),
                {"gcp-oauth": server.url, "gcp-crm": server.url})
    assert f.verification is not None and f.verification.status is VerificationStatus.VALID, f.verification
    assert f.verification.identity == {"client_email": EMAIL, "project": "billing-prod-4471"}
    assert dict(f.verification.access) == {"project": "billing-prod-4471", "service_account": EMAIL,
                                           "roles": ["roles/editor", "roles/storage.admin"], "owner_or_editor": True}
    assert "ya29.local-token" not in json.dumps(f.verification.to_dict())  # the token is used, never kept


def test_a_deleted_service_account_key_is_invalid(fake_http: Factory, sa_key: rsa.RSAPrivateKey) -> None:
    server = fake_http()
    google(server, rsa.generate_private_key(public_exponent=65537, key_size=2048))  # Google knows another key
    f = checked(by_rule(scan_text(key_json(sa_key), "deploy/sa.json"), "gcp-service-account-key"),
                {"gcp-oauth": server.url, "gcp-crm": server.url})
    assert f.verification is not None and f.verification.status is VerificationStatus.INVALID
    assert "Invalid JWT Signature" in f.verification.detail


def test_roles_the_account_may_not_read_are_named(fake_http: Factory, sa_key: rsa.RSAPrivateKey) -> None:
    server = fake_http()
    google(server, sa_key, roles=json_reply(403, {"error": {"code": 403, "status": "PERMISSION_DENIED"}}))
    f = checked(by_rule(scan_text(key_json(sa_key), "deploy/sa.json"), "gcp-service-account-key"),
                {"gcp-oauth": server.url, "gcp-crm": server.url})
    assert f.verification is not None and f.verification.status is VerificationStatus.VALID
    assert f.verification.access["not_read"] == ["getIamPolicy (HTTP 403)"] and "roles" not in f.verification.access


def test_without_cryptography_a_service_account_key_is_not_checked_and_nothing_is_sent(
        fake_http: Factory, sa_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)  # as if not installed
    server = fake_http()
    google(server, sa_key)
    f = checked(by_rule(scan_text(key_json(sa_key), "deploy/sa.json"), "gcp-service-account-key"),
                {"gcp-oauth": server.url, "gcp-crm": server.url})
    assert f.verification is not None and f.verification.status is VerificationStatus.NOT_CHECKED
    assert "keysweep[gcp]" in f.verification.detail and server.requests == []
