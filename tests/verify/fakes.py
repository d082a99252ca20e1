"""Provider look-alikes for the local HTTP server: where each provider's check goes, how it
carries the token, and what it answers for a good and a bad one."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

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


def _prefixed(name: str, prefix: str) -> Callable[[Recorded], str | None]:
    def token(req: Recorded) -> str | None:
        value = req.headers.get(name, "")
        return value[len(prefix):] if value.startswith(prefix) else None
    return token


def _basic_user(req: Recorded) -> str | None:
    """HTTP Basic with the key as the user name and an empty password."""
    value = req.headers.get("authorization", "")
    if not value.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    return user if password == "" else None


def _query(name: str) -> Callable[[Recorded], str | None]:
    def token(req: Recorded) -> str | None:
        values = parse_qs(urlsplit(req.path).query).get(name)
        return values[0] if values else None
    return token


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
    Fake("circleci", "GET", "/api/v2/me", _header("circle-token"),
         json_reply(200, {"id": "c-1", "login": "builder", "name": "B"}),
         json_reply(401, {"message": "You must log in first."}), {"login": "builder"}),
    Fake("travis-ci", "GET", "/user", _github, json_reply(200, {"@type": "user", "login": "tci", "name": "T"}),
         json_reply(403, {"@type": "error", "error_type": "login_required"}), {"login": "tci"}),
    Fake("buildkite", "GET", "/v2/access-token", _bearer, json_reply(200, {"uuid": "b-1", "scopes": ["read_builds"]}),
         json_reply(401, {"message": "Authentication required."}), {"scopes": ["read_builds"]}),
    Fake("render", "GET", "/v1/users", _bearer, json_reply(200, {"email": "r@x.io", "name": "R"}),
         json_reply(401, {"message": "unauthorized"}), {"email": "r@x.io"}),
    Fake("cloudflare", "GET", "/client/v4/user/tokens/verify", _bearer,
         json_reply(200, {"success": True, "result": {"id": "t-1", "status": "active"}}),
         json_reply(401, {"success": False, "errors": [{"code": 1000, "message": "Invalid API Token"}]}),
         {"token_id": "t-1"}),
    Fake("pagerduty", "GET", "/abilities", _prefixed("authorization", "Token token="),
         json_reply(200, {"abilities": ["teams"]}), json_reply(401, {"error": {"code": 2006}})),
    Fake("asana", "GET", "/api/1.0/users/me", _bearer,
         json_reply(200, {"data": {"gid": "1", "email": "a@x.io", "name": "A"}}),
         json_reply(401, {"errors": [{"message": "Not Authorized"}]}), {"email": "a@x.io"}),
    Fake("notion", "GET", "/v1/users/me", _bearer,
         json_reply(200, {"object": "user", "name": "sync", "type": "bot", "bot": {"workspace_name": "Acme"}}),
         json_reply(401, {"object": "error", "code": "unauthorized"}), {"workspace": "Acme"}),
    Fake("airtable", "GET", "/v0/meta/whoami", _bearer,
         json_reply(200, {"id": "usr1", "scopes": ["data.records:read"]}),
         json_reply(401, {"error": {"type": "AUTHENTICATION_REQUIRED"}}), {"id": "usr1"}),
    Fake("figma", "GET", "/v1/me", _header("x-figma-token"),
         json_reply(200, {"id": "1", "email": "f@x.io", "handle": "fig"}),
         json_reply(403, {"status": 403, "err": "Invalid token"}), {"handle": "fig"}),
    Fake("typeform", "GET", "/me", _bearer, json_reply(200, {"alias": "tf", "email": "t@x.io"}),
         json_reply(401, {"code": "AUTHENTICATION_FAILED"}), {"alias": "tf"}),
    Fake("intercom", "GET", "/me", _bearer,
         json_reply(200, {"type": "admin", "email": "i@x.io", "app": {"name": "Acme"}}),
         json_reply(401, {"type": "error.list", "errors": [{"code": "unauthorized"}]}), {"app": "Acme"}),
    Fake("hubspot", "GET", "/account-info/v3/details", _bearer,
         json_reply(200, {"portalId": 42, "accountType": "STANDARD"}),
         json_reply(401, {"status": "error", "category": "INVALID_AUTHENTICATION"}), {"portal": 42}),
    Fake("brevo", "GET", "/v3/account", _header("api-key"),
         json_reply(200, {"email": "b@x.io", "companyName": "Acme"}),
         json_reply(401, {"code": "unauthorized", "message": "Key not found"}), {"company": "Acme"}),
    Fake("postman", "GET", "/me", _header("x-api-key"),
         json_reply(200, {"user": {"id": 1, "username": "pm", "email": "p@x.io"}}),
         json_reply(401, {"error": {"name": "AuthenticationError"}}), {"username": "pm"}),
    Fake("snyk", "GET", "/v1/user/me", _github, json_reply(200, {"id": "s-1", "username": "sec", "email": "s@x.io"}),
         json_reply(401, {"code": 401, "error": "Invalid auth token"}), {"username": "sec"}),
    Fake("sonarcloud", "GET", "/api/authentication/validate", _bearer, json_reply(200, {"valid": True}),
         json_reply(200, {"valid": False})),
    Fake("replicate", "GET", "/v1/account", _bearer, json_reply(200, {"type": "organization", "username": "acme"}),
         json_reply(401, {"title": "Unauthenticated", "status": 401}), {"username": "acme"}),
    Fake("cohere", "GET", "/v1/models", _bearer, json_reply(200, {"models": []}),
         json_reply(401, {"message": "invalid api token"})),
    Fake("deepseek", "GET", "/user/balance", _bearer,
         json_reply(200, {"is_available": True, "balance_infos": [{"currency": "USD", "total_balance": "10.00"}]}),
         json_reply(401, {"error": {"type": "authentication_error"}}), {"available": True}),
    Fake("xai", "GET", "/v1/api-key", _bearer,
         json_reply(200, {"name": "prod", "team_id": "t-9", "api_key_blocked": False, "api_key_disabled": False}),
         json_reply(401, {"error": "Incorrect API key provided"}), {"team": "t-9"}),
    Fake("fireworks", "GET", "/inference/v1/models", _bearer, json_reply(200, {"object": "list", "data": []}),
         json_reply(401, {"error": {"message": "Invalid API key"}})),
    Fake("openrouter", "GET", "/api/v1/key", _bearer,
         json_reply(200, {"data": {"label": "sk-or-v1-abc...", "usage": 1.5, "limit": None}}),
         json_reply(401, {"error": {"code": 401, "message": "No auth credentials found"}}), {"usage": 1.5}),
    Fake("elevenlabs", "GET", "/v1/user", _header("xi-api-key"),
         json_reply(200, {"user_id": "u-1", "subscription": {"tier": "creator"}}),
         json_reply(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
         {"tier": "creator"}),
    Fake("assemblyai", "GET", "/v2/transcript", _header("authorization"),
         json_reply(200, {"page_details": {"limit": 1}, "transcripts": []}),
         json_reply(401, {"error": "Invalid API key"})),
    Fake("deepgram", "GET", "/v1/projects", _prefixed("authorization", "Token "),
         json_reply(200, {"projects": [{"project_id": "p-1", "name": "speech"}]}),
         json_reply(401, {"err_code": "INVALID_AUTH"}), {"project": "speech"}),
    Fake("pinecone", "GET", "/indexes", _header("api-key"), json_reply(200, {"indexes": []}),
         json_reply(401, {"error": {"code": "UNAUTHENTICATED"}})),
    Fake("fastly", "GET", "/tokens/self", _header("fastly-key"),
         json_reply(200, {"id": "f-1", "name": "deploy", "scope": "global", "expires_at": None}),
         json_reply(401, {"msg": "Provided credentials are missing or invalid"}), {"name": "deploy"}),
    Fake("paystack", "GET", "/balance", _bearer,
         json_reply(200, {"status": True, "data": [{"currency": "NGN", "balance": 0}]}),
         json_reply(401, {"status": False, "message": "Invalid key"}), {"currency": "NGN"}),
    Fake("shippo", "GET", "/addresses", _prefixed("authorization", "ShippoToken "),
         json_reply(200, {"count": 0, "results": []}), json_reply(401, {"detail": "Invalid token."})),
    Fake("easypost", "GET", "/v2/addresses", _basic_user, json_reply(200, {"addresses": [], "has_more": False}),
         json_reply(401, {"error": {"code": "APIKEY.INVALID"}})),
    Fake("lob", "GET", "/v1/addresses", _basic_user, json_reply(200, {"data": [], "object": "list"}),
         json_reply(401, {"error": {"message": "Your API key is not valid."}})),
    Fake("mapbox", "GET", "/tokens/v2", _query("access_token"),
         json_reply(200, {"code": "TokenValid", "token": {"usage": "sk", "user": "mapper"}}),
         json_reply(401, {"code": "TokenInvalid"}), {"user": "mapper"}),
    Fake("vultr", "GET", "/v2/account", _bearer, json_reply(200, {"account": {"name": "V", "email": "v@x.io"}}),
         json_reply(401, {"error": "Invalid API token."}), {"email": "v@x.io"}),
    Fake("hetzner", "GET", "/v1/servers", _bearer, json_reply(200, {"servers": [], "meta": {}}),
         json_reply(401, {"error": {"code": "unauthorized"}})),
    Fake("doppler", "GET", "/v3/me", _bearer,
         json_reply(200, {"name": "ci", "type": "service", "workplace": {"name": "Acme"}}),
         json_reply(401, {"messages": ["Invalid Auth token"], "success": False}), {"workplace": "Acme"}),
    Fake("pulumi", "GET", "/api/user", _github,
         json_reply(200, {"githubLogin": "pul", "name": "P", "email": "p@x.io"}),
         json_reply(401, {"code": 401, "message": "Unauthorized"}), {"login": "pul"}),
    Fake("gitguardian", "GET", "/v1/health", _prefixed("authorization", "Token "),
         json_reply(200, {"detail": "Valid API key."}), json_reply(401, {"detail": "Invalid API key."})),
    Fake("mailersend", "GET", "/v1/domains", _bearer, json_reply(200, {"data": []}),
         json_reply(401, {"message": "Unauthenticated."})),
    Fake("contentful", "GET", "/users/me", _bearer,
         json_reply(200, {"firstName": "C", "email": "c@x.io", "sys": {"id": "u1"}}),
         json_reply(401, {"sys": {"type": "Error", "id": "AccessTokenInvalid"}}), {"email": "c@x.io"}),
    Fake("clickup", "GET", "/api/v2/user", _header("authorization"),
         json_reply(200, {"user": {"id": 1, "username": "cu", "email": "c@x.io"}}),
         json_reply(401, {"err": "Token invalid", "ECODE": "OAUTH_025"}), {"username": "cu"}),
    Fake("launchdarkly", "GET", "/api/v2/caller-identity", _header("authorization"),
         json_reply(200, {"accountId": "a-1", "tokenName": "deploy", "tokenKind": "auth"}),
         json_reply(401, {"code": "unauthorized"}), {"token_name": "deploy"}),
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
