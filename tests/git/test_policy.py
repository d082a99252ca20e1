"""One git module, one safety policy: a hostile repository's configuration (or the user's) never
makes keysweep run a program, whichever command reads the repository."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.errors import SourceError
from scanner.sources.gitcmd import clone_or_fetch
from tests.git.builder import GitRepo, lines
from tests.helpers import AWS_KEY_ID, AWS_SECRET

REPO = Path(__file__).resolve().parents[2]
SCANNER = REPO / "scanner"
GIT_MODULE = SCANNER / "sources" / "gitcmd.py"
FORBIDDEN_CALLS = {"system", "popen", "spawnl", "spawnlp", "spawnv", "spawnvp", "execv", "execvp", "execl",
                   "execlp", "fork", "posix_spawn", "posix_spawnp"}


def test_only_the_git_module_starts_processes() -> None:
    offenders = []
    for path in SCANNER.rglob("*.py"):
        if path == GIT_MODULE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("subprocess", "git", "pty") for n in names):
                offenders.append(f"{path.relative_to(REPO)}: imports {names}")
            if (isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_CALLS
                    and isinstance(node.value, ast.Name) and node.value.id == "os"):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: os.{node.attr}")
    assert offenders == []


def _trap(tmp: Path) -> tuple[Path, Path]:
    marker = tmp / "RAN"
    script = tmp / "evil.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    return script, marker


def _hostile_settings(script: Path) -> list[tuple[str, str]]:
    s = str(script)
    return [("core.fsmonitor", s), ("core.pager", s), ("pager.log", s), ("pager.diff", s), ("diff.external", s),
            ("diff.evil.textconv", s), ("filter.evil.clean", s), ("filter.evil.smudge", s),
            ("filter.evil.process", s), ("gpg.program", s), ("log.showSignature", "true"),
            ("core.hooksPath", str(script.parent / "hooks")), ("core.sshCommand", s),
            ("credential.helper", f"!{s}"), ("core.alternateRefsCommand", s), ("protocol.allow", "always")]


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[GitRepo, Path, Path, dict[str, str]]:
    script, marker = _trap(tmp_path)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "post-checkout", "reference-transaction", "pre-auto-gc", "post-index-change"):
        (hooks / hook).symlink_to(script)
    repo = GitRepo(tmp_path / "repo")
    repo.commit("setup", files={".gitattributes": "*.txt diff=evil filter=evil\n",
                                "deploy/creds.txt": lines(f"aws_access_key_id = {AWS_KEY_ID}",
                                                          f"aws_secret_access_key = {AWS_SECRET}")})
    repo.write("deploy/more.txt", lines(f"backup_key_id = {AWS_KEY_ID}", f"backup_secret = {AWS_SECRET}"))
    repo.git("add", "-A")  # staged before the trap is set: the test's own git must not trip it
    home = tmp_path / "home"
    home.mkdir()
    for key, value in _hostile_settings(script):
        repo.git("config", "--file", str(home / ".gitconfig"), key, value)
    for key, value in _hostile_settings(script):
        repo.git("config", key, value)
    assert not marker.exists()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "GIT_EXTERNAL_DIFF": str(script), "GIT_PAGER": str(script),
           "PAGER": str(script)}
    return repo, marker, tmp_path, env


def keysweep(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, stdin=subprocess.DEVNULL)


def test_no_command_runs_a_program_from_repository_or_user_config(
        hostile: tuple[GitRepo, Path, Path, dict[str, str]]) -> None:
    repo, marker, tmp, env = hostile
    history = keysweep(env, "git", str(repo.path), "--format", "json", "--no-progress")
    assert history.returncode == 1, history.stderr
    assert {f["path"] for f in json.loads(history.stdout)} == {"deploy/creds.txt"}
    staged = keysweep(env, "git", str(repo.path), "--staged", "--format", "json")
    assert staged.returncode == 1 and {f["path"] for f in json.loads(staged.stdout)} == {"deploy/more.txt"}
    store = str(tmp / "ks.db")
    swept = keysweep(env, "sweep", str(repo.path), "--store", store, "--format", "json")
    assert swept.returncode == 1, swept.stderr
    exposed = keysweep(env, "exposure", AWS_KEY_ID, "--store", store, "--format", "json")
    assert exposed.returncode in (0, 1), exposed.stderr
    baseline = keysweep(env, "baseline", "create", "--git", str(repo.path), "-o", str(tmp / "b.json"))
    assert baseline.returncode == 0, baseline.stderr
    assert not marker.exists(), marker.read_text()


def test_a_clone_never_uses_a_transport_that_runs_a_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script, marker = _trap(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[protocol]\n\tallow = always\n[protocol \"ext\"]\n\tallow = always\n",
                                     encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(SourceError):
        clone_or_fetch(f"ext::{script} %S", tmp_path / "clones" / "x.git", timeout=30)
    assert not marker.exists()
