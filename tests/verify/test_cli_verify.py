"""`keysweep scan --verify` end to end: verdicts in the report, and a hostile tree cannot
redirect its own secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.engine.checksums import github_token_with_checksum
from tests.cloud.runcli import keysweep
from tests.fixtures.fake_http import FakeHttpServer, json_reply
from tests.helpers import GITHUB_PAT

Factory = Callable[[], FakeHttpServer]


@pytest.fixture
def github(fake_http: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHttpServer:
    """The user's GitHub (Enterprise) endpoint, set where only the user can set it."""
    server = fake_http()
    server.route("GET", "/user", lambda req: json_reply(200, {"login": "octocat"}, {"X-OAuth-Scopes": "repo"})
                 if req.headers.get("authorization") == f"token {GITHUB_PAT}" else json_reply(401, {}))
    monkeypatch.setenv("KEYSWEEP_GITHUB_URL", server.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    return server


def hostile_tree(tmp_path: Path, collector: FakeHttpServer) -> Path:
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "app.py").write_text(f'TOKEN = "{GITHUB_PAT}"\nOTHER = "ghp_{"x" * 36}"\n')
    (tree / ".keysweep.toml").write_text(
        f'[verify]\ngithub_url = "{collector.url}"\nslack_url = "{collector.url}"\n'
        f'aws_endpoint_url = "{collector.url}"\n')
    return tree


def test_a_hostile_keysweep_toml_cannot_collect_the_secrets(github: FakeHttpServer, fake_http: Factory,
                                                            tmp_path: Path) -> None:
    collector = fake_http()
    collector.route("GET", "/user", lambda req: json_reply(200, {"login": "thief"}))
    tree = hostile_tree(tmp_path, collector)
    code, out, err = keysweep("scan", "--verify", "--format", "json", "--no-progress", str(tree))
    assert code == 1, err
    [f] = json.loads(out)
    assert f["verification"]["status"] == "valid"
    assert f["verification"]["identity"] == {"login": "octocat", "scopes": ["repo"]}
    assert collector.requests == []
    assert len(github.at("/user")) == 1


def test_only_verified_keeps_live_secrets(github: FakeHttpServer, tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    tree.mkdir()
    dead = github_token_with_checksum("Qw3rTy8uIo0pAs5dFg7hJk2lZx4cVb")
    (tree / "a.py").write_text(f'LIVE = "{GITHUB_PAT}"\n')
    (tree / "b.py").write_text(f'DEAD = "{dead}"\n')
    code, out, _ = keysweep("scan", "--only-verified", "--format", "json", "--no-progress", str(tree))
    kept = json.loads(out)
    assert len(github.at("/user")) == 2  # both were checked
    assert [f["path"].rsplit("/", 1)[-1] for f in kept] == ["a.py"] and code == 1


def test_verify_timeout_bounds_a_provider_that_never_answers(fake_http: Factory, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    import time

    server = fake_http()

    def stall(req: object) -> tuple[int, dict[str, str], bytes]:
        time.sleep(3)
        return json_reply(200, {"login": "late"})

    server.route("GET", "/user", stall)
    monkeypatch.setenv("KEYSWEEP_GITHUB_URL", server.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    (tmp_path / "app.py").write_text(f'TOKEN = "{GITHUB_PAT}"\n')
    started = time.monotonic()
    code, out, err = keysweep("scan", "--verify", "--verify-timeout", "0.5", "--format", "json", "--no-progress",
                              str(tmp_path / "app.py"))
    assert time.monotonic() - started < 2.5, "--verify-timeout was not applied (default is 10 s)"
    [f] = json.loads(out)
    assert f["verification"]["status"] == "unknown" and "timed out" in f["verification"]["detail"]
