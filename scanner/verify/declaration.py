"""Verifiers declared as data: a `[[verifiers]]` table in a rules file (or a rule's own `verify`
table) says where the check goes, how the secret travels and how to read the answer. This module
only parses and validates declarations (it is imported when rules load, so it stays light);
`declared.py` runs them.

    [[verifiers]]
    name = 'sendgrid'
    references = ['https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions']
    base = 'https://api.sendgrid.com'          # the only place the secret is ever sent
    path = '/v3/scopes'                        # may hold {secret} and {key_id} (URL-quoted)
    method = 'GET'                             # GET, POST or HEAD; POST sends `body` (default empty)
    headers = { Authorization = 'Bearer {secret}' }
    basic = ['api', '{secret}']                # HTTP Basic user and password (instead of a header)
    prefixes = ['dop_v1_']                     # only secrets starting so can be checked without side effects
    invalid = [{ status = [401, 403] }, { status = [200], json = { revoked = true } }]
    limited = [{ status = [403] }]             # known to the provider, lacking permission for this check
    valid = [{ status = [200], json = { ok = true } }]      # default: any 2xx
    throttled = [{ status = [429] }]           # retried with back-off, then `unknown`
    identity = { login = 'json:login', scopes = 'header-list:x-oauth-scopes' }
    rate = 1.0                                 # the provider's documented requests a second (optional)
    revoke = { method = 'DELETE', path = '/v1/tokens/self', headers = { Authorization = 'Bearer {secret}' },
               done = [{ status = [204] }], gone = [{ status = [401] }] }   # where the provider has an API

Answers are judged in this order: throttled, invalid, limited, valid; anything else is `unknown`.
A `valid` answer must also be JSON (an object or an array), so an HTML error page or a firewall's page is never
taken for a live key. The host comes only from `base`: templates may not touch the scheme or host,
and a test points a declaration elsewhere only through KEYSWEEP_<NAME>_URL or the user's
`[verify.urls]` (see settings.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scanner.errors import RuleError

_FIELDS = {"name", "references", "base", "path", "method", "headers", "basic", "body", "prefixes", "invalid",
           "limited", "valid", "throttled", "identity", "description", "rate", "revoke", "access", "probes"}
_PROBE_FIELDS = {"path", "access", "headers"}
_ACCESS = re.compile(r"(json|header|header-list|each|count|any):(.*)")
_REVOKE_FIELDS = {"method", "path", "headers", "body", "done", "gone", "references"}
_REVOKE_METHODS = ("POST", "DELETE")
_MATCH_FIELDS = {"status", "json", "header"}
_METHODS = ("GET", "POST", "HEAD")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # {name}; other braces (JSON, GraphQL) are text
_PLACEHOLDERS = {"secret", "key_id"}
_IDENTITY = re.compile(r"(json|header|header-list):(.+)")
_HEADER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
Scalar = str | int | float | bool


@dataclass(frozen=True)
class Match:
    """One way an answer can look: a status among `status` (empty: any), JSON fields equal to one
    of their values (a dotted path), headers equal to a value (names lower-case)."""

    status: tuple[int, ...] = ()
    json: tuple[tuple[str, tuple[Scalar, ...]], ...] = ()
    header: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Extract:
    """One `access` field: `json:PATH`, `header:NAME`, `header-list:NAME` (comma-separated), or over
    a JSON array at the answer's root (or at `PATH` before a '|'): `each:FIELD` (the items' FIELD),
    `count:` (how many items), `any:FIELD=VALUE` (whether an item has FIELD equal to VALUE)."""

    field: str
    kind: str
    what: str


@dataclass(frozen=True)
class Probe:
    """A further GET, sent with the check's headers (or its own), only after a valid answer."""

    path: str
    access: tuple[Extract, ...]
    headers: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class Revoke:
    """How the provider is told to kill a secret: one request to the declaration's own `base`.
    `done`: the provider revoked it (default any 2xx); `gone`: it was not valid any more."""

    path: str
    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    done: tuple[Match, ...] = (Match(status=tuple(range(200, 300))),)
    gone: tuple[Match, ...] = (Match(status=(401,)),)
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Declaration:
    name: str
    base: str
    path: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    basic: tuple[str, str] | None = None
    body: str = ""
    prefixes: tuple[str, ...] = ()
    invalid: tuple[Match, ...] = (Match(status=(401,)),)
    limited: tuple[Match, ...] = ()
    valid: tuple[Match, ...] = (Match(status=tuple(range(200, 300))),)
    throttled: tuple[Match, ...] = (Match(status=(429,)),)
    identity: tuple[tuple[str, str, str], ...] = ()  # (field, where: json|header|header-list, path or name)
    rate: float | None = None  # requests a second the provider allows one client (its documented limit)
    revoke: Revoke | None = None
    access: tuple[Extract, ...] = ()  # what a live secret can reach, from the check's own answer
    probes: tuple[Probe, ...] = ()  # more GETs to the same host after a valid answer, for `access`
    references: tuple[str, ...] = ()
    source: str = "builtin"

    @property
    def needs_key_id(self) -> bool:
        """The check needs the pair's public half (e.g. Twilio's account SID next to its auth token)."""
        texts = [self.path, self.body, *(v for _, v in self.headers), *(self.basic or ())]
        return any("{key_id}" in t for t in texts)


