"""`keysweep git` and `keysweep baseline create` as a user runs them: output, exit codes, hook file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.git.builder import PAT_A, PAT_B, GitRepo, filler, lines
from tests.helpers import AWS_KEY_ID, AWS_SECRET

ROOT = Path(__file__).resolve().parents[2]


def keysweep(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "scanner.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the rule cache of these runs


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", files={"README.md": "# demo\n", "app/settings.py": lines(*filler(10))})
    return r


def test_history_json_names_the_introducing_commit(repo: GitRepo) -> None:
    added = repo.commit("add keys", files={"app/settings.py": lines(
        *filler(10), f'aws_access_key_id = "{AWS_KEY_ID}"', f'aws_secret_access_key = "{AWS_SECRET}"')})
    repo.commit("remove keys", files={"app/settings.py": lines(*filler(10))})
    code, out, err = keysweep("git", str(repo.path), "--format", "json", "--no-progress")
    assert code == 1, err
    rows = {r["rule_id"]: r for r in json.loads(out)}
    key = rows["aws-access-key-id"]
    assert (key["commit"], key["path"], key["line"], key["subject"]) == (added, "app/settings.py", 11, "add keys")
    assert key["author_name"] == "Ada Moreau" and key["date"] == repo.date_of(added)
    assert key["present_in_head"] is False


def test_text_report_groups_occurrences_and_masks(repo: GitRepo) -> None:
    repo.commit("two", files={"a.sh": lines(f"export T={PAT_A}"), "b.sh": lines(f"export T={PAT_A}")})
    code, out, _ = keysweep("git", str(repo.path), "--no-progress")
    assert code == 1 and PAT_A not in out
    assert "(2 occurrences)" in out and "(still at HEAD)" in out and '"two"' in out


def test_clean_history_exits_0(repo: GitRepo) -> None:
    code, out, _ = keysweep("git", str(repo.path))
    assert code == 0 and "No secrets found" in out


def test_usage_errors_exit_2_with_one_line(repo: GitRepo, tmp_path: Path) -> None:
    for args in (["git", str(tmp_path / "nowhere")], ["git", str(tmp_path)],
                 ["git", str(repo.path), "--branch", "no-such-branch"],
                 ["git", str(repo.path), "--range", "HEAD~1..HEAD", "--branch", "main"],
                 ["git", str(repo.path), "--staged", "--branch", "main"]):
        code, out, err = keysweep(*args)
        assert code == 2, (args, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_staged_blocks_the_commit_and_explains_the_ways_out(repo: GitRepo) -> None:
    repo.write("app/settings.py", lines(*filler(10), f'GITHUB_TOKEN = "{PAT_B}"'))
    repo.git("add", "-A")
    code, out, err = keysweep("git", "--staged", cwd=repo.path)
    assert code == 1
    assert "app/settings.py:11" in out and PAT_B not in out and PAT_B not in err
    assert "commit blocked" in err and "keysweep:allow" in err and "baseline add" in err
    repo.write("app/settings.py", lines(*filler(10), f'GITHUB_TOKEN = "{PAT_B}"  # keysweep:allow'))
    repo.git("add", "-A")
    assert keysweep("git", "--staged", cwd=repo.path)[0] == 0


def test_baseline_create_then_only_new_secrets_fail(repo: GitRepo) -> None:
    repo.commit("known", files={"app/creds.py": lines(f'T = "{PAT_A}"')})
    baseline = repo.path.parent / "baseline.json"
    code, _, err = keysweep("baseline", "create", "--git", str(repo.path), "--output", str(baseline))
    assert code == 0 and "wrote 1 fingerprint" in err
    doc = json.loads(baseline.read_text())
    assert PAT_A not in baseline.read_text() and doc["findings"][0]["rule_id"] == "github-pat-classic"
    assert keysweep("git", str(repo.path), "--baseline", str(baseline))[0] == 0
    # moved to another file and re-indented: still known
    repo.commit("move", files={"app/creds.py": lines("x = 1"), "lib/other.py": lines(f'    T = "{PAT_A}"')})
    assert keysweep("git", str(repo.path), "--baseline", str(baseline))[0] == 0
    assert keysweep("scan", str(repo.path), "--baseline", str(baseline), "--no-progress")[0] == 0
    repo.commit("new", files={"lib/new.py": lines(f'T = "{PAT_B}"')})
    code, out, _ = keysweep("git", str(repo.path), "--baseline", str(baseline), "--format", "json")
    assert code == 1 and {r["secret"] for r in json.loads(out)} == {PAT_B}


def test_baseline_create_from_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f'T = "{PAT_A}"\n')
    out_file = tmp_path / "b.json"
    code, _, err = keysweep("baseline", "create", str(tmp_path), "-o", str(out_file))
    assert code == 0 and json.loads(out_file.read_text())["format"] == "keysweep-baseline"
    (tmp_path / "a.py").write_text(f'\n\n        T = "{PAT_A}"\n')  # re-indented, moved down
    assert keysweep("scan", str(tmp_path), "--baseline", str(out_file), "--no-progress")[0] == 0


def test_pre_commit_hook_declaration() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "keysweep"]
    assert hook["entry"].split() == ["keysweep", "git", "--staged"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["stages"] == ["pre-commit"]


def test_staged_counts_checksum_failures(repo: GitRepo) -> None:
    repo.write("ci.sh", lines("export GH_TOKEN=ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"))
    repo.git("add", "-A")
    code, out, err = keysweep("git", "--staged", "-v", cwd=repo.path)
    assert code == 0 and "1 token-shaped candidate(s) dropped" in out
    assert "github-pat-classic candidate dropped" in err
    repo.git("commit", "-qm", "ci")
    code, out, _ = keysweep("git", str(repo.path), "--no-progress")
    assert code == 0 and "1 token-shaped candidate(s) dropped" in out


def test_a_repository_config_cannot_silence_its_history(repo: GitRepo) -> None:
    repo.commit("quiet", files={".keysweep.toml": "[allowlist]\npaths = ['.*']\n",
                                "deploy.sh": lines(f"export GITHUB_TOKEN={PAT_A}")})
    code, out, err = keysweep("git", str(repo.path), "--no-progress")
    assert code == 1 and "github-pat-classic" in out, err
    assert "would hide 1 high-confidence" in err
    code, out, _ = keysweep("git", str(repo.path), "--no-progress", "--config", str(repo.path / ".keysweep.toml"))
    assert code == 0 and "1 finding(s) suppressed by the configuration" in out  # trusted when given explicitly
