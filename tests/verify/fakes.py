"""Provider look-alikes for the local HTTP server: where each provider's check goes, how it
carries the token, and what it answers for a good and a bad one."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.engine import fingerprint
from scanner.models import Finding, Rule, Severity
from scanner.verify import VerifySettings
from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply


def _bearer(req: Recorded) -> str | None:
    value = req.headers.get("authorization", "")
    return value[len("Bearer "):] if value.startswith("Bearer ") else None


def _github(req: Recorded) -> str | None:
    value = req.headers.get("authorization", "")
    return value[len("token "):] if value.startswith("token ") else None


def _header(name: str) -> Callable[[Recorded], str | None]:
    return lambda req: req.headers.get(name)


def _basic_api(req: Recorded) -> str | None:
    value = req.headers.get("authorization", "")
    if not value.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    return password if user == "api" else None


def _discord(req: Recorded) -> str | None:
    value = req.headers.get("authorization", "")
    return value[len("Bot "):] if value.startswith("Bot ") else None


def _anthropic(req: Recorded) -> str | None:
    return req.headers.get("x-api-key") if req.headers.get("anthropic-version") else None


def _telegram(req: Recorded) -> str | None:
    return req.path.removeprefix("/bot").removesuffix("/getMe")


@dataclass(frozen=True)
class Fake:
    provider: str
    method: str
    route: str  # may hold {token} for APIs that take the token in the path
    token_of: Callable[[Recorded], str | None]
    ok: Reply
    bad: Reply
    identity: Mapping[str, Any] = field(default_factory=dict)
    prefix: str = ""

    @property
    def token(self) -> str:
        return f"{self.prefix}{self.provider}-live-token-0123456789abcdef"

    @property
    def path(self) -> str:
        return self.route.replace("{token}", self.token)

    def install(self, server: FakeHttpServer) -> None:
        server.route(self.method, self.path, lambda req: self.ok if self.token_of(req) == self.token else self.bad)


FAKES = (
    Fake("github", "GET", "/user", _github,
         json_reply(200, {"login": "octocat", "id": 1, "type": "User"}, {"X-OAuth-Scopes": "repo, gist"}),
         json_reply(401, {"message": "Bad credentials"}), {"login": "octocat", "scopes": ["repo", "gist"]}),
    Fake("gitlab", "GET", "/api/v4/personal_access_tokens/self", _header("private-token"),
         json_reply(200, {"name": "ci-token", "scopes": ["api"], "expires_at": "2027-01-31", "user_id": 7,
                          "active": True, "revoked": False}),
         json_reply(401, {"message": "401 Unauthorized"}),
         {"name": "ci-token", "scopes": ["api"], "expires_at": "2027-01-31"}),
    Fake("slack", "POST", "/auth.test", _bearer,
         json_reply(200, {"ok": True, "team": "Acme", "team_id": "T01", "user": "deploy-bot", "user_id": "U01"}),
         json_reply(200, {"ok": False, "error": "invalid_auth"}), {"team": "Acme", "user": "deploy-bot"}),
    Fake("stripe", "GET", "/v1/account", _bearer,
         json_reply(200, {"id": "acct_1Abc", "email": "billing@example.com", "country": "DE"}),
         json_reply(401, {"error": {"type": "invalid_request_error"}}), {"account": "acct_1Abc"}),
    Fake("sendgrid", "GET", "/v3/scopes", _bearer, json_reply(200, {"scopes": ["mail.send"]}),
         json_reply(401, {"errors": [{"message": "authorization required"}]}), {"scopes": ["mail.send"]}),
    Fake("openai", "GET", "/v1/models", _bearer,
         json_reply(200, {"object": "list", "data": []}, {"openai-organization": "org-acme"}),
         json_reply(401, {"error": {"code": "invalid_api_key"}}), {"organization": "org-acme"}),
    Fake("anthropic", "GET", "/v1/models", _anthropic, json_reply(200, {"data": []}),
         json_reply(401, {"type": "error", "error": {"type": "authentication_error"}})),
    Fake("huggingface", "GET", "/api/whoami-v2", _bearer,
         json_reply(200, {"name": "hf-bot", "type": "user", "auth": {"accessToken": {"role": "write"}}}),
         json_reply(401, {"error": "Invalid credentials"}), {"name": "hf-bot", "role": "write"}),
    Fake("npm", "GET", "/-/whoami", _bearer, json_reply(200, {"username": "publisher"}),
         json_reply(401, {"error": "unauthorized"}), {"username": "publisher"}),
    Fake("datadog", "GET", "/api/v1/validate", _header("dd-api-key"), json_reply(200, {"valid": True}),
         json_reply(403, {"errors": ["Forbidden"]})),
    Fake("mailgun", "GET", "/v3/domains", _basic_api, json_reply(200, {"total_count": 2, "items": []}),
         (401, {"Content-Type": "text/plain"}, b"Forbidden"), {"domains": 2}),
    Fake("digitalocean", "GET", "/v2/account", _bearer,
         json_reply(200, {"account": {"email": "ops@example.com", "uuid": "u-1", "status": "active"}}),
         json_reply(401, {"id": "unauthorized"}), {"email": "ops@example.com"}, prefix="dop_v1_"),
    Fake("heroku", "GET", "/account", _bearer, json_reply(200, {"email": "dev@example.com", "id": "h-1"}),
         json_reply(401, {"id": "unauthorized"}), {"email": "dev@example.com"}),
    Fake("vercel", "GET", "/v2/user", _bearer, json_reply(200, {"user": {"username": "v", "email": "v@x.io"}}),
         json_reply(403, {"error": {"code": "forbidden"}}), {"username": "v"}),
    Fake("netlify", "GET", "/api/v1/user", _bearer, json_reply(200, {"email": "n@x.io", "full_name": "N"}),
         json_reply(401, {"code": 401}), {"email": "n@x.io"}),
    Fake("linode", "GET", "/v4/profile", _bearer, json_reply(200, {"username": "lin", "email": "l@x.io"}),
         json_reply(401, {"errors": [{"reason": "Invalid Token"}]}), {"username": "lin"}),
    Fake("terraform-cloud", "GET", "/api/v2/account/details", _bearer,
         json_reply(200, {"data": {"attributes": {"username": "tfc", "email": "t@x.io"}}}),
         json_reply(401, {"errors": [{"status": "401"}]}), {"username": "tfc"}),
    Fake("groq", "GET", "/openai/v1/models", _bearer, json_reply(200, {"data": []}),
         json_reply(401, {"error": {"code": "invalid_api_key"}})),
    Fake("mistral", "GET", "/v1/models", _bearer, json_reply(200, {"data": []}), json_reply(401, {})),
    Fake("square", "GET", "/v2/locations", _bearer, json_reply(200, {"locations": []}),
         json_reply(401, {"errors": [{"code": "UNAUTHORIZED"}]})),
    Fake("telegram", "GET", "/bot{token}/getMe", _telegram,
         json_reply(200, {"ok": True, "result": {"id": 42, "username": "deploy_bot"}}),
         json_reply(401, {"ok": False, "error_code": 401}), {"username": "deploy_bot"}),
    Fake("discord", "GET", "/users/@me", _discord,
         json_reply(200, {"id": "7", "username": "bot"}), json_reply(401, {"code": 0}), {"username": "bot"}),
)


def rule_for(provider: str) -> Rule:
    return Rule(id=f"{provider}-token", description=f"{provider} token", severity=Severity.HIGH,
                keywords=(provider,), regex="x", verifier=provider)


RULES = tuple(rule_for(f.provider) for f in FAKES)


def finding(rule_id: str, secret: str, path: str = "app/settings.py", line: int = 1,
            linked: tuple[str, ...] = ()) -> Finding:
    return Finding(rule_id=rule_id, description=rule_id, severity=Severity.HIGH, path=path, line=line,
                   end_line=line, column=1, end_column=len(secret) + 1, secret=secret, match=secret,
                   fingerprint=fingerprint(rule_id, secret), entropy=4.0, linked=linked)


def settings_for(urls: Mapping[str, str], **numbers: str) -> VerifySettings:
    env = {f"KEYSWEEP_{p.upper().replace('-', '_')}_URL": u for p, u in urls.items()}
    env.update({"KEYSWEEP_VERIFY_TIMEOUT": "2", "KEYSWEEP_VERIFY_BACKOFF": "0.01", "KEYSWEEP_AWS_KEY_INFO": "0"})
    env.update({f"KEYSWEEP_VERIFY_{k.upper()}": v for k, v in numbers.items()})
    return VerifySettings.load(env, None)
