"""`verification.access`: what a live secret can reach, read from the provider's own answers (the
check's, then a few read-only probes to the same host), shown in JSON, text and HTML."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.models import VerificationStatus
from scanner.verify import verify_findings
from tests.cloud.runcli import keysweep
from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply
from tests.helpers import GITHUB_PAT
from tests.verify.fakes import RULES, finding, settings_for

Factory = Callable[[], FakeHttpServer]


def authorised(header: str, value: str, reply: Reply) -> Callable[[Recorded], Reply]:
    return lambda req: reply if req.headers.get(header) == value else json_reply(401, {"message": "Bad credentials"})


def github_server(fake_http: Factory, orgs: Reply | None = None) -> FakeHttpServer:
    server = fake_http()
    auth = f"token {GITHUB_PAT}"
    server.route("GET", "/user", authorised("authorization", auth, json_reply(
        200, {"login": "octocat", "type": "User", "owned_private_repos": 3, "plan": {"name": "pro"}},
        {"X-OAuth-Scopes": "repo, admin:org", "GitHub-Authentication-Token-Expiration": "2027-03-01 10:00:00 UTC"})))
    server.route("GET", "/user/orgs", authorised("authorization", auth, orgs or json_reply(
        200, [{"login": "acme"}, {"login": "acme-labs"}])))
    server.route("GET", "/user/repos", authorised("authorization", auth, json_reply(
        200, [{"name": f"r{i}", "private": i == 7} for i in range(100)],
        {"Link": '<https://api.github.com/user/repos?page=2>; rel="next"'})))
    return server


def access_of(provider: str, secret: str, url: str) -> dict[str, object]:
    [f] = verify_findings([finding(f"{provider}-token", secret)], settings_for({provider: url}), RULES)
    assert f.verification is not None and f.verification.status is VerificationStatus.VALID, f.verification
    return dict(f.verification.access)


def test_github_scopes_expiry_organisations_and_repositories(fake_http: Factory) -> None:
    server = github_server(fake_http)
    assert access_of("github", GITHUB_PAT, server.url) == {
        "scopes": ["repo", "admin:org"], "expires": "2027-03-01 10:00:00 UTC", "account_type": "User",
        "owned_private_repos": 3, "plan": "pro", "organisations": ["acme", "acme-labs"],
        "repositories": "100+", "any_private": True}
    assert [r.path for r in server.requests] == [
        "/user", "/user/orgs?per_page=100",
        "/user/repos?per_page=100&affiliation=owner,collaborator,organization_member"]


def test_a_probe_the_token_may_not_read_is_named_not_guessed(fake_http: Factory) -> None:
    server = github_server(fake_http, orgs=json_reply(403, {"message": "Resource not accessible"}))
    access = access_of("github", GITHUB_PAT, server.url)
    assert "organisations" not in access and access["not_read"] == ["/user/orgs?per_page=100 (HTTP 403)"]
    assert access["repositories"] == "100+"


def test_an_invalid_token_is_not_probed(fake_http: Factory) -> None:
    server = github_server(fake_http)
    [f] = verify_findings([finding("github-token", "ghp_" + "0" * 36)], settings_for({"github": server.url}), RULES)
    assert f.verification is not None and f.verification.status is VerificationStatus.INVALID
    assert not f.verification.access and [r.path for r in server.requests] == ["/user"]


def test_gitlab_scopes_expiry_user_and_projects(fake_http: Factory) -> None:
    server = fake_http()
    token = "glpat-abcdefghij0123456789"
    ok = authorised("private-token", token, json_reply(
        200, {"name": "ci", "scopes": ["api", "read_repository"], "expires_at": "2027-01-31", "active": True,
              "revoked": False}))
    server.route("GET", "/api/v4/personal_access_tokens/self", ok)
    server.route("GET", "/api/v4/user", authorised("private-token", token, json_reply(
        200, {"username": "deploy", "is_admin": False})))
    server.route("GET", "/api/v4/projects", authorised(
        "private-token", token, json_reply(200, [{"id": 1, "visibility": "internal"},
                                                 {"id": 2, "visibility": "private"}], {"X-Total": "2"})))
    assert access_of("gitlab", token, server.url) == {
        "scopes": ["api", "read_repository"], "expires_at": "2027-01-31", "username": "deploy", "admin": False,
        "projects": 2, "projects_total": "2", "any_private": True}


def test_slack_team_and_scopes_from_the_check_itself(fake_http: Factory) -> None:
    server = fake_http()
    token = "xoxb-1-2-abc"
    server.route("POST", "/auth.test", authorised("authorization", f"Bearer {token}", json_reply(
        200, {"ok": True, "team": "Acme", "user": "bot", "bot_id": "B01"},
        {"x-oauth-scopes": "chat:write,files:read"})))
    assert access_of("slack", token, server.url) == {
        "scopes": ["chat:write", "files:read"], "team": "Acme", "bot_id": "B01"}
    assert len(server.requests) == 1


@pytest.mark.parametrize(("livemode", "expected"), [(True, True), (False, False)])
def test_stripe_live_or_test_mode(fake_http: Factory, livemode: bool, expected: bool) -> None:
    server = fake_http()
    key = "sk_live_" + "a" * 24
    auth = f"Bearer {key}"
    server.route("GET", "/v1/account", authorised("authorization", auth, json_reply(
        200, {"id": "acct_1", "country": "DE", "charges_enabled": True, "payouts_enabled": False})))
    server.route("GET", "/v1/balance", authorised("authorization", auth, json_reply(
        200, {"object": "balance", "livemode": livemode})))
    assert access_of("stripe", key, server.url) == {"account": "acct_1", "country": "DE", "charges_enabled": True,
                                                    "payouts_enabled": False, "livemode": expected}


@pytest.mark.parametrize(("provider", "header", "value", "answer_headers", "expected"), [
    ("openai", "authorization", "Bearer sk-proj-x", {"openai-organization": "org-acme", "openai-project": "proj_1",
                                                     "x-ratelimit-limit-requests": "5000"},
     {"organization": "org-acme", "project": "proj_1", "models": 2, "requests_per_minute": "5000"}),
    ("anthropic", "x-api-key", "sk-ant-x", {"anthropic-organization-id": "org-uuid-1"},
     {"organization": "org-uuid-1", "models": 2}),
])
def test_ai_keys_organisation_and_project(fake_http: Factory, provider: str, header: str, value: str,
                                          answer_headers: dict[str, str], expected: dict[str, object]) -> None:
    server = fake_http()
    server.route("GET", "/v1/models", authorised(header, value, json_reply(
        200, {"data": [{"id": "m1"}, {"id": "m2"}]}, answer_headers)))
    secret = value.removeprefix("Bearer ")
    assert access_of(provider, secret, server.url) == expected


def test_access_is_in_the_json_text_and_html_reports(fake_http: Factory, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    server = github_server(fake_http)
    monkeypatch.setenv("KEYSWEEP_GITHUB_URL", server.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "app.py").write_text(f'TOKEN = "{GITHUB_PAT}"\n')
    target = str(tmp_path / "app.py")
    code, out, _ = keysweep("scan", "--verify", "--format", "json", "--no-progress", target)
    [f] = json.loads(out)
    assert f["verification"]["access"]["organisations"] == ["acme", "acme-labs"]
    _, text, _ = keysweep("scan", "--verify", "--no-progress", target)
    assert "can reach: scopes repo, admin:org; expires 2027-03-01 10:00:00 UTC" in text
    assert "organisations acme, acme-labs; repositories 100+; any private yes" in text
    (tmp_path / "f.json").write_text(out)
    _, html, _ = keysweep("report", "--findings", str(tmp_path / "f.json"))
    assert "organisations acme, acme-labs" in html and "<th>Can reach</th>" in html
