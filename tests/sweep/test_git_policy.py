"""The sweep's git calls follow the same safety policy as the history scan: a partial clone's
missing objects are never fetched over the network in the middle of a sweep."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from scanner.sweep import gitutil
from tests.fixtures.fake_http import FakeHttpServer


def sh(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def test_a_partial_clone_does_not_reach_its_promisor_remote(tmp_path: Path,
                                                            fake_http: Callable[[], FakeHttpServer]) -> None:
    server = fake_http()
    repo = tmp_path / "repo"
    repo.mkdir()
    sh(repo, "init", "-q")
    sh(repo, "config", "core.repositoryformatversion", "1")
    sh(repo, "config", "extensions.partialClone", "origin")
    sh(repo, "remote", "add", "origin", f"{server.url}/repo.git")
    sh(repo, "config", "remote.origin.promisor", "true")
    missing = "4b825dc642cb6eb9a060e54bf8d69288fbee4900"  # an object the repository lacks
    got = list(gitutil.read_blobs(repo, [missing]))
    assert got == []  # reported missing, not fetched
    assert gitutil.existing(repo, [missing]) == []
    assert server.requests == []
