"""GitLab (gitlab.com or self-hosted via KEYSWEEP_GITLAB_URL): the token describes itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.verify.base import Outcome, invalid
from scanner.verify.http import HttpResponse
from scanner.verify.httpcheck import HttpCheck, header, standard_judge


def _judge(resp: HttpResponse, check: HttpCheck) -> Outcome:
    data = resp.json() if resp.status == 200 else None
    if isinstance(data, Mapping) and (data.get("revoked") is True or data.get("active") is False):
        return invalid("gitlab: the token exists but is revoked or expired")
    return standard_judge(resp, check)


def _identity(resp: HttpResponse, data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {
        "name": data.get("name"),
        "scopes": data.get("scopes"),
        "expires_at": data.get("expires_at"),
        "user_id": data.get("user_id"),
    }


GITLAB = HttpCheck(
    name="gitlab",
    default_url="https://gitlab.com",
    path="/api/v4/personal_access_tokens/self",
    auth=header("PRIVATE-TOKEN"),
    identity=_identity,
    judge=_judge,
)
