"""A verifier described as data: one authenticated request and a judge for the answer."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.errors import VerifyError
from scanner.verify.base import Credential, Outcome, VerifyContext, invalid, not_checked, unknown, valid
from scanner.verify.http import HttpResponse, is_throttled

Identity = Callable[[HttpResponse, Mapping[str, Any]], Mapping[str, Any]]
Auth = Callable[[Credential], dict[str, str]]


def bearer(c: Credential) -> dict[str, str]:
    return {"Authorization": f"Bearer {c.secret}"}


def header(name: str, prefix: str = "") -> Auth:
    return lambda c: {name: prefix + c.secret}


def basic(user: str | None = None) -> Auth:
    """HTTP Basic with a fixed user name, or (user=None) the pair's key id as the user."""
    def auth(c: Credential) -> dict[str, str]:
        token = base64.b64encode(f"{user if user is not None else c.key_id}:{c.secret}".encode())
        return {"Authorization": f"Basic {token.decode('ascii')}"}
    return auth


def no_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {}


def pick(*names: str) -> Identity:
    """Identity from top-level fields of the JSON answer."""
    return lambda resp, data: {n: data.get(n) for n in names}


@dataclass(frozen=True)
class HttpCheck:
    """`GET|POST base_url + path` with the secret in `auth`'s headers (or in the path, as
    `{secret}`, for the few APIs that want it there).

    2xx with a JSON object -> valid (identity from `identity`); a status in `rejected` ->
    invalid; a status in `accepted` -> valid but limited; anything else -> unknown.
    """

    name: str
    default_url: str
    path: str
    auth: Auth = bearer
    method: str = "GET"
    needs_key_id: bool = False  # the check needs the pair's public half (e.g. Twilio's account SID)
    prefixes: tuple[str, ...] = ()  # only tokens starting with one of these can be checked here
    identity: Identity = no_identity
    rejected: tuple[int, ...] = (401,)
    accepted: tuple[int, ...] = ()
    throttled: Callable[[HttpResponse], bool] = is_throttled
    judge: Callable[[HttpResponse, HttpCheck], Outcome] | None = None  # full override

    def verify(self, credential: Credential, ctx: VerifyContext) -> Outcome:
        if self.needs_key_id and not credential.key_id:
            return not_checked(f"{self.name}: the identifier that goes with this secret was not found near it")
        if self.prefixes and not credential.secret.startswith(self.prefixes):
            return not_checked(f"{self.name}: this kind of token cannot be checked without side effects")
        url = ctx.settings.url_for(self.name, self.default_url) + self.path.replace("{secret}", credential.secret)
        try:
            resp = ctx.http.request(self.name, self.method, url, self.auth(credential),
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
