"""Bad input: one clear line each, the sweep goes on, contract exit codes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from scanner.errors import ConfigError
from scanner.sources.git import GitOptions, HistoryResult, scan_history
from scanner.sources.gitrepo import Selection
from tests.git.builder import PAT_A, PAT_B, PAT_C, GitRepo, filler, lines
from tests.helpers import builtin_engine


def sweep(path: Path, **kw: object) -> HistoryResult:
    return scan_history(path, builtin_engine(), GitOptions(jobs=1, **kw))  # type: ignore[arg-type]


def secrets(result: HistoryResult) -> set[str]:
    return {f.secret for f in result.findings}


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", files={"README.md": "# demo\n"})
    return r


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a git repository"):
        sweep(tmp_path)
    with pytest.raises(ConfigError, match="no such folder"):
        sweep(tmp_path / "missing")


def test_unknown_revision_is_a_usage_error(repo: GitRepo) -> None:
    with pytest.raises(ConfigError, match="--branch 'nope': unknown revision"):
        sweep(repo.path, selection=Selection(refs=("nope",)))
    with pytest.raises(ConfigError, match="--since-commit"):
        sweep(repo.path, selection=Selection(since_commit="HEAD~5"))


def test_empty_repository(tmp_path: Path) -> None:
    empty = GitRepo(tmp_path / "empty")
    result = sweep(empty.path)
    assert result.findings == () and result.commits == 0


def test_shallow_clone_scans_what_is_there_and_says_so(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("old", files={"old.py": lines(f'T = "{PAT_A}"')})
    repo.commit("mid", files={"mid.py": lines("x = 1")})
    new = repo.commit("new", files={"new.py": lines(f'T = "{PAT_B}"')})
    shallow = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "2", f"file://{repo.path}", str(shallow))
    result = sweep(shallow)
    assert any(w.startswith("shallow clone:") for w in result.warnings)
    found = {f.secret: f for f in result.findings}
    assert found[PAT_B].commit == new
    # the boundary commit counts all its files as added: the older secret is attributed to it
    assert PAT_A in found and found[PAT_A].commit != new


def test_partial_clone_skips_missing_objects_without_fetching(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("old token", files={"app.py": lines(*filler(5), f'T = "{PAT_A}"')})
    repo.commit("token removed", files={"app.py": lines(*filler(5), "T = None")})
    repo.commit("current token", files={"cur.py": lines(f'T = "{PAT_B}"')})
    repo.git("config", "uploadpack.allowfilter", "true")
    partial = tmp_path / "partial"
    repo.git("clone", "-q", "--filter=blob:none", f"file://{repo.path}", str(partial))  # checks out HEAD's blobs
    repo.path.rename(tmp_path / "gone")  # the promisor remote is unreachable now
    result = sweep(partial)
    assert any(w.startswith("partial clone:") for w in result.warnings)
    assert PAT_B in secrets(result)  # present locally
    assert PAT_A not in secrets(result)  # only in a blob that was never fetched
    missing = [w for w in result.warnings if w.startswith("object ")]
    assert missing and all("not present in this partial clone" in w for w in missing)


def test_corrupt_loose_object_is_one_line_and_the_sweep_goes_on(repo: GitRepo) -> None:
    repo.commit("v1", files={"a.py": lines(*filler(5), f'T = "{PAT_A}"')})
    repo.commit("v2", files={"a.py": lines(*filler(6))})  # the worktree no longer holds v1
    repo.commit("other", files={"b.py": lines(f'T = "{PAT_B}"')})
    blob = repo.git("rev-parse", "HEAD~2:a.py")
    obj = repo.path / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"this is not a zlib stream")
    result = sweep(repo.path)
    assert PAT_B in secrets(result)
    bad = [w for w in result.warnings if blob in w]
    assert len(bad) >= 1 and bad[0].startswith(f"object {blob} (a.py in commit ")


def test_corrupt_object_in_a_pack(repo: GitRepo) -> None:
    repo.commit("v1", files={"big.txt": lines(*filler(300), f'T = "{PAT_A}"')})
    repo.commit("v2", files={"big.txt": lines(*filler(301))})
    repo.commit("other", files={"b.py": lines(f'T = "{PAT_B}"')})
    repo.git("repack", "-q", "-a", "-d")
    repo.git("prune-packed")
    blob = repo.git("rev-parse", "HEAD~2:big.txt")
    idx = next((repo.path / ".git" / "objects" / "pack").glob("*.idx"))
    row = next(r.split() for r in repo.git("verify-pack", "-v", str(idx)).splitlines() if r.startswith(blob))
    size, offset = int(row[3]), int(row[4])
    pack = idx.with_suffix(".pack")
    pack.chmod(0o644)
    data = bytearray(pack.read_bytes())
    for i in range(offset + 4, offset + size - 4):
        data[i] ^= 0x5A
    pack.write_bytes(bytes(data))
    result = sweep(repo.path)
    assert PAT_B in secrets(result)
    assert any(w.startswith(f"object {blob} (big.txt in commit ") for w in result.warnings)


def test_oversize_files_are_skipped_with_a_note(repo: GitRepo) -> None:
    repo.commit("big", files={"dump.sql": lines(*filler(400), f'T = "{PAT_A}"'), "small.py": lines(f'T = "{PAT_B}"')})
    result = sweep(repo.path, max_file_size=4096)
    assert secrets(result) == {PAT_B}
    (note,) = [w for w in result.warnings if "dump.sql" in w]
    assert "over --max-file-size (4096); skipped" in note


def test_blob_over_the_default_limit(repo: GitRepo) -> None:
    row = "0123456789abcdef" * 7 + "\n"
    repo.commit("huge", files={"huge.csv": row * (11 * 1024 * 1024 // len(row)) + f'T = "{PAT_A}"\n'})
    repo.commit("small", files={"s.py": lines(f'T = "{PAT_B}"')})
    result = sweep(repo.path)
    assert secrets(result) == {PAT_B}
    assert any("huge.csv" in w and "over --max-file-size (10485760)" in w for w in result.warnings)


def test_binary_files_are_skipped_but_text_marked_binary_is_scanned(repo: GitRepo,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    repo.commit("assets", files={
        "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00" + f'T = "{PAT_A}"'.encode(),
        ".gitattributes": "*.dat binary\n",
        "creds.dat": lines("[default]", f"token = {PAT_B}"),
    })
    with caplog.at_level(logging.INFO, logger="scanner.sources.git"):
        result = sweep(repo.path)
    assert secrets(result) == {PAT_B}
    (f,) = result.findings
    assert (f.path, f.line) == ("creds.dat", 2)
    assert any("logo.png" in r.getMessage() and "binary; skipped" in r.getMessage() for r in caplog.records)


def test_non_utf8_paths_and_content(repo: GitRepo) -> None:
    repo.write(b"caf\xe9.py", f'T = "{PAT_A}"\n'.encode())
    repo.write("latin1.txt", b"caf\xe9 = 1\n" + f"token: {PAT_B}\n".encode())
    repo.write("na\xefve dir/sp ace.py", f'T = "{PAT_C}"\n')
    repo.commit("odd names")
    result = sweep(repo.path)
    found = {f.secret: f for f in result.findings}
    assert found[PAT_A].path == "caf\ufffd.py"
    assert (found[PAT_B].path, found[PAT_B].line) == ("latin1.txt", 2)
    assert found[PAT_C].path == "na\xefve dir/sp ace.py"
    assert any(w.startswith("caf\ufffd.py: path is not valid UTF-8") for w in result.warnings)
    assert any(w.startswith("latin1.txt: not valid UTF-8") for w in result.warnings)


def test_submodule_entries_are_ignored(repo: GitRepo, tmp_path: Path) -> None:
    sub = GitRepo(tmp_path / "sub")
    sub.commit("sub", files={"s.py": lines("x = 1")})
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "vendor/sub")
    repo.commit("add submodule", files={"a.py": lines(f'T = "{PAT_A}"')})
    assert secrets(sweep(repo.path)) == {PAT_A}


def test_git_missing_from_path_is_a_clear_error(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="git is not installed"):
        sweep(repo.path)


def test_a_tree_git_cannot_read_is_one_warning_and_the_sweep_goes_on(repo: GitRepo) -> None:
    repo.commit("first", files={"a.py": lines(f'T = "{PAT_A}"')})
    broken = repo.commit("second", files={"sub/b.py": lines(*filler(3))})
    repo.commit("third", files={"c.py": lines(f'T = "{PAT_B}"')})
    tree = repo.git("rev-parse", f"{broken}:sub")  # a tree only this commit has
    obj = repo.path / ".git" / "objects" / tree[:2] / tree[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"this is not a zlib stream")
    result = sweep(repo.path)
    assert {PAT_A, PAT_B} <= secrets(result)  # the commits before and after it are swept
    bad = [w for w in result.warnings if w.startswith(f"commit {broken[:12]}: git cannot list its changes")]
    assert len(bad) == 1, result.warnings


def _corrupt_pack(repo: GitRepo) -> str:
    repo.commit("v1", files={"big.txt": lines(*filler(300), f'T = "{PAT_A}"')})
    repo.commit("v2", files={"big.txt": lines(*filler(301))})
    repo.commit("other", files={"b.py": lines(f'T = "{PAT_B}"')})
    repo.git("repack", "-q", "-a", "-d")
    repo.git("prune-packed")
    blob = repo.git("rev-parse", "HEAD~2:big.txt")
    idx = next((repo.path / ".git" / "objects" / "pack").glob("*.idx"))
    row = next(r.split() for r in repo.git("verify-pack", "-v", str(idx)).splitlines() if r.startswith(blob))
    size, offset = int(row[3]), int(row[4])
    pack = idx.with_suffix(".pack")
    pack.chmod(0o644)
    data = bytearray(pack.read_bytes())
    for i in range(offset + 4, offset + size - 4):
        data[i] ^= 0x5A
    pack.write_bytes(bytes(data))
    return blob


def test_a_partly_unreadable_history_says_so_and_exits_3(repo: GitRepo) -> None:
    from tests.git.test_cli import keysweep

    blob = _corrupt_pack(repo)
    (why,) = sweep(repo.path).incomplete
    assert why.endswith("object(s) could not be read")
    code, out, err = keysweep("git", str(repo.path), "--no-progress")
    assert code == 3, err
    assert out.startswith("[") and f"Incomplete scan: {why}" in out  # the findings are still listed
    assert blob in err and "--allow-partial" in err
    code, out, _ = keysweep("git", str(repo.path), "--no-progress", "--allow-partial")
    assert code == 1 and "Incomplete scan" in out


def test_a_truncated_pack_is_not_reported_as_clean(repo: GitRepo) -> None:
    from tests.git.test_cli import keysweep

    repo.commit("tok", files={"b.py": lines(f'T = "{PAT_B}"')})
    repo.git("repack", "-q", "-a", "-d")
    repo.git("prune-packed")
    pack = next((repo.path / ".git" / "objects" / "pack").glob("*.pack"))
    pack.chmod(0o644)
    pack.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])
    code, out, err = keysweep("git", str(repo.path), "--no-progress")
    assert code == 3 and "Traceback" not in err
    assert "git cannot walk the history" in err and "Incomplete scan: the history could not be walked" in out


def test_blobs_before_the_damage_in_a_truncated_pack_are_scanned(repo: GitRepo) -> None:
    from tests.git.test_cli import keysweep

    repo.commit("tok", files={"b.py": lines(f'T = "{PAT_B}"'), "big.txt": lines(*filler(3000))})
    repo.git("repack", "-q", "-a", "-d")
    repo.git("prune-packed")
    blob = repo.git("rev-parse", "HEAD:b.py")
    idx = next((repo.path / ".git" / "objects" / "pack").glob("*.idx"))
    row = next(r.split() for r in repo.git("verify-pack", "-v", str(idx)).splitlines() if r.startswith(blob))
    end = int(row[4]) + int(row[3])  # the token blob's offset + its size in the pack
    pack = idx.with_suffix(".pack")
    pack.chmod(0o644)
    data = pack.read_bytes()
    assert end < len(data) - 20
    pack.write_bytes(data[:end + 1])  # cut just after the token blob
    code, out, err = keysweep("git", str(repo.path), "--no-progress", "--format", "json", "--allow-partial")
    found = json.loads(out)
    assert code == 1 and [f["secret"] for f in found] == [PAT_B], err
    assert found[0]["path"] == f"{pack.name}!{blob}" and found[0]["commit"] is None
    assert "damaged pack;" in err and "scanned without path or commit" in err
    assert keysweep("git", str(repo.path), "--no-progress")[0] == 3
