"""Slack: `POST auth.test` answers 200 with `ok: false` for a bad token."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.verify.base import Outcome, invalid, unknown, valid
from scanner.verify.http import HttpResponse
from scanner.verify.httpcheck import HttpCheck, standard_judge

_DEAD = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


def _judge(resp: HttpResponse, check: HttpCheck) -> Outcome:
    data = resp.json()
    if resp.status != 200 or not isinstance(data, Mapping):
        return standard_judge(resp, check)
    if data.get("ok") is True:
        return valid("slack accepted the token", team=data.get("team"), team_id=data.get("team_id"),
                     user=data.get("user"), user_id=data.get("user_id"), url=data.get("url"))
    error = str(data.get("error", ""))
    if error in _DEAD:
        return invalid(f"slack rejected the token ({error})")
    return unknown(f"slack: unexpected answer ({error or 'no error code'})")


SLACK = HttpCheck(name="slack", default_url="https://slack.com/api", path="/auth.test",
                  method="POST", judge=_judge)
