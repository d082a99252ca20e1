"""`keysweep revoke`: a dry run by default; with --yes one request to the provider's own revocation
API (GitHub, GitLab, Slack) or the AWS key set Inactive; every attempt is in the store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.errors import RuleError
from scanner.rules import load_builtin_rules, parse_declarations
from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply
from tests.fixtures.moto_server import MotoLab
from tests.helpers import GITHUB_PAT
from tests.sweep.gitrepos import make_repo
from tests.sweep.test_cli import ks

Factory = Callable[[], FakeHttpServer]


def example(rule_id: str) -> str:
    rule = next(r for r in load_builtin_rules() if r.id == rule_id)
    secret = rule.examples[0].secret
    assert secret
    return secret


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("KEYSWEEP_VERIFY_RETRIES", "0")
    return tmp_path


def secret_file(tmp_path: Path, text: str) -> str:
    f = tmp_path / "leaked.txt"
    f.write_text(text + "\n", encoding="utf-8")
    return str(f)


def revocations(store: Path) -> list[tuple[object, ...]]:
    return sqlite3.connect(store).execute(
        "SELECT fingerprint, provider, actor, dry_run, outcome, secret_hash FROM revocations ORDER BY id").fetchall()


def github(fake_http: Factory, monkeypatch: pytest.MonkeyPatch) -> FakeHttpServer:
    server = fake_http()
    server.route("POST", "/credentials/revoke", lambda req: json_reply(202, {}))
    monkeypatch.setenv("KEYSWEEP_GITHUB_URL", server.url)
    return server


def test_a_dry_run_sends_nothing_and_says_what_would_be_sent_where(env: Path, fake_http: Factory,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    server = github(fake_http, monkeypatch)
    store = env / "ks.db"
    code, out, err = ks("revoke", "--secret-from", secret_file(env, f"token={GITHUB_PAT}"), "--store", str(store))
    assert code == 0, err
    assert server.requests == []
    assert "would revoke github-pat-classic" in out and f"POST {server.url}/credentials/revoke" in out
    assert "add --yes" in out and GITHUB_PAT not in out
    [(fp, provider, actor, dry, outcome, hashed)] = revocations(store)
    assert (fp, provider, dry, outcome) == (None, "github", 1, "would-revoke") and "@" in str(actor)
    assert GITHUB_PAT.encode() not in store.read_bytes() and len(str(hashed)) >= 40


def test_github_revokes_through_its_credential_revocation_api(env: Path, fake_http: Factory,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    server = github(fake_http, monkeypatch)
    store = env / "ks.db"
    code, out, err = ks("revoke", "--secret-from", secret_file(env, GITHUB_PAT), "--store", str(store), "--yes")
    assert code == 0, err
    [req] = server.requests
    assert json.loads(req.body) == {"credentials": [GITHUB_PAT]} and "authorization" not in req.headers
    assert out.startswith("revoked: github-pat-classic") and GITHUB_PAT not in out
    assert [r[4] for r in revocations(store)] == ["revoked"]


def test_gitlab_self_revokes_and_a_second_time_the_token_is_already_gone(env: Path, fake_http: Factory,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    token = example("gitlab-pat")
    alive = {"yes": True}
    server = fake_http()

    def delete(req: Recorded) -> Reply:
        if req.headers.get("private-token") != token or not alive["yes"]:
            return json_reply(401, {"message": "401 Unauthorized"})
        alive["yes"] = False
        return 204, {}, b""

    server.route("DELETE", "/api/v4/personal_access_tokens/self", delete)
    monkeypatch.setenv("KEYSWEEP_GITLAB_URL", server.url)
    f = secret_file(env, f"GITLAB_TOKEN={token}")
    code, out, err = ks("revoke", "--secret-from", f, "--store", str(env / "ks.db"), "--yes")
    assert code == 0 and out.startswith("revoked: gitlab-pat"), err
    code, out, _ = ks("revoke", "--secret-from", f, "--store", str(env / "ks.db"), "--yes")
    assert code == 0 and out.startswith("gone: gitlab-pat") and "no longer accepts it (HTTP 401)" in out
    assert [r.method for r in server.requests] == ["DELETE", "DELETE"]


@pytest.mark.parametrize(("answer", "outcome", "code"), [
    (json_reply(200, {"ok": True, "revoked": True}), "revoked", 0),
    (json_reply(200, {"ok": False, "error": "token_revoked"}), "gone", 0),
    (json_reply(503, {"ok": False}), "failed", 3),
    ((200, {"Content-Type": "text/html"}, b"<html>firewall</html>"), "failed", 3),
])
def test_slack_auth_revoke_and_what_its_answers_mean(env: Path, fake_http: Factory, monkeypatch: pytest.MonkeyPatch,
                                                    answer: Reply, outcome: str, code: int) -> None:
    token = example("slack-bot-token")
    server = fake_http()
    server.route("POST", "/auth.revoke", lambda req: answer if req.headers.get("authorization") == f"Bearer {token}"
                 else json_reply(200, {"ok": False, "error": "invalid_auth"}))
    monkeypatch.setenv("KEYSWEEP_SLACK_URL", server.url)
    got, out, err = ks("revoke", "--secret-from", secret_file(env, token), "--store", str(env / "ks.db"), "--yes")
    assert (got, out.split(":")[0]) == (code, outcome), out + err
    assert len(server.requests) == 1


def test_a_finding_in_the_store_is_revoked_by_fingerprint_and_resolved(env: Path, fake_http: Factory,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    server = github(fake_http, monkeypatch)
    repo = make_repo(env / "repos" / "web", {"settings.py": f"TOKEN = '{GITHUB_PAT}'\n"})
    store = env / "ks.db"
    ks("sweep", str(repo.path), "--store", str(store))
    _, out, _ = ks("report", "--store", str(store), "--format", "json")
    [finding] = json.loads(out)
    code, out, err = ks("revoke", finding["fingerprint"], "--store", str(store), "--yes")
    assert code == 0 and out.startswith("revoked: "), err
    assert json.loads(server.requests[0].body) == {"credentials": [GITHUB_PAT]}
    assert revocations(store)[0][:1] == (finding["fingerprint"],)
    _, out, _ = ks("report", "--store", str(store), "--format", "json")
    assert json.loads(out) == []  # resolved as deactivated
    code, _, err = ks("revoke", "github-pat-classic:00000000000000000000", "--store", str(store))
    assert code == 2 and "no such finding" in err


def test_an_aws_key_is_set_inactive_with_the_users_own_credentials(env: Path, aws: MotoLab) -> None:
    admin = aws.admin()
    ((key_id, secret),) = aws.user("deploy-bot")
    aws.enforce()
    f = secret_file(env, f"aws_access_key_id = {key_id}\naws_secret_access_key = {secret}")
    code, out, err = ks("revoke", "--secret-from", f, "--store", str(env / "ks.db"))
    assert code == 0 and "iam:UpdateAccessKey" in out, err
    iam = aws.client("iam", *admin)
    assert iam.list_access_keys(UserName="deploy-bot")["AccessKeyMetadata"][0]["Status"] == "Active"
    code, out, err = ks("revoke", "--secret-from", f, "--store", str(env / "ks.db"), "--yes")
    assert code == 0 and "revoked:" in out and f"{key_id} of user deploy-bot" in out, err
    assert iam.list_access_keys(UserName="deploy-bot")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    assert secret not in out


def test_no_api_or_no_secret_is_a_usage_error_and_nothing_is_sent(env: Path, fake_http: Factory,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    server = fake_http()
    monkeypatch.setenv("KEYSWEEP_STRIPE_URL", server.url)
    code, out, _ = ks("revoke", "--secret-from", secret_file(env, example("stripe-secret-key")),
                      "--store", str(env / "ks.db"), "--yes")
    assert code == 2 and "no revocation API known" in out and server.requests == []
    code, _, err = ks("revoke", "--secret-from", secret_file(env, "hello world"), "--store", str(env / "ks.db"))
    assert code == 2 and "no secret that keysweep recognises" in err
    code, _, err = ks("revoke", "--store", str(env / "ks.db"))
    assert code == 2 and "FINGERPRINT" in err


@pytest.mark.parametrize(("revoke", "message"), [
    ("{ path = '/revoke', method = 'GET', headers = { Authorization = 'Bearer {secret}' } }", "POST, DELETE"),
    ("{ path = '/revoke' }", "not sent anywhere"),
    ("{ path = 'revoke', headers = { X = '{secret}' } }", "must start with '/'"),
    ("{ path = '/revoke', headers = { X = '{secret}' }, url = 'https://evil.example' }", "unknown field"),
])
def test_a_bad_revoke_table_is_refused_at_load(revoke: str, message: str) -> None:
    import tomllib

    text = (f"[[verifiers]]\nname = 'acme'\nbase = 'https://api.acme.example'\npath = '/me'\n"
            f"headers = {{ Authorization = 'Bearer {{secret}}' }}\nrevoke = {revoke}\n")
    with pytest.raises(RuleError, match="revoke") as e:
        parse_declarations(tomllib.loads(text), "acme.toml")
    assert message in str(e.value)
