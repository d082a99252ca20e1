"""`--staged`: only the lines the index adds, with their line numbers in the staged version."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import ConfigError
from scanner.sources.staged import scan_staged
from tests.git.builder import PAT_A, PAT_B, PAT_C, GitRepo, filler, lines
from tests.helpers import AWS_KEY_ID, builtin_engine

LIMIT = 10 * 1024 * 1024


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", files={"app/settings.py": lines(*filler(5), f'OLD = "{PAT_A}"', *filler(30, "b"))})
    return r


def staged(repo: GitRepo) -> list[tuple[str, int, str]]:
    return sorted((f.path, f.line, f.secret) for f in scan_staged(str(repo.path), builtin_engine(), LIMIT).findings)


def test_only_added_lines_with_their_numbers(repo: GitRepo) -> None:
    body = [*filler(5), f'OLD = "{PAT_A}"', *filler(30, "b")]
    body.insert(2, f'NEW = "{PAT_B}"')  # line 3
    body.insert(30, f"    aws_access_key_id = '{AWS_KEY_ID}'")  # line 31
    repo.write("app/settings.py", lines(*body))
    repo.git("add", "app/settings.py")
    repo.write("unstaged.py", lines(f'T = "{PAT_C}"'))  # in the work tree only: not part of the commit
    assert staged(repo) == [("app/settings.py", 3, PAT_B), ("app/settings.py", 31, AWS_KEY_ID)]


def test_moving_a_committed_secret_is_not_an_addition_to_block(repo: GitRepo) -> None:
    body = [*filler(5), *filler(30, "b")]
    body.insert(20, f'    OLD = "{PAT_A}"')
    repo.write("app/settings.py", lines(*body))
    repo.write("other.py", lines(f'COPY = "{PAT_A}"'))
    repo.git("add", "-A")
    # git shows both lines as added; the secret also leaves its old line, so the change moves it
    assert staged(repo) == []
    repo.write("app/settings.py", lines(*filler(5), f'OLD = "{PAT_A}"', *filler(30, "b")))
    repo.git("add", "-A")
    assert staged(repo) == [("other.py", 1, PAT_A)]


def test_first_commit_of_a_new_repository(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "fresh")
    r.write("a.py", lines("x = 1", f'T = "{PAT_A}"'))
    r.git("add", "-A")
    assert staged(r) == [("a.py", 2, PAT_A)]


def test_nothing_staged(repo: GitRepo) -> None:
    assert staged(repo) == []


def test_staged_text_marked_binary_and_real_binary(repo: GitRepo) -> None:
    repo.write(".gitattributes", "*.dat binary\n")
    repo.write("creds.dat", lines("[x]", f"token = {PAT_B}"))
    repo.write("logo.png", b"\x89PNG\x00\x00" + PAT_C.encode())
    repo.git("add", "-A")
    assert staged(repo) == [("creds.dat", 2, PAT_B)]


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a git repository"):
        scan_staged(str(tmp_path), builtin_engine(), LIMIT)


def test_staged_archives_are_opened_when_asked(repo: GitRepo) -> None:
    from scanner.sources.archives import ArchiveLimits
    from tests.sources.test_archives import zip_bytes

    repo.write("dist/release.zip", zip_bytes({"config/app.properties": f"token={PAT_B}\n", "logo.png": "\0PNG"}))
    repo.git("add", "-A")
    assert staged(repo) == []  # a binary file to git: not opened unless asked
    found = scan_staged(str(repo.path), builtin_engine(), LIMIT, archives=ArchiveLimits()).findings
    assert [(f.path, f.line, f.secret) for f in found] == [("dist/release.zip!config/app.properties", 1, PAT_B)]
    repo.write("dist/broken.zip", zip_bytes({"a.txt": "x" * 100})[:30])
    repo.git("add", "-A")
    result = scan_staged(str(repo.path), builtin_engine(), LIMIT, archives=ArchiveLimits())
    assert any("dist/broken.zip: corrupt archive" in w for w in result.warnings)
    assert len(result.findings) == 1  # the other archive is still scanned
