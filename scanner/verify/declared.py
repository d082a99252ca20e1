"""Running a declared verifier: build its one request from the templates, send it to the
declaration's own host (or the override the user set for that name), judge the answer."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from scanner.errors import VerifyError
from scanner.verify.base import Credential, Outcome, VerifyContext, invalid, not_checked, unknown, valid
from scanner.verify.declaration import Declaration, Match
from scanner.verify.http import HttpResponse

_MISSING = object()


@dataclass(frozen=True)
class DeclaredCheck:
    decl: Declaration

    @property
    def name(self) -> str:
        return self.decl.name

    def verify(self, credential: Credential, ctx: VerifyContext) -> Outcome:
        d = self.decl
        if d.needs_key_id and not credential.key_id:
            return not_checked(f"{d.name}: the identifier that goes with this secret was not found near it")
        if d.prefixes and not credential.secret.startswith(d.prefixes):
            return not_checked(f"{d.name}: this kind of token cannot be checked without side effects")
        try:
            resp = send(d, d.method, d.path, d.headers, d.body, credential, ctx, d.basic)
        except VerifyError as e:
            return unknown(f"{d.name}: {e}")
        return judge(d, resp)


def send(d: Declaration, method: str, path: str, header_templates: tuple[tuple[str, str], ...], body: str,
         credential: Credential, ctx: VerifyContext, basic: tuple[str, str] | None = None) -> HttpResponse:
    """One request of declaration `d`, to its own base (or the user's override for its name)."""
    values = {"secret": credential.secret, "key_id": credential.key_id or ""}
    url = ctx.settings.url_for(d.name, d.base) + fill(path, values, quoted=True)
    headers = {k: fill(v, values) for k, v in header_templates}
    if basic is not None:
        pair = f"{fill(basic[0], values)}:{fill(basic[1], values)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    data = fill(body, values).encode() if method == "POST" else None
    return ctx.http.request(d.name, method, url, headers, body=data,
                            throttled=lambda r: any(matches(m, r) for m in d.throttled))


def fill(template: str, values: Mapping[str, str], quoted: bool = False) -> str:
    out = template
    for k, v in values.items():
        out = out.replace("{" + k + "}", quote(v, safe="") if quoted else v)
    return out


def judge(d: Declaration, resp: HttpResponse) -> Outcome:
    if any(matches(m, resp) for m in d.throttled):
        return unknown(f"{d.name}: still rate limited after retries")
    if any(matches(m, resp) for m in d.invalid):
        return invalid(f"{d.name} rejected the credential (HTTP {resp.status})")
    if any(matches(m, resp) for m in d.limited):
        return valid(f"{d.name} knows the credential but it lacks permission for this check (HTTP {resp.status})")
    if any(matches(m, resp) for m in d.valid):
        data = resp.json()
        if not isinstance(data, Mapping):
            return unknown(f"{d.name}: unexpected answer (HTTP {resp.status}, not a JSON object)")
        return valid(f"{d.name} accepted the credential", **identity(d, resp, data))
    return unknown(f"{d.name}: unexpected answer (HTTP {resp.status})")


def matches(m: Match, resp: HttpResponse) -> bool:
    if m.status and resp.status not in m.status:
        return False
    for name, want in m.header:
        if resp.headers.get(name) != want:
            return False
    if m.json:
        data = resp.json()
        for path, wanted in m.json:
            got = lookup(data, path)
            # bool is an int in Python: True must not equal 1 here
            if got is _MISSING or not any(type(got) is type(w) and got == w for w in wanted):
                return False
    return True


def lookup(data: Any, path: str) -> Any:
    cur = data
    for part in path.split("."):
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return _MISSING
    return cur


def identity(d: Declaration, resp: HttpResponse, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, where, what in d.identity:
        if where == "json":
            got = lookup(data, what)
            value = None if got is _MISSING or isinstance(got, Mapping) else got
        elif where == "header":
            value = resp.headers.get(what)
        else:
            raw = resp.headers.get(what)
            value = [s.strip() for s in raw.split(",") if s.strip()] if raw is not None else None
        if value is not None:
            out[field] = value
    return out
