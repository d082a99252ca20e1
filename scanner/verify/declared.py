"""Running a declared verifier: build its one request from the templates, send it to the
declaration's own host (or the override the user set for that name), judge the answer."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from scanner.errors import VerifyError
from scanner.models import VerificationStatus
from scanner.verify.base import Credential, Outcome, VerifyContext, invalid, not_checked, unknown, valid
from scanner.verify.declaration import Declaration, Extract, Match
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
        outcome = judge(d, resp)
        if outcome.status is VerificationStatus.VALID and (d.access or d.probes):
            outcome = replace(outcome, access=reach(d, resp, credential, ctx))
        return outcome


def reach(d: Declaration, resp: HttpResponse, credential: Credential, ctx: VerifyContext) -> dict[str, Any]:
    """The blast radius: `access` read from the check's answer, then from each probe's (a probe that
    fails is named under `not_read`, never guessed)."""
    out = extract_all(d.access, resp)
    missed = []
    for p in d.probes:
        try:
            got = send(d, "GET", p.path, d.headers if p.headers is None else p.headers, "", credential, ctx,
                       d.basic if p.headers is None else None)
        except VerifyError as e:
            missed.append(f"{p.path} ({e})")
            continue
        if not 200 <= got.status < 300 or got.json() is None:
            missed.append(f"{p.path} (HTTP {got.status})")
            continue
        out.update(extract_all(p.access, got))
    if missed:
        out["not_read"] = missed
    return out


def extract_all(extracts: tuple[Extract, ...], resp: HttpResponse) -> dict[str, Any]:
    data = resp.json()
    out = {}
    for e in extracts:
        value = extract(e, resp, data)
        if value is not None:
            out[e.field] = value
    return out


def extract(e: Extract, resp: HttpResponse, data: Any) -> Any:
    if e.kind == "header":
        return resp.headers.get(e.what)
    if e.kind == "header-list":
        raw = resp.headers.get(e.what)
        return [s.strip() for s in raw.split(",") if s.strip()] if raw is not None else None
    if e.kind == "json":
        got = lookup(data, e.what)
        return None if got is _MISSING or isinstance(got, Mapping) else got
    path, _, spec = e.what.rpartition("|")
    items = lookup(data, path) if path else data
    if not isinstance(items, list):
        return None
    if e.kind == "count":
        more = 'rel="next"' in resp.headers.get("link", "")
        return f"{len(items)}+" if more else len(items)
    if e.kind == "each":
        return [i[spec] for i in items if isinstance(i, Mapping) and isinstance(i.get(spec), str | int | float)]
    name, _, raw = spec.partition("=")
    try:
        wanted = json.loads(raw)
    except ValueError:
        wanted = raw
    return any(isinstance(i, Mapping) and type(i.get(name)) is type(wanted) and i.get(name) == wanted
               for i in items)


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
    if resp.status == 403 and _is_page(resp):
        return unknown(f"{d.name}: a web page instead of the API's answer (HTTP 403: a firewall or proxy?)")
    if any(matches(m, resp) for m in d.invalid):
        return invalid(f"{d.name} rejected the credential (HTTP {resp.status})")
    if any(matches(m, resp) for m in d.limited):
        return valid(f"{d.name} knows the credential but it lacks permission for this check (HTTP {resp.status})")
    if any(matches(m, resp) for m in d.valid):
        data = resp.json()
        if not isinstance(data, Mapping | list):
            return unknown(f"{d.name}: unexpected answer (HTTP {resp.status}, not JSON)")
        return valid(f"{d.name} accepted the credential", **identity(d, resp, data))
    return unknown(f"{d.name}: unexpected answer (HTTP {resp.status})")


def _is_page(resp: HttpResponse) -> bool:
    """An HTML page (a web firewall's, a proxy's) rather than the provider's API answering."""
    kind = resp.headers.get("content-type", "").lower()
    return "html" in kind or resp.body.lstrip()[:1] == b"<"


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


def identity(d: Declaration, resp: HttpResponse, data: Any) -> dict[str, Any]:
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
