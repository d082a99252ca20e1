"""GitHub (and GitHub Enterprise via KEYSWEEP_GITHUB_URL=https://HOST/api/v3): `GET /user`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.verify.http import HttpResponse
from scanner.verify.httpcheck import HttpCheck


def _throttled(resp: HttpResponse) -> bool:
    # GitHub answers 403 (or 429) with X-RateLimit-Remaining: 0 when the rate limit is spent
    return resp.status == 429 or (resp.status == 403 and resp.headers.get("x-ratelimit-remaining") == "0")


def _identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    scopes = resp.headers.get("x-oauth-scopes")
    return {
        "login": data.get("login"),
        "id": data.get("id"),
        "type": data.get("type"),
        "scopes": [s.strip() for s in scopes.split(",") if s.strip()] if scopes is not None else None,
    }


GITHUB = HttpCheck(
    name="github",
    default_url="https://api.github.com",
    path="/user",
    auth=lambda c: {"Authorization": f"token {c.secret}", "Accept": "application/vnd.github+json"},
    identity=_identity,
    throttled=_throttled,
)