def parse_declaration(item: Any, source: str, rid: str | None = None) -> Declaration:
    """A declaration from its TOML table; RuleError naming the field for anything wrong."""
    where = rid or (item.get("name") if isinstance(item, Mapping) else None)
    if not isinstance(item, Mapping):
        raise RuleError(source, rid, "verifiers", "a verifier declaration must be a table")

    def fail(field: str, msg: str) -> RuleError:
        return RuleError(source, where if isinstance(where, str) else None, f"verify.{field}", msg)

    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        raise fail(unknown[0], f"unknown field (known: {', '.join(sorted(_FIELDS))})")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail("name", "required: lower-case letters, digits and '-'")
    base = _base(item.get("base"), fail)
    path = _text(item, "path", fail, required=True)
    if not path.startswith("/"):
        raise fail("path", "must start with '/' (the host comes only from `base`)")
    method = _text(item, "method", fail) or "GET"
    if method not in _METHODS:
        raise fail("method", f"must be one of {', '.join(_METHODS)}")
    headers = _headers(item.get("headers", {}), fail)
    basic = item.get("basic")
    if basic is not None:
        if not (isinstance(basic, list) and len(basic) == 2 and all(isinstance(b, str) for b in basic)):
            raise fail("basic", "must be [user, password] (templates)")
        for b in basic:
            _check_template(b, "basic", fail)
        basic = (basic[0], basic[1])
    body = _text(item, "body", fail)
    if body and method != "POST":
        raise fail("body", "only a POST sends a body")
    for field, text in [("path", path), ("body", body), *(("headers", v) for _, v in headers)]:
        _check_template(text, field, fail)
    if not any("{secret}" in t for t in [path, body, *(v for _, v in headers), *(basic or ())]):
        raise fail("headers", "the secret ({secret}) is not sent anywhere: in a header, basic, the path or body")
    prefixes = item.get("prefixes", [])
    if not (isinstance(prefixes, list) and all(isinstance(p, str) and p for p in prefixes)):
        raise fail("prefixes", "must be a list of non-empty strings")
    rate = item.get("rate")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0):
        raise fail("rate", "must be a positive number of requests a second")
    defaults = Declaration(name=name, base=base, path=path)
    return Declaration(
        name=name, base=base, path=path, method=method, headers=headers, basic=basic, body=body,
        prefixes=tuple(prefixes),
        invalid=_matches(item, "invalid", fail, defaults.invalid),
        limited=_matches(item, "limited", fail, defaults.limited),
        valid=_matches(item, "valid", fail, defaults.valid),
        throttled=_matches(item, "throttled", fail, defaults.throttled),
        identity=_identity(item.get("identity", {}), fail),
        rate=None if rate is None else float(rate),
        revoke=None if item.get("revoke") is None else _revoke(item["revoke"], fail),
        access=_access(item.get("access", {}), "access", fail),
        probes=_probes(item.get("probes", []), fail),
        references=tuple(_strings(item, "references", fail)),
        source=source,
    )


