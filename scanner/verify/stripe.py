"""Stripe: `GET /v1/account`. A restricted key without that permission answers 403: still live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.verify.http import HttpResponse
from scanner.verify.httpcheck import HttpCheck


def _identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"account": data.get("id"), "email": data.get("email"), "country": data.get("country")}


STRIPE = HttpCheck(name="stripe", default_url="https://api.stripe.com", path="/v1/account",
                   identity=_identity, accepted=(403,))
