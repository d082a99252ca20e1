"""Cloud, hosting and messaging platforms whose check is one authenticated GET."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.verify.http import HttpResponse
from scanner.verify.httpcheck import HttpCheck, basic, header


def _nested(outer: str, *names: str) -> Callable[[HttpResponse, Mapping[str, Any]], Mapping[str, Any]]:
    """Identity from fields of one object inside the JSON answer."""
    def identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
        inner = data.get(outer)
        return {n: inner.get(n) for n in names} if isinstance(inner, Mapping) else {}
    return identity


def _fields(*names: str) -> Callable[[HttpResponse, Mapping[str, Any]], Mapping[str, Any]]:
    return lambda resp, data: {n: data.get(n) for n in names}


def _terraform_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = data.get("data")
    attrs = inner.get("attributes") if isinstance(inner, Mapping) else None
    return {n: attrs.get(n) for n in ("username", "email")} if isinstance(attrs, Mapping) else {}


def _twilio_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    accounts = data.get("accounts")
    first = accounts[0] if isinstance(accounts, list) and accounts and isinstance(accounts[0], Mapping) else {}
    return {"account": first.get("sid"), "name": first.get("friendly_name")}


DIGITALOCEAN = HttpCheck(name="digitalocean", default_url="https://api.digitalocean.com", path="/v2/account",
                         identity=_nested("account", "email", "uuid", "status"),
                         prefixes=("dop_v1_", "doo_v1_"))  # a refresh token would be spent
HEROKU = HttpCheck(
    name="heroku", default_url="https://api.heroku.com", path="/account", identity=_fields("email", "id"),
    auth=lambda c: {"Authorization": f"Bearer {c.secret}", "Accept": "application/vnd.heroku+json; version=3"},
)
VERCEL = HttpCheck(name="vercel", default_url="https://api.vercel.com", path="/v2/user",
                   identity=_nested("user", "username", "email"), rejected=(401, 403))
NETLIFY = HttpCheck(name="netlify", default_url="https://api.netlify.com", path="/api/v1/user",
                    identity=_fields("email", "full_name"))
LINODE = HttpCheck(name="linode", default_url="https://api.linode.com", path="/v4/profile",
                   identity=_fields("username", "email"))
TERRAFORM_CLOUD = HttpCheck(name="terraform-cloud", default_url="https://app.terraform.io",
                            path="/api/v2/account/details", identity=_terraform_identity)
GROQ = HttpCheck(name="groq", default_url="https://api.groq.com", path="/openai/v1/models")
MISTRAL = HttpCheck(name="mistral", default_url="https://api.mistral.ai", path="/v1/models")
SQUARE = HttpCheck(name="square", default_url="https://connect.squareup.com", path="/v2/locations")
TELEGRAM = HttpCheck(name="telegram", default_url="https://api.telegram.org", path="/bot{secret}/getMe",
                     auth=lambda c: {}, identity=_nested("result", "username", "id"), rejected=(401, 404))
DISCORD = HttpCheck(name="discord", default_url="https://discord.com/api/v10", path="/users/@me",
                    auth=header("Authorization", "Bot "), identity=_fields("username", "id"))
TWILIO = HttpCheck(name="twilio", default_url="https://api.twilio.com", path="/2010-04-01/Accounts.json",
                   auth=basic(), needs_key_id=True, identity=_twilio_identity)

PLATFORMS = (DIGITALOCEAN, HEROKU, VERCEL, NETLIFY, LINODE, TERRAFORM_CLOUD, GROQ, MISTRAL, SQUARE, TELEGRAM,
             DISCORD, TWILIO)
