"""Provider look-alikes for the local HTTP server: where each provider's check goes, how it
carries the token, and what it answers for a good and a bad one."""

from __future__ import annotations

import base64
import json
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


def _form(name: str) -> Callable[[Recorded], str | None]:
    def token(req: Recorded) -> str | None:
        values = parse_qs(req.body.decode()).get(name)
        return values[0] if values else None
    return token


def _basic_pair(password: str) -> Callable[[Recorded], str | None]:
    """HTTP Basic with the key as the user name and a fixed password."""
    def token(req: Recorded) -> str | None:
        value = req.headers.get("authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, got = base64.b64decode(value[6:]).decode().partition(":")
        return user if got == password else None
    return token


def _json_body(key: str) -> Callable[[Recorded], str | None]:
    def token(req: Recorded) -> str | None:
        try:
            value = json.loads(req.body or b"null")
        except ValueError:
            return None
        return value.get(key) if isinstance(value, dict) else None
    return token


def _path_part(index: int) -> Callable[[Recorded], str | None]:
    """APIs that take the key in the path: its `index`-th segment."""
    def token(req: Recorded) -> str | None:
        parts = urlsplit(req.path).path.split("/")
        return parts[index] if len(parts) > index else None
    return token


_exchangerate = _configcat = _path_part(2)


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
        if "{token}" in self.route:  # another token is another path: the provider still says "bad credentials"
            server.fallback = lambda req: self.bad


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
    Fake("sentry", "GET", "/api/0/", _bearer,
         json_reply(200, {"version": "0", "auth": {"scopes": ["project:read"]}, "user": {"email": "dev@acme.io"}}),
         json_reply(401, {"detail": "Invalid token"}), {"user": "dev@acme.io"}),
    Fake("opsgenie", "GET", "/v2/account", _prefixed("authorization", "GenieKey "),
         json_reply(200, {"data": {"name": "acme", "plan": {"name": "Enterprise"}}}),
         json_reply(401, {"message": "Could not authenticate"}), {"name": "acme", "plan": "Enterprise"}),
    Fake("ngrok", "GET", "/api_keys", _bearer, json_reply(200, {"keys": [], "uri": "https://api.ngrok.com/api_keys"}),
         json_reply(401, {"error_code": "ERR_NGROK_218", "status_code": 401})),
    Fake("tailscale", "GET", "/api/v2/tailnet/-/devices", _bearer, json_reply(200, {"devices": [{"id": "n1"}]}),
         json_reply(401, {"message": "API token invalid"})),
    Fake("resend", "GET", "/domains", _bearer, json_reply(200, {"object": "list", "data": []}),
         json_reply(403, {"statusCode": 403, "message": "API key is invalid", "name": "invalid_api_key"})),
    Fake("mailerlite", "GET", "/api/subscribers", _bearer, json_reply(200, {"data": []}),
         json_reply(401, {"message": "Unauthenticated."})),
    Fake("klaviyo", "GET", "/api/accounts/", _prefixed("authorization", "Klaviyo-API-Key "),
         json_reply(200, {"data": [{"id": "AbC123", "type": "account"}]}),
         json_reply(401, {"errors": [{"status": 401, "code": "not_authenticated"}]}), {"account": "AbC123"}),
    Fake("bugsnag", "GET", "/user", _prefixed("authorization", "token "),
         json_reply(200, {"id": "u1", "email": "dev@acme.io", "name": "Dev"}),
         json_reply(401, {"errors": ["Unauthorized"]}), {"email": "dev@acme.io"}),
    Fake("honeybadger", "GET", "/v2/projects", _basic_user, json_reply(200, {"results": [{"id": 1}]}),
         json_reply(401, {"errors": "Authentication required"})),
    Fake("supabase", "GET", "/v1/projects", _bearer, json_reply(200, [{"id": "abc", "name": "prod"}]),
         json_reply(401, {"message": "Unauthorized"})),
    Fake("neon", "GET", "/api/v2/users/me", _bearer, json_reply(200, {"email": "db@acme.io", "login": "db"}),
         json_reply(401, {"message": "authentication required"}), {"email": "db@acme.io"}),
    Fake("hexpm", "GET", "/api/users/me", _header("authorization"), json_reply(200, {"username": "elixir-dev"}),
         json_reply(401, {"status": 401, "message": "invalid API key"}), {"username": "elixir-dev"}),
    Fake("miro", "GET", "/v1/oauth-token", _bearer,
         json_reply(200, {"type": "oauth-token", "team": {"name": "Acme"}, "user": {"name": "Dev"},
         "scopes": ["boards:read"]}),
         json_reply(401, {"status": 401, "code": "tokenNotFound"}), {"team": "Acme"}),
    Fake("webflow", "GET", "/v2/token/authorized_by", _bearer, json_reply(200, {"id": "u1", "email": "web@acme.io"}),
         json_reply(401, {"message": "Request not authorized", "code": "not_authorized"}), {"email": "web@acme.io"}),
    Fake("dropbox", "POST", "/2/users/get_current_account", _bearer,
         json_reply(200, {"account_id": "dbid:1", "email": "box@acme.io", "name": {"display_name": "Box"}}),
         json_reply(401, {"error_summary": "invalid_access_token/", "error": {".tag": "invalid_access_token"}}),
         {"email": "box@acme.io"}),
    Fake("front", "GET", "/me", _bearer, json_reply(200, {"name": "Acme API", "scopes": ["shared:*"]}),
         json_reply(401, {"_error": {"status": 401, "title": "Unauthenticated"}}), {"name": "Acme API"}),
    Fake("close", "GET", "/api/v1/me/", _basic_user, json_reply(200, {"id": "user_1", "email": "sales@acme.io"}),
         json_reply(401, {"error": "Unauthorized"}), {"email": "sales@acme.io"}),
    Fake("shortcut", "GET", "/api/v3/member", _header("shortcut-token"),
         json_reply(200, {"id": "m1", "name": "Dev", "workspace2": {"url_slug": "acme"}}),
         json_reply(401, {"message": "Unauthorized"}), {"workspace": "acme"}),
    Fake("coda", "GET", "/apis/v1/whoami", _bearer, json_reply(200,
         {"name": "Doc Bot", "loginId": "bot@acme.io", "scoped": False}),
         json_reply(401, {"statusCode": 401, "statusMessage": "Unauthorized"}), {"login": "bot@acme.io"}),
    Fake("gitbook", "GET", "/v1/user", _bearer, json_reply(200,
         {"id": "u1", "displayName": "Docs", "email": "docs@acme.io"}),
         json_reply(401, {"error": {"code": 401, "message": "Unauthorized"}}), {"name": "Docs"}),
    Fake("datocms", "GET", "/site", _bearer, json_reply(200,
         {"data": {"id": "1", "attributes": {"name": "Acme site"}}}),
         json_reply(401, {"data": [{"id": "x", "attributes": {"code": "INVALID_AUTHORIZATION_HEADER"}}]}),
         {"site": "Acme site"}),
    Fake("together", "GET", "/v1/models", _bearer, json_reply(200, [{"id": "meta-llama/x"}]),
         json_reply(401, {"error": {"message": "Invalid API key provided", "type": "invalid_request_error"}})),
    Fake("cerebras", "GET", "/v1/models", _bearer, json_reply(200, {"object": "list", "data": [{"id": "llama3.1-8b"}]}),
         json_reply(401, {"message": "Wrong API Key", "type": "invalid_request_error"})),
    Fake("firecrawl", "GET", "/v1/team/credit-usage", _bearer, json_reply(200,
         {"success": True, "data": {"remaining_credits": 500}}),
         json_reply(401, {"success": False, "error": "Unauthorized: Invalid token"})),
    Fake("serpapi", "GET", "/account.json", _query("api_key"),
         json_reply(200, {"account_email": "seo@acme.io", "plan_name": "Developer", "total_searches_left": 4000}),
         json_reply(401, {"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"}),
         {"email": "seo@acme.io"}),
    Fake("scrapingbee", "GET", "/api/v1/usage", _query("api_key"), json_reply(200,
         {"max_api_credit": 1000, "used_api_credit": 5}),
         json_reply(401, {"message": "Invalid api key"})),
    Fake("shodan", "GET", "/api-info", _query("key"), json_reply(200,
         {"plan": "dev", "query_credits": 100, "scan_credits": 100}),
         json_reply(401, {"error": "Please provide a valid API key"})),
    Fake("virustotal", "GET", "/api/v3/users/{token}", _header("x-apikey"), json_reply(200,
         {"data": {"id": "analyst", "type": "user"}}),
         json_reply(401, {"error": {"code": "WrongCredentialsError", "message": "Wrong API key"}}),
         {"user": "analyst"}),
    Fake("hibp", "GET", "/api/v3/subscription/status", _header("hibp-api-key"),
         json_reply(200, {"SubscriptionName": "Pwned 1", "SubscribedUntil": "2027-01-01T00:00:00"}),
         json_reply(401, {"statusCode": 401, "message": "Access denied due to invalid hibp-api-key."})),
    Fake("urlscan", "GET", "/user/quotas/", _header("api-key"), json_reply(200,
         {"limits": {"public": {"day": {"limit": 5000}}}}),
         json_reply(401, {"message": "API key supplied but not found in database!", "status": 401})),
    Fake("coinmarketcap", "GET", "/v1/key/info", _header("x-cmc_pro_api_key"),
         json_reply(200, {"data": {"plan": {"credit_limit_monthly": 10000}}, "status": {"error_code": 0}}),
         json_reply(401, {"status": {"error_code": 1001, "error_message": "This API Key is invalid."}})),
    Fake("newsapi", "GET", "/v2/top-headlines/sources", _query("apiKey"), json_reply(200,
         {"status": "ok", "sources": []}),
         json_reply(401, {"status": "error", "code": "apiKeyInvalid"})),
    Fake("openweathermap", "GET", "/data/2.5/weather", _query("appid"), json_reply(200, {"name": "London", "cod": 200}),
         json_reply(401, {"cod": 401,
         "message": "Invalid API key. Please see https://openweathermap.org/faq#error401"})),
    Fake("tmdb", "GET", "/3/authentication", _query("api_key"), json_reply(200, {"success": True, "status_code": 1}),
         json_reply(401, {"success": False, "status_code": 7, "status_message": "Invalid API key"})),
    Fake("pexels", "GET", "/v1/curated", _header("authorization"), json_reply(200, {"page": 1, "photos": []}),
         json_reply(401, {"error": "Unauthorized"})),
    Fake("unsplash", "GET", "/photos", _prefixed("authorization", "Client-ID "), json_reply(200, [{"id": "p1"}]),
         json_reply(401, {"errors": ["OAuth error: The access token is invalid"]})),
    Fake("stability", "GET", "/v1/user/account", _bearer, json_reply(200, {"id": "u1", "email": "gen@acme.io"}),
         json_reply(401, {"name": "unauthorized", "message": "Incorrect API key provided"}), {"email": "gen@acme.io"}),
    Fake("leonardo", "GET", "/api/rest/v1/me", _bearer,
         json_reply(200, {"user_details": [{"user": {"id": "u1", "username": "artist"}}]}),
         json_reply(401, {"error": "Invalid API key", "code": "invalid-jwt"}), {"user": "artist"}),
    Fake("removebg", "GET", "/v1.0/account", _header("x-api-key"),
         json_reply(200, {"data": {"attributes": {"credits": {"total": 50}}}}),
         json_reply(403, {"errors": [{"title": "API Key invalid"}]})),
    Fake("cloudsmith", "GET", "/v1/user/self/", _header("x-api-key"),
         json_reply(200, {"authenticated": True, "slug": "builder", "email": "ci@acme.io"}),
         json_reply(401, {"detail": "Invalid API key."}), {"slug": "builder"}),
    Fake("bitrise", "GET", "/v0.1/me", _header("authorization"), json_reply(200,
         {"data": {"username": "mobile", "email": "m@acme.io"}}),
         json_reply(401, {"message": "Unauthorized"}), {"username": "mobile"}),
    Fake("codemagic", "GET", "/user", _header("x-auth-token"), json_reply(200, {"user": {"_id": "u1"}}),
         json_reply(401, {"error": "Unauthorized"})),
    Fake("codacy", "GET", "/api/v3/user", _header("api-token"), json_reply(200,
         {"data": {"mainEmail": "q@acme.io", "name": "QA"}}),
         json_reply(401, {"message": "Unauthorized"}), {"email": "q@acme.io"}),
    Fake("healthchecks", "GET", "/api/v3/checks/", _header("x-api-key"), json_reply(200,
         {"checks": [{"name": "backup"}]}),
         json_reply(401, {"error": "wrong api key"})),
    Fake("uptimerobot", "POST", "/v2/getAccountDetails", _form("api_key"),
         json_reply(200, {"stat": "ok", "account": {"email": "ops@acme.io", "monitor_limit": 50}}),
         json_reply(200, {"stat": "fail", "error": {"type": "invalid_parameter", "parameter_name": "api_key"}}),
         {"email": "ops@acme.io"}),
    Fake("statuspage", "GET", "/v1/pages", _prefixed("authorization", "OAuth "), json_reply(200,
         [{"id": "p1", "name": "Acme"}]),
         json_reply(401, {"error": "Could not authenticate"})),
    Fake("incidentio", "GET", "/v1/identity", _bearer, json_reply(200,
         {"identity": {"name": "oncall-bot", "roles": ["viewer"]}}),
         json_reply(401, {"type": "authentication_error", "status": 401}), {"name": "oncall-bot"}),
    Fake("firehydrant", "GET", "/v1/ping", _bearer, json_reply(200, {"response": "pong", "actor": {"type": "bot"}}),
         json_reply(401, {"detail": "Unauthorized"})),
    Fake("pushbullet", "GET", "/v2/users/me", _header("access-token"), json_reply(200,
         {"email": "me@acme.io", "name": "Me"}),
         json_reply(401, {"error": {"code": "invalid_access_token", "type": "invalid_request"}}),
         {"email": "me@acme.io"}),
    Fake("telnyx", "GET", "/v2/balance", _bearer, json_reply(200, {"data": {"balance": "300.00", "currency": "USD"}}),
         json_reply(401, {"errors": [{"code": "10009", "title": "Authentication failed"}]})),
    Fake("messagebird", "GET", "/balance", _prefixed("authorization", "AccessKey "),
         json_reply(200, {"payment": "prepaid", "type": "euros", "amount": 10.5}),
         json_reply(401, {"errors": [{"code": 2, "description": "Request not allowed (incorrect access_key)"}]})),
    Fake("webex", "GET", "/v1/people/me", _bearer, json_reply(200, {"emails": ["bot@acme.io"], "displayName": "Bot"}),
         json_reply(401,
         {"message": "The request requires a valid access token set in the Authorization request header."}),
         {"email": "bot@acme.io"}),
    Fake("line", "GET", "/v2/bot/info", _bearer, json_reply(200,
         {"userId": "U1", "basicId": "@acme", "displayName": "Acme"}),
         json_reply(401,
         {"message": "Authentication failed. Confirm that the access token in the authorization header is valid."}),
         {"id": "@acme"}),
    Fake("mollie", "GET", "/v2/methods", _bearer, json_reply(200, {"count": 3, "_embedded": {"methods": []}}),
         json_reply(401, {"status": 401, "title": "Unauthorized Request",
         "detail": "Missing authentication, or failed to authenticate"})),
    Fake("flutterwave", "GET", "/v3/balances", _bearer, json_reply(200, {"status": "success", "data": []}),
         json_reply(401, {"status": "error", "message": "Invalid authorization key"})),
    Fake("gocardless", "GET", "/creditors", _bearer, json_reply(200,
         {"creditors": [{"id": "CR1", "name": "Acme Ltd"}]}),
         json_reply(401, {"error": {"type": "invalid_api_usage", "code": 401}}), {"creditor": "Acme Ltd"},
         prefix="live_"),
    Fake("wise", "GET", "/v2/profiles", _bearer, json_reply(200,
         [{"id": 1, "type": "PERSONAL"}, {"id": 2, "type": "BUSINESS"}]),
         json_reply(401, {"error": "invalid_token", "error_description": "Invalid token"})),
    Fake("shipengine", "GET", "/v1/carriers", _header("api-key"), json_reply(200,
         {"carriers": [{"carrier_id": "se-1"}]}),
         json_reply(401, {"errors": [{"error_code": "unauthorized", "message": "The API key is invalid."}]})),
    Fake("printful", "GET", "/stores", _bearer, json_reply(200,
         {"code": 200, "result": [{"id": 1, "name": "Acme Shop"}]}),
         json_reply(401, {"code": 401, "result": "Malformed Authorization header."}), {"store": "Acme Shop"}),
    Fake("mercury", "GET", "/api/v1/accounts", _bearer, json_reply(200,
         {"accounts": [{"id": "a1", "kind": "checking"}]}),
         json_reply(401, {"errors": {"message": "Unauthorized"}})),
    Fake("gumroad", "GET", "/v2/user", _query("access_token"), json_reply(200,
         {"success": True, "user": {"email": "shop@acme.io", "name": "Shop"}}),
         json_reply(401, {"success": False, "message": "The access token is invalid."}), {"email": "shop@acme.io"}),
    Fake("patreon", "GET", "/api/oauth2/v2/identity", _bearer, json_reply(200, {"data": {"id": "123", "type": "user"}}),
         json_reply(401, {"errors": [{"code": 1, "status": "401", "title": "Unauthorized"}]}), {"id": "123"}),
    Fake("vimeo", "GET", "/me", _bearer, json_reply(200,
         {"name": "Acme Video", "uri": "/users/1", "account": "business"}),
         json_reply(401, {"error": "You must provide a valid authenticated access token.", "error_code": 8003}),
         {"name": "Acme Video"}),
    Fake("wistia", "GET", "/v1/account.json", _bearer, json_reply(200,
         {"id": 1, "name": "Acme", "url": "https://acme.wistia.com"}),
         json_reply(401, {"error": "Unauthorized"}), {"name": "Acme"}),
    Fake("optimizely", "GET", "/v2/projects", _bearer, json_reply(200, [{"id": 1, "name": "Web"}]),
         json_reply(401, {"code": "UNAUTHORIZED", "message": "Authentication failed"})),
    Fake("imagekit", "GET", "/v1/files", _basic_user, json_reply(200, [{"fileId": "f1"}]),
         json_reply(401, {"message": "Your account cannot be authenticated."})),
    Fake("bunny", "GET", "/pullzone", _header("accesskey"), json_reply(200, {"Items": [], "TotalItems": 0}),
         json_reply(401, {"Message": "Authorization has been denied for this request."})),
    Fake("semgrep", "GET", "/api/v1/deployments", _bearer, json_reply(200,
         {"deployments": [{"id": 1, "slug": "acme"}]}),
         json_reply(401, {"error": "Invalid API token"}), {"deployment": "acme"}),
    Fake("socket-dev", "GET", "/v0/organizations", _bearer, json_reply(200,
         {"organizations": {"o1": {"name": "acme"}}}),
         json_reply(401, {"error": {"message": "Unauthorized"}})),
    Fake("toggl", "GET", "/api/v9/me", _basic_pair("api_token"), json_reply(200,
         {"email": "t@acme.io", "fullname": "Timer"}),
         json_reply(403, {"message": "Incorrect username and/or password"}), {"email": "t@acme.io"}),
    Fake("pandadoc", "GET", "/public/v1/members/current", _prefixed("authorization", "API-Key "),
         json_reply(200, {"email": "docs@acme.io", "workspace_name": "Acme"}),
         json_reply(401, {"type": "authorization_error", "detail": "Authentication credentials were not provided."}),
         {"email": "docs@acme.io"}),
    Fake("dropbox-sign", "GET", "/v3/account", _basic_user, json_reply(200,
         {"account": {"account_id": "a1", "email_address": "sign@acme.io"}}),
         json_reply(401, {"error": {"error_msg": "Unauthorized api key", "error_name": "unauthorized"}}),
         {"email": "sign@acme.io"}),
    Fake("loops", "GET", "/api/v1/api-key", _bearer, json_reply(200, {"success": True, "teamName": "Acme"}),
         json_reply(401, {"success": False, "message": "Invalid API key"}), {"team": "Acme"}),
    Fake("getresponse", "GET", "/v3/accounts", _prefixed("x-auth-token", "api-key "),
         json_reply(200, {"accountId": "a1", "email": "mail@acme.io", "companyName": "Acme"}),
         json_reply(401, {"httpStatus": 401, "code": 1014, "codeDescription": "Problem during authentication process"}),
         {"email": "mail@acme.io"}),
    Fake("mailtrap", "GET", "/api/accounts", _bearer, json_reply(200, [{"id": 1, "name": "Acme"}]),
         json_reply(401, {"error": "Incorrect API token"}), {"account": "Acme"}),
    Fake("mandrill", "POST", "/api/1.0/users/ping2", _json_body("key"), json_reply(200, {"PING": "PONG!"}),
         json_reply(500, {"status": "error", "code": -1, "name": "Invalid_Key", "message": "Invalid API key"})),
    Fake("zerobounce", "GET", "/v2/getcredits", _query("api_key"), json_reply(200, {"Credits": "2375"}),
         json_reply(200, {"Credits": "-1"})),
    Fake("neverbounce", "GET", "/v4/account/info", _query("key"),
         json_reply(200, {"status": "success", "credits_info": {"paid_credits_remaining": 900}}),
         json_reply(200, {"status": "auth_failure", "message": "Invalid API key"})),
    Fake("hunterio", "GET", "/v2/account", _query("api_key"), json_reply(200,
         {"data": {"email": "growth@acme.io", "plan_name": "Starter"}}),
         json_reply(401, {"errors": [{"id": "authentication_failed", "code": 401}]}), {"email": "growth@acme.io"}),
    Fake("apollo", "GET", "/v1/auth/health", _header("x-api-key"), json_reply(200,
         {"healthy": True, "is_logged_in": True}),
         json_reply(200, {"healthy": True, "is_logged_in": False})),
    Fake("google-api-key", "GET", "/v1beta/models", _query("key"), json_reply(200,
         {"models": [{"name": "models/gemini"}]}),
         json_reply(400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                    "status": "INVALID_ARGUMENT"}})),
    Fake("steam", "GET", "/ISteamWebAPIUtil/GetSupportedAPIList/v1/", _query("key"), json_reply(200,
         {"apilist": {"interfaces": []}}),
         json_reply(403, {"error": "Forbidden"})),
    Fake("riot-games", "GET", "/lol/status/v4/platform-data", _header("x-riot-token"), json_reply(200,
         {"id": "NA1", "name": "North America"}),
         json_reply(403, {"status": {"message": "Forbidden", "status_code": 403}})),
    Fake("facebook", "GET", "/me", _query("access_token"), json_reply(200, {"id": "1001", "name": "Acme Page"}),
         json_reply(400, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}),
         {"id": "1001"}),
    Fake("instagram", "GET", "/me", _query("access_token"), json_reply(200, {"id": "17841", "username": "acme"}),
         json_reply(400, {"error": {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190}}),
         {"username": "acme"}),
    Fake("linear", "POST", "/graphql", _header("authorization"),
         json_reply(200, {"data": {"viewer": {"id": "u1", "name": "Dev", "email": "dev@acme.io"}}}),
         json_reply(400, {"errors": [{"message": "Authentication required, not authenticated",
                                      "extensions": {"code": "AUTHENTICATION_ERROR"}}]}), {"email": "dev@acme.io"}),
    Fake("monday", "POST", "/v2", _header("authorization"),
         json_reply(200, {"data": {"me": {"name": "PM", "email": "pm@acme.io", "account": {"name": "Acme"}}}}),
         json_reply(401, {"errors": [{"message": "Not Authenticated"}]}), {"email": "pm@acme.io"}),
    Fake("baseten", "GET", "/v1/models", _prefixed("authorization", "Api-Key "), json_reply(200,
         {"models": [{"id": "m1"}]}),
         json_reply(401, {"error": "Invalid API key"})),
    Fake("runpod", "GET", "/v1/pods", _bearer, json_reply(200, [{"id": "pod1"}]),
         json_reply(401, {"error": "Unauthorized"})),
    Fake("speechmatics", "GET", "/v2/jobs/", _bearer, json_reply(200, {"jobs": []}),
         json_reply(401, {"code": 401, "error": "Permission Denied"})),
    Fake("revai", "GET", "/speechtotext/v1/account", _bearer, json_reply(200,
         {"email": "asr@acme.io", "balance_seconds": 300}),
         json_reply(401, {"title": "Authorization has been denied for this request", "status": 401}),
         {"email": "asr@acme.io"}),
    Fake("exchangerate", "GET", "/v6/{token}/quota", _exchangerate, json_reply(200,
         {"result": "success", "requests_remaining": 1400}),
         json_reply(403, {"result": "error", "error-type": "invalid-key"})),
    Fake("openexchangerates", "GET", "/api/usage.json", _query("app_id"), json_reply(200,
         {"status": 200, "data": {"plan": {"name": "Free"}}}),
         json_reply(401, {"error": True, "status": 401, "message": "invalid_app_id"})),
    Fake("appveyor", "GET", "/api/projects", _bearer, json_reply(200, [{"projectId": 1}]),
         json_reply(401, {"message": "Authorization has been denied for this request."})),
    Fake("codefresh", "GET", "/api/user", _header("authorization"), json_reply(200,
         {"userName": "ci", "email": "ci@acme.io"}),
         json_reply(401, {"status": 401, "message": "Unauthorized"}), {"user": "ci"}),
    Fake("papertrail", "GET", "/api/v1/systems.json", _header("x-papertrail-token"), json_reply(200,
         [{"id": 1, "name": "web"}]),
         json_reply(401, {"message": "Authentication failed"})),
    Fake("rollbar", "GET", "/api/1/project/", _header("x-rollbar-access-token"), json_reply(200,
         {"err": 0, "result": {"id": 1, "name": "web"}}),
         json_reply(401, {"err": 1, "message": "invalid access token"}), {"project": "web"}),
    Fake("raygun", "GET", "/v3/applications", _bearer, json_reply(200, [{"identifier": "a1", "name": "web"}]),
         json_reply(401, {"title": "Unauthorized", "status": 401})),
    Fake("cronitor", "GET", "/api/monitors", _basic_user, json_reply(200, {"monitors": [], "page_size": 1}),
         json_reply(403, {"detail": "Invalid API key"})),
    Fake("flagsmith", "GET", "/api/v1/flags/", _header("x-environment-key"), json_reply(200,
         [{"feature": {"name": "beta"}, "enabled": True}]),
         json_reply(401, {"detail": "Invalid or missing Environment Key"})),
    Fake("configcat", "GET", "/configuration-files/{token}/config_v6.json", _configcat, json_reply(200,
         {"p": {"u": "https://cdn-global.configcat.com"}, "f": {}}),
         json_reply(404, {})),
    Fake("calcom", "GET", "/v2/me", _bearer, json_reply(200,
         {"status": "success", "data": {"email": "cal@acme.io", "username": "cal"}}),
         json_reply(401, {"status": "error", "error": {"code": "UnauthorizedException"}}), {"email": "cal@acme.io"}),
    Fake("squarespace", "GET", "/1.0/authorization/website", _bearer, json_reply(200,
         {"id": "w1", "siteTitle": "Acme", "url": "https://acme.example"}),
         json_reply(401, {"type": "AUTHORIZATION_ERROR", "message": "Unauthorized"}), {"site": "Acme"}),
    Fake("buttercms", "GET", "/v2/posts/", _query("auth_token"), json_reply(200, {"meta": {"count": 0}, "data": []}),
         json_reply(401, {"detail": "Invalid token."})),
    Fake("campaign-monitor", "GET", "/api/v3.3/clients.json", _basic_pair("x"), json_reply(200,
         [{"ClientID": "c1", "Name": "Acme"}]),
         json_reply(401, {"Code": 50, "Message": "Must supply a valid HTTP Basic Authorization header"})),
    Fake("drip", "GET", "/v2/user", _basic_user, json_reply(200, {"users": [{"email": "drip@acme.io"}]}),
         json_reply(401, {"errors": [{"code": "authentication_error", "message": "You are not authenticated"}]}),
         {"email": "drip@acme.io"}),
    Fake("emailable", "GET", "/v1/account", _query("api_key"), json_reply(200,
         {"owner_email": "v@acme.io", "available_credits": 250}),
         json_reply(401, {"message": "Invalid API key."}), {"email": "v@acme.io"}),
    Fake("google-oauth", "GET", "/tokeninfo", _query("access_token"),
         json_reply(200, {"azp": "123.apps.googleusercontent.com", "email": "svc@acme.io", "scope": "openid email",
         "expires_in": "3000"}),
         json_reply(400, {"error": "invalid_token", "error_description": "Invalid Value"}), {"email": "svc@acme.io"}),
    Fake("ibm-cloud", "POST", "/identity/token", _form("apikey"),
         json_reply(200, {"access_token": "eyJ-never-kept", "token_type": "Bearer", "expires_in": 3600,
         "scope": "ibm openid"}),
         json_reply(400, {"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found."})),
    Fake("northflank", "GET", "/v1/projects", _bearer, json_reply(200, {"data": {"projects": [{"id": "web"}]}}),
         json_reply(401, {"error": {"status": 401, "message": "Unauthorized"}})),
    Fake("zerotier", "GET", "/api/v1/network", _prefixed("authorization", "token "), json_reply(200,
         [{"id": "8056c2e21c000001"}]),
         json_reply(403, {"message": "Forbidden"})),
    Fake("greynoise", "GET", "/ping", _header("key"), json_reply(200,
         {"message": "pong", "offering": "enterprise", "expiration": "2027-01-01"}),
         json_reply(401, {"message": "Invalid API key"})),
    Fake("securitytrails", "GET", "/v1/ping", _header("apikey"), json_reply(200, {"success": True}),
         json_reply(403, {"message": "Invalid authentication credentials"})),
    Fake("pipedrive", "GET", "/v1/users/me", _header("x-api-token"), json_reply(200,
         {"success": True, "data": {"email": "crm@acme.io", "company_name": "Acme"}}),
         json_reply(401, {"success": False, "error": "unauthorized access", "errorCode": 401}),
         {"email": "crm@acme.io"}),
    Fake("xendit", "GET", "/balance", _basic_user, json_reply(200, {"balance": 1241231}),
         json_reply(401, {"error_code": "INVALID_API_KEY",
         "message": "API key is not authorized for this API service"})),
    Fake("mercadopago", "GET", "/users/me", _bearer, json_reply(200, {"id": 1, "nickname": "ACME", "site_id": "MLA"}),
         json_reply(401, {"message": "invalid access token", "error": "unauthorized", "status": 401}),
         {"nickname": "ACME"}),
    Fake("aftership", "GET", "/tracking/2024-10/couriers", _header("as-api-key"), json_reply(200,
         {"meta": {"code": 200}, "data": {"couriers": []}}),
         json_reply(401, {"meta": {"code": 401, "type": "Unauthorized", "message": "Invalid API key."}})),
    Fake("duffel", "GET", "/air/airlines", _bearer, json_reply(200,
         {"data": [{"iata_code": "BA"}], "meta": {"limit": 1}}),
         json_reply(401, {"errors": [{"code": "invalid_authorization_header", "type": "authentication_error"}]})),
    Fake("here", "GET", "/v1/geocode", _query("apiKey"), json_reply(200, {"items": [{"title": "Berlin"}]}),
         json_reply(401, {"error": "Unauthorized", "error_description": "apiKey invalid. apiKey not found."})),
    Fake("locationiq", "GET", "/v1/balance", _query("key"), json_reply(200, {"status": "ok", "balance": {"day": 4800}}),
         json_reply(401, {"error": "Invalid key"})),
    Fake("opencage", "GET", "/geocode/v1/json", _query("key"), json_reply(200,
         {"rate": {"remaining": 2499}, "results": []}),
         json_reply(401, {"status": {"code": 401, "message": "invalid API key"}})),
    Fake("weatherapi", "GET", "/v1/current.json", _query("key"), json_reply(200, {"location": {"name": "London"}}),
         json_reply(401, {"error": {"code": 2006, "message": "API key is invalid."}})),
    Fake("nytimes", "GET", "/svc/topstories/v2/home.json", _query("api-key"), json_reply(200,
         {"status": "OK", "results": []}),
         json_reply(401,
         {"fault": {"faultstring": "Invalid ApiKey", "detail": {"errorcode": "oauth.v2.InvalidApiKey"}}})),
    Fake("guardian", "GET", "/search", _query("api-key"), json_reply(200, {"response": {"status": "ok", "total": 1}}),
         json_reply(401, {"message": "Unauthorized"})),
    Fake("giphy", "GET", "/v1/gifs/trending", _query("api_key"), json_reply(200, {"data": [], "meta": {"status": 200}}),
         json_reply(401, {"message": "No API key found in request"})),
    Fake("imgix", "GET", "/api/v1/sources", _bearer, json_reply(200, {"data": [{"id": "s1", "type": "sources"}]}),
         json_reply(401, {"errors": [{"status": "401", "title": "Unauthorized"}]})),
    Fake("e2b", "GET", "/sandboxes", _header("x-api-key"), json_reply(200, []),
         json_reply(401, {"code": 401, "message": "Invalid API key"})),
    Fake("browserbase", "GET", "/v1/projects", _header("x-bb-api-key"), json_reply(200,
         [{"id": "p1", "name": "scraper"}]),
         json_reply(401, {"statusCode": 401, "error": "Unauthorized"}), {"project": "scraper"}),
    Fake("apify", "GET", "/v2/users/me", _bearer, json_reply(200,
         {"data": {"username": "crawler", "email": "c@acme.io", "plan": {"id": "FREE"}}}),
         json_reply(401, {"error": {"type": "token-not-valid", "message": "Authentication token is not valid."}}),
         {"username": "crawler"}),
    Fake("roboflow", "GET", "/", _query("api_key"), json_reply(200, {"workspace": {"name": "Acme", "url": "acme"}}),
         json_reply(401,
         {"error": {"message": "This API key does not exist (or has been revoked).", "type": "OAuthException"}}),
         {"workspace": "acme"}),
    Fake("scaleai", "GET", "/v1/projects", _basic_user, json_reply(200, [{"name": "labels"}]),
         json_reply(401, {"status_code": 401, "error": "Unauthorized"})),
    Fake("astra-db", "GET", "/v2/databases", _bearer, json_reply(200, [{"id": "db1"}]),
         json_reply(401, {"errors": [{"description": "Bad Request: token is not valid", "ID": 340018}]})),
    Fake("singlestore", "GET", "/v1/workspaceGroups", _bearer, json_reply(200, [{"workspaceGroupID": "g1"}]),
         json_reply(401, {"error": "Unauthorized"})),
    Fake("cockroachdb", "GET", "/api/v1/clusters", _bearer, json_reply(200,
         {"clusters": [{"id": "c1", "name": "prod"}]}),
         json_reply(401, {"code": 16, "message": "unauthenticated"})),
    Fake("aiven", "GET", "/v1/me", _prefixed("authorization", "aivenv1 "), json_reply(200,
         {"user": {"user": "ops@acme.io", "user_id": "u1"}}),
         json_reply(403, {"message": "Invalid token", "errors": [{"status": 403}]}), {"user": "ops@acme.io"}),
    Fake("prefect", "GET", "/api/me/", _bearer, json_reply(200, {"id": "u1", "handle": "flows", "email": "f@acme.io"}),
         json_reply(401, {"detail": "Invalid authentication credentials"}), {"handle": "flows"}),
    Fake("hightouch", "GET", "/api/v1/sources", _bearer, json_reply(200, {"data": [], "hasMore": False}),
         json_reply(401, {"message": "Unauthorized"})),
    Fake("hex", "GET", "/api/v1/projects", _bearer, json_reply(200, {"values": [], "pagination": {}}),
         json_reply(401, {"reason": "Unauthorized"})),
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
