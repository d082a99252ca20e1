"""Google Cloud service-account keys: the key signs a token request (a JWT, RS256) to Google's OAuth
endpoint, as the Google client libraries do; an access token back means the key is live. With it,
the project's IAM policy is read (when the account may) for the roles granted to the account.

The client e-mail and project come from the key's JSON (the finding's match). RS256 needs the
`cryptography` package (`pip install 'keysweep[gcp]'`); without it the key is `not_checked`.
Tests point the two hosts elsewhere with KEYSWEEP_GCP_OAUTH_URL and KEYSWEEP_GCP_CRM_URL."""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from scanner.errors import VerifyError
from scanner.verify.base import Credential, Outcome, VerifyContext, invalid, not_checked, unknown, valid

NAME = "gcp-service-account"
OAUTH = "https://oauth2.googleapis.com"
CRM = "https://cloudresourcemanager.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/cloud-platform.read-only"
_EMAIL = re.compile(r'"client_email"\s*:\s*"([^"\s]{3,320})"')
_PROJECT = re.compile(r'"project_id"\s*:\s*"([a-z][a-z0-9-]{4,61}[a-z0-9])"')
_REJECTED = ("Invalid JWT Signature", "account not found", "disabled")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assertion(pem: str, email: str, audience: str, now: float) -> str | None:
    """The signed JWT, or None when `cryptography` is not installed."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        return None
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = _b64(json.dumps({"iss": email, "scope": SCOPE, "aud": audience, "iat": int(now),
                              "exp": int(now) + 600}).encode())
    signed = f"{header}.{claims}".encode()
    return f"{header}.{claims}.{_b64(key.sign(signed, padding.PKCS1v15(), hashes.SHA256()))}"


class GcpServiceAccount:
    name = NAME

    def verify(self, credential: Credential, ctx: VerifyContext) -> Outcome:
        email_m = _EMAIL.search(credential.context)
        if email_m is None:
            return not_checked("gcp: the key's client_email was not found with it")
        email = email_m.group(1)
        project_m = _PROJECT.search(credential.context)
        project = project_m.group(1) if project_m else None
        pem = credential.secret.replace("\\n", "\n")
        oauth = ctx.settings.url_for("gcp-oauth", OAUTH)
        try:
            jwt = assertion(pem, email, f"{OAUTH}/token", time.time())
        except (ValueError, TypeError):
            return not_checked("gcp: the private key could not be read")
        if jwt is None:
            return not_checked("gcp: checking service-account keys needs the 'cryptography' package "
                               "(pip install 'keysweep[gcp]')")
        body = f"grant_type={quote('urn:ietf:params:oauth:grant-type:jwt-bearer', safe='')}&assertion={jwt}"
        try:
            resp = ctx.http.request("gcp-oauth", "POST", f"{oauth}/token",
                                    {"Content-Type": "application/x-www-form-urlencoded"}, body=body.encode())
        except VerifyError as e:
            return unknown(f"gcp: {e}", client_email=email, project=project)
        data = resp.json()
        if resp.status == 200 and isinstance(data, dict) and data.get("access_token"):
            return replace(valid("gcp: Google issued a token for the key", client_email=email, project=project),
                           access=self._reach(str(data["access_token"]), email, project, ctx))
        why = str(data.get("error_description", "")) if isinstance(data, dict) else ""
        if resp.status in (400, 401) and isinstance(data, dict) and data.get("error") == "invalid_grant" and any(
                r in why for r in _REJECTED):
            return invalid(f"gcp: Google rejected the key ({why})", client_email=email, project=project)
        return unknown(f"gcp: unexpected answer (HTTP {resp.status})", client_email=email, project=project)

    def _reach(self, token: str, email: str, project: str | None, ctx: VerifyContext) -> dict[str, Any]:
        out: dict[str, Any] = {"project": project, "service_account": email}
        if not project:
            return {k: v for k, v in out.items() if v}
        crm = ctx.settings.url_for("gcp-crm", CRM)
        try:
            resp = ctx.http.request("gcp-crm", "POST", f"{crm}/v1/projects/{quote(project, safe='')}:getIamPolicy",
                                    {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                    body=b"{}")
        except VerifyError as e:
            out["not_read"] = [f"getIamPolicy ({e})"]
            return out
        policy = resp.json()
        if resp.status != 200 or not isinstance(policy, dict):
            out["not_read"] = [f"getIamPolicy (HTTP {resp.status})"]
            return out
        member = f"serviceAccount:{email}"
        roles = sorted({str(b.get("role")) for b in policy.get("bindings", []) if isinstance(b, dict)
                        and member in (b.get("members") or [])})
        out["roles"] = roles
        out["owner_or_editor"] = bool({"roles/owner", "roles/editor"} & set(roles))
        return out


GCP_SERVICE_ACCOUNT = GcpServiceAccount()