def _revoke(raw: Any, fail: Any) -> Revoke:
    def sub(field: str, msg: str) -> RuleError:
        return fail(f"revoke.{field}", msg)

    if not isinstance(raw, Mapping):
        raise sub("method", "revoke must be a table (method, path, headers, body, done, gone)")
    unknown = sorted(set(raw) - _REVOKE_FIELDS)
    if unknown:
        raise sub(unknown[0], f"unknown field (known: {', '.join(sorted(_REVOKE_FIELDS))})")
    path = _text(raw, "path", sub, required=True)
    if not path.startswith("/"):
        raise sub("path", "must start with '/' (the host comes only from `base`)")
    method = _text(raw, "method", sub) or "POST"
    if method not in _REVOKE_METHODS:
        raise sub("method", f"must be one of {', '.join(_REVOKE_METHODS)}")
    headers = _headers(raw.get("headers", {}), sub)
    body = _text(raw, "body", sub)
    for field, text in [("path", path), ("body", body), *(("headers", v) for _, v in headers)]:
        _check_template(text, field, sub)
    if not any("{secret}" in t for t in [path, body, *(v for _, v in headers)]):
        raise sub("headers", "the secret ({secret}) is not sent anywhere: the provider cannot know what to revoke")
    defaults = Revoke(path=path)
    return Revoke(path=path, method=method, headers=headers, body=body,
                  done=_matches(raw, "done", sub, defaults.done), gone=_matches(raw, "gone", sub, defaults.gone),
                  references=tuple(_strings(raw, "references", sub)))


