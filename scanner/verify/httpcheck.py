"""A verifier described as data: one authenticated request and a judge for the answer."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.errors import VerifyError
from scanner.verify.base import Credential, Outcome, VerifyContext, invalid, unknown, valid
from scanner.verify.http import HttpResponse, is_throttled

Identity = Callable[[HttpResponse, Mapping[str, Any]], Mapping[str, Any]]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def header(name: str) -> Callable[[str], dict[str, str]]:
    return lambda secret: {name: secret}


def basic(user: str) -> Callable[[str], dict[str, str]]:
    def auth(secret: str) -> dict[str, str]:
        token = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}
    return auth


def no_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {}


def pick(*names: str) -> Identity:
    """Identity from top-level fields of the JSON answer."""
    return lambda resp, data: {n: data.get(n) for n in names}


@dataclass(frozen=True)
class HttpCheck:
    """`GET|POST base_url + path` with the secret in `auth`'s headers.

    2xx with a JSON object -> valid (identity from `identity`); a status in `rejected` ->
    invalid; a status in `accepted` -> valid but limited; anything else -> unknown.
    """

    name: str
    default_url: str
    path: str
    auth: Callable[[str], dict[str, str]] = bearer
    method: str = "GET"
    identity: Identity = no_identity
    rejected: tuple[int, ...] = (401,)
    accepted: tuple[int, ...] = ()
    throttled: Callable[[HttpResponse], bool] = is_throttled
    judge: Callable[[HttpResponse, HttpCheck], Outcome] | None = None  # full override

    def verify(self, credential: Credential, ctx: VerifyContext) -> Outcome:
        url = ctx.settings.url_for(self.name, self.default_url) + self.path
        try:
            resp = ctx.http.request(self.name, self.method, url, self.auth(credential.secret),
                                    body=b"" if self.method == "POST" else None, throttled=self.throttled)
        except VerifyError as e:
            return unknown(f"{self.name}: {e}")
        return (self.judge or standard_judge)(resp, self)


def standard_judge(resp: HttpResponse, check: HttpCheck) -> Outcome:
    if check.throttled(resp):
        return unknown(f"{check.name}: still rate limited after retries")
    if 200 <= resp.status < 300:
        data = resp.json()
        if not isinstance(data, Mapping):
            return unknown(f"{check.name}: unexpected answer (HTTP {resp.status}, not a JSON object)")
        return valid(f"{check.name} accepted the credential", **check.identity(resp, data))
    if resp.status in check.rejected:
        return invalid(f"{check.name} rejected the credential (HTTP {resp.status})")
    if resp.status in check.accepted:
        return valid(f"{check.name} knows the credential but it lacks permission for this check "
                     f"(HTTP {resp.status})")
    return unknown(f"{check.name}: unexpected answer (HTTP {resp.status})")
