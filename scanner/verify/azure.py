"""Azure Storage account keys: a List Containers request signed with the key (Shared Key), sent to
the account's own Blob endpoint. The key itself never travels, only the signature of one request.

The account name comes from the connection string the key was found in (`AccountName=`); a key
found alone is not checked. The request goes to `https://ACCOUNT.blob.core.windows.net` (the
suffix is fixed: content can name an account, never a host; accounts of the sovereign clouds are
not found there and stay `unknown`); a test points it elsewhere only with
KEYSWEEP_AZURE_STORAGE_URL, to which the account is then appended as a path (like Azurite)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import replace
from email.utils import formatdate
from urllib.parse import parse_qsl

from scanner.errors import VerifyError
from scanner.verify.base import Credential, Outcome, VerifyContext, invalid, not_checked, unknown, valid

NAME = "azure-storage"
API_VERSION = "2021-08-06"
_ACCOUNT = re.compile(r"AccountName=([a-z0-9]{3,24})(?:;|$|\s)", re.I)
_LISTED = 100


def string_to_sign(method: str, account: str, path: str, query: str, headers: dict[str, str]) -> str:
    """The Shared Key string for a request without a body (Blob service, version 2015-02-21 and later)."""
    standard = ["Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date",
                "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"]
    lower = {k.lower(): v for k, v in headers.items()}
    lines = [method] + [lower.get(h.lower(), "") for h in standard]
    ms = sorted((k, v.strip()) for k, v in lower.items() if k.startswith("x-ms-"))
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in ms)
    params: dict[str, list[str]] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        params.setdefault(k.lower(), []).append(v)
    resource = f"/{account}{path or '/'}" + "".join(f"\n{k}:{','.join(sorted(v))}" for k, v in sorted(params.items()))
    return "\n".join(lines) + "\n" + canonical_headers + resource


def sign(key: bytes, text: str) -> str:
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode()


class AzureStorage:
    name = NAME

    def verify(self, credential: Credential, ctx: VerifyContext) -> Outcome:
        found = _ACCOUNT.search(credential.context)
        if found is None:
            return not_checked("azure-storage: no account name (AccountName=) found with the key")
        account = found.group(1).lower()
        try:
            key = base64.b64decode(credential.secret, validate=True)
        except (binascii.Error, ValueError):
            return not_checked("azure-storage: the key is not base64")
        override = ctx.settings.urls.get("azure_storage")
        base = f"{override.rstrip('/')}/{account}" if override else f"https://{account}.blob.core.windows.net"
        query = f"comp=list&maxresults={_LISTED}"
        headers = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": API_VERSION}
        signature = sign(key, string_to_sign("GET", account, "/", query, headers))
        headers["Authorization"] = f"SharedKey {account}:{signature}"
        try:
            resp = ctx.http.request(NAME, "GET", f"{base}/?{query}", headers)
        except VerifyError as e:
            return unknown(f"azure-storage: {e}")
        text = resp.body.decode("utf-8", "replace")
        if resp.status == 403 and "AuthenticationFailed" in text:
            return invalid(f"azure-storage: account {account} rejected the key (AuthenticationFailed)",
                           account=account)
        if resp.status == 403 and "AuthorizationFailure" in text:
            return valid(f"azure-storage: account {account} knows the key; a network rule blocks this client",
                         account=account)
        if resp.status == 200 and "<EnumerationResults" in text:
            containers = text.count("<Container>")
            more = bool(re.search(r"<NextMarker>[^<]+</NextMarker>", text))
            return replace(valid(f"azure-storage: account {account} accepted the key", account=account), access={
                "account": account, "containers": f"{containers}+" if more else containers,
                "key_grants": "full control of the account's data (account keys are not scoped)"})
        return unknown(f"azure-storage: unexpected answer (HTTP {resp.status})", account=account)


AZURE_STORAGE = AzureStorage()