def _base(raw: Any, fail: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise fail("base", "required: the provider's URL (https://host[/prefix])")
    if "{" in raw or "}" in raw:
        raise fail("base", "may not hold a template: the secret goes only to the host written here")
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise fail("base", "must be an https:// URL with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise fail("base", "may not hold credentials, a query or a fragment")
    return raw.rstrip("/")


def _text(item: Mapping[str, Any], field: str, fail: Any, required: bool = False) -> str:
    raw = item.get(field)
    if raw is None:
        if required:
            raise fail(field, "required")
        return ""
    if not isinstance(raw, str):
        raise fail(field, "must be a string")
    return raw


def _strings(item: Mapping[str, Any], field: str, fail: Any) -> list[str]:
    raw = item.get(field, [])
    if not (isinstance(raw, list) and all(isinstance(s, str) for s in raw)):
        raise fail(field, "must be a list of strings")
    return raw


def _check_template(text: str, field: str, fail: Any) -> None:
    for m in _PLACEHOLDER.finditer(text):
        if m.group(1) not in _PLACEHOLDERS:
            raise fail(field, f"unknown placeholder {{{m.group(1)}}} (known: {{secret}}, {{key_id}})")
    if "\r" in text or "\n" in text:
        raise fail(field, "may not hold a line break")


def _headers(raw: Any, fail: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping):
        raise fail("headers", "must be a table of header names to templates")
    out = []
    for k, v in raw.items():
        if not _HEADER_NAME.fullmatch(k) or not isinstance(v, str):
            raise fail("headers", f"'{k}': a header name (letters, digits, '-', '_') and a string template")
        if k.lower() == "host":
            raise fail("headers", "may not set Host: the host comes only from `base`")
        out.append((k, v))
    return tuple(out)


def _matches(item: Mapping[str, Any], field: str, fail: Any, default: tuple[Match, ...]) -> tuple[Match, ...]:
    raw = item.get(field)
    if raw is None:
        return default
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise fail(field, "must be a table or a list of tables ({ status = [...], json = {...}, header = {...} })")
    out = []
    for m in raw:
        if not isinstance(m, Mapping) or not m or set(m) - _MATCH_FIELDS:
            raise fail(field, "each entry: a table with status, json and/or header")
        status = m.get("status", [])
        if not (isinstance(status, list) and all(isinstance(s, int) and 100 <= s <= 599 for s in status)):
            raise fail(field, "status: a list of HTTP status codes")
        json = m.get("json", {})
        if not isinstance(json, Mapping):
            raise fail(field, "json: a table of dotted field paths to a value or a list of values")
        fields = []
        for path, want in _flat(json):
            values = want if isinstance(want, list) else [want]
            if not values or not all(isinstance(v, str | int | float | bool) for v in values):
                raise fail(field, f"json.{path}: a value or a list of values (strings, numbers, booleans)")
            fields.append((path, tuple(values)))
        header = m.get("header", {})
        if not (isinstance(header, Mapping) and all(isinstance(v, str) for v in header.values())):
            raise fail(field, "header: a table of header names to values")
        out.append(Match(tuple(status), tuple(fields), tuple((k.lower(), v) for k, v in header.items())))
    return tuple(out)


def _flat(table: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """`{ user.login = 'x' }` is a nested table in TOML: back to dotted paths."""
    out: list[tuple[str, Any]] = []
    for k, v in table.items():
        path = f"{prefix}{k}"
        out.extend(_flat(v, path + ".") if isinstance(v, Mapping) else [(path, v)])
    return out


def _access(raw: Any, field: str, fail: Any) -> tuple[Extract, ...]:
    kinds = "'json:PATH', 'header:NAME', 'header-list:NAME', 'each:FIELD', 'count:' or 'any:FIELD=VALUE'"
    if not isinstance(raw, Mapping):
        raise fail(field, f"must be a table of field names to {kinds}")
    out = []
    for k, v in raw.items():
        m = _ACCESS.fullmatch(v) if isinstance(v, str) else None
        if m is None or (m.group(1) not in ("count", "each", "any") and not m.group(2)):
            raise fail(field, f"{k}: {kinds}")
        kind, what = m.group(1), m.group(2)
        if kind == "any" and "=" not in what:
            raise fail(field, f"{k}: 'any:FIELD=VALUE'")
        out.append(Extract(str(k), kind, what.lower() if kind.startswith("header") else what))
    return tuple(out)


def _probes(raw: Any, fail: Any) -> tuple[Probe, ...]:
    if not isinstance(raw, list):
        raise fail("probes", "must be a list of tables ({ path = '/...', access = {...} })")
    out = []
    for p in raw:
        if not isinstance(p, Mapping) or set(p) - _PROBE_FIELDS:
            raise fail("probes", f"each probe: a table with {', '.join(sorted(_PROBE_FIELDS))}")
        path = _text(p, "path", lambda f, m: fail(f"probes.{f}", m), required=True)
        if not path.startswith("/"):
            raise fail("probes.path", "must start with '/' (the host comes only from `base`)")
        _check_template(path, "probes.path", fail)
        headers = _headers(p["headers"], fail) if "headers" in p else None
        for _, v in headers or ():
            _check_template(v, "probes.headers", fail)
        access = _access(p.get("access", {}), "probes.access", fail)
        if not access:
            raise fail("probes.access", "a probe must say what it reads (access = { ... })")
        out.append(Probe(path, access, headers))
    return tuple(out)


def _identity(raw: Any, fail: Any) -> tuple[tuple[str, str, str], ...]:
    if not isinstance(raw, Mapping):
        raise fail("identity", "must be a table of field names to 'json:PATH', 'header:NAME' or 'header-list:NAME'")
    out = []
    for k, v in raw.items():
        m = _IDENTITY.fullmatch(v) if isinstance(v, str) else None
        if m is None:
            raise fail("identity", f"{k}: 'json:PATH', 'header:NAME' or 'header-list:NAME'")
        where, what = m.group(1), m.group(2)
        out.append((str(k), where, what.lower() if where != "json" else what))
    return tuple(out)
