"""Providers whose check is one authenticated GET with a well-known answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.verify.base import Outcome, invalid
from scanner.verify.http import HttpResponse
from scanner.verify.httpcheck import HttpCheck, basic, header, pick, standard_judge


def _openai_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"organization": resp.headers.get("openai-organization")}


def _huggingface_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    token = data.get("auth", {}).get("accessToken", {}) if isinstance(data.get("auth"), Mapping) else {}
    return {"name": data.get("name"), "type": data.get("type"),
            "role": token.get("role") if isinstance(token, Mapping) else None}


def _sendgrid_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    scopes = data.get("scopes")
    return {"scopes": scopes if isinstance(scopes, list) else None}


def _datadog_judge(resp: HttpResponse, check: HttpCheck) -> Outcome:
    data = resp.json()
    if resp.status == 200 and isinstance(data, Mapping) and data.get("valid") is False:
        return invalid("datadog says the API key is not valid")
    return standard_judge(resp, check)


def _mailgun_identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"domains": data.get("total_count")}


SENDGRID = HttpCheck(name="sendgrid", default_url="https://api.sendgrid.com", path="/v3/scopes",
                     identity=_sendgrid_identity, rejected=(401, 403))
OPENAI = HttpCheck(name="openai", default_url="https://api.openai.com", path="/v1/models",
                   identity=_openai_identity)
ANTHROPIC = HttpCheck(
    name="anthropic", default_url="https://api.anthropic.com", path="/v1/models",
    auth=lambda c: {"x-api-key": c.secret, "anthropic-version": "2023-06-01"},
)
HUGGINGFACE = HttpCheck(name="huggingface", default_url="https://huggingface.co", path="/api/whoami-v2",
                        identity=_huggingface_identity)
NPM = HttpCheck(name="npm", default_url="https://registry.npmjs.org", path="/-/whoami",
                identity=pick("username"))
DATADOG = HttpCheck(name="datadog", default_url="https://api.datadoghq.com", path="/api/v1/validate",
                    auth=header("DD-API-KEY"), rejected=(401, 403), judge=_datadog_judge)
MAILGUN = HttpCheck(name="mailgun", default_url="https://api.mailgun.net", path="/v3/domains",
                    auth=basic("api"), identity=_mailgun_identity)

PROVIDERS = (SENDGRID, OPENAI, ANTHROPIC, HUGGINGFACE, NPM, DATADOG, MAILGUN)
