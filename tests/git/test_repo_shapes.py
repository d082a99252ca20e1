"""Repositories of every shape, as `keysweep git` and `keysweep sweep` meet them: one test per shape."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.git.builder import PAT_A, PAT_B, GitRepo, lines
from tests.git.test_cli import keysweep


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def origin(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "origin")
    r.commit("add token", files={"deploy.sh": lines(f"export GITHUB_TOKEN={PAT_A}")})
    r.commit("remove token", files={"deploy.sh": lines("export GITHUB_TOKEN=$TOKEN")})
    r.commit("other", files={"ci.sh": lines(f"export GH={PAT_B}")})
    r.git("config", "uploadpack.allowfilter", "true")
    return r


def git(*args: str) -> None:
    subprocess.run(["git", "-c", "protocol.file.allow=always", *args], check=True, capture_output=True)


def secrets_of(path: Path, *extra: str) -> tuple[int, set[str], str]:
    code, out, err = keysweep("git", str(path), "--no-progress", "--format", "json", *extra)
    return code, ({f["secret"] for f in json.loads(out)} if out.strip() else set()), err


def test_bare_clone(origin: GitRepo, tmp_path: Path) -> None:
    git("clone", "-q", "--bare", str(origin.path), str(tmp_path / "b.git"))
    assert secrets_of(tmp_path / "b.git")[:2] == (1, {PAT_A, PAT_B})


def test_mirror_clone(origin: GitRepo, tmp_path: Path) -> None:
    git("clone", "-q", "--mirror", str(origin.path), str(tmp_path / "m.git"))
    assert secrets_of(tmp_path / "m.git")[:2] == (1, {PAT_A, PAT_B})


def test_git_directory_without_a_config_file(origin: GitRepo, tmp_path: Path) -> None:
    cache = tmp_path / "cache-of-a-tool" / "repo.git"
    git("clone", "-q", "--bare", str(origin.path), str(cache))
    (cache / "config").unlink()
    code, found, err = secrets_of(cache)
    assert (code, found) == (1, {PAT_A, PAT_B}), err
    code, out, err = keysweep("sweep", str(cache), "--store", str(tmp_path / "ks.db"))
    assert code == 1 and "1 scanned" in err and str(cache.parent) + ":" not in err


def test_worktree(origin: GitRepo, tmp_path: Path) -> None:
    origin.git("branch", "feature")
    origin.git("worktree", "add", "-q", str(tmp_path / "wt"), "feature")
    assert secrets_of(tmp_path / "wt")[:2] == (1, {PAT_A, PAT_B})


def test_submodule_is_reported_not_entered(origin: GitRepo, tmp_path: Path) -> None:
    outer = GitRepo(tmp_path / "outer")
    outer.commit("init", files={"README.md": "# outer\n"})
    outer.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(origin.path), "lib")
    outer.commit("add lib")
    code, found, err = secrets_of(outer.path)
    assert (code, found) == (0, set())  # the submodule's history belongs to its own repository
    assert "1 submodule(s) not entered: lib (" in err and "keysweep git PATH" in err


def test_shallow_clone_says_what_is_missing(origin: GitRepo, tmp_path: Path) -> None:
    git("clone", "-q", "--depth", "1", f"file://{origin.path}", str(tmp_path / "s"))
    code, found, err = secrets_of(tmp_path / "s")
    assert (code, found) == (1, {PAT_B})  # the token added then removed is before the boundary
    assert "shallow clone: history before its 1 boundary commit(s) is not here" in err


def test_partial_clone_fetches_nothing(origin: GitRepo, tmp_path: Path) -> None:
    clone = tmp_path / "p"
    git("clone", "-q", "--filter=blob:none", f"file://{origin.path}", str(clone))
    shutil.rmtree(origin.path)  # any fetch would now fail loudly; none may be tried
    before = subprocess.run(["git", "-C", str(clone), "count-objects", "-v"], capture_output=True, text=True).stdout
    code, found, err = secrets_of(clone)
    assert (code, found) == (1, {PAT_B})  # PAT_A's blob was never downloaded
    assert "not present in this partial clone (not fetched)" in err
    after = subprocess.run(["git", "-C", str(clone), "count-objects", "-v"], capture_output=True, text=True).stdout
    assert before == after
    code, _, err = keysweep("sweep", str(clone), "--store", str(tmp_path / "ks.db"))
    assert code == 1 and "1 scanned" in err
    assert subprocess.run(["git", "-C", str(clone), "count-objects", "-v"], capture_output=True,
                          text=True).stdout == before


def test_git_file_pointing_elsewhere(origin: GitRepo, tmp_path: Path) -> None:
    git("clone", "-q", f"--separate-git-dir={tmp_path / 'store.git'}", str(origin.path), str(tmp_path / "co"))
    assert (tmp_path / "co" / ".git").is_file()
    assert secrets_of(tmp_path / "co")[:2] == (1, {PAT_A, PAT_B})
    assert secrets_of(tmp_path / "store.git")[:2] == (1, {PAT_A, PAT_B})


def test_repository_given_by_its_git_directory(origin: GitRepo) -> None:
    code, found, err = secrets_of(origin.path / ".git")
    assert (code, found) == (1, {PAT_A, PAT_B}), err
    code, out, _ = keysweep("git", str(origin.path / ".git"), "--no-progress", "--format", "json")
    assert {f["path"] for f in json.loads(out)} == {"deploy.sh", "ci.sh"}


def test_a_repository_config_cannot_make_the_scan_run_a_program(origin: GitRepo, tmp_path: Path) -> None:
    """log.showSignature + gpg.program in the scanned repository's own config would have git run that
    program while keysweep reads commit metadata (seen: it did, before the option was pinned)."""
    marker = tmp_path / "ran"
    program = tmp_path / "fake-gpg"
    program.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    program.chmod(0o755)
    origin.commit("new token", files={"later.sh": lines(f"export GH_NEXT={PAT_A}")})
    plain = origin.git("cat-file", "commit", "HEAD")
    head, _, message = plain.partition("\n\n")
    signed = (f"{head}\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----"
              f"\n\n{message}\n")
    sha = origin.git("hash-object", "-t", "commit", "-w", "--stdin", input=signed.encode())
    origin.git("update-ref", "refs/heads/main", sha)
    origin.git("config", "log.showSignature", "true")
    origin.git("config", "gpg.program", str(program))
    code, found, err = secrets_of(origin.path)
    assert code == 1, err
    assert PAT_A in found
    assert not marker.exists()
    # the same repository swept
    store = tmp_path / "store.db"
    swept = keysweep("sweep", str(origin.path), "--store", str(store))
    assert swept[0] in (0, 1), swept[2]
    assert not marker.exists()
