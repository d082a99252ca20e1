"""git processes kept across runs: the listing and the blob stream answer batch after batch."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scanner.sources import gitcmd
from scanner.sources.gitcmd import BlobStream, ListingStream, ObjectUnreadable, git_version
from scanner.sources.gitscan import RAW_TREE
from tests.git.builder import GitRepo, filler, lines


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    for i in range(6):
        r.commit(f"c{i}", files={f"f{i % 2}.py": lines(*filler(i + 2, str(i))), f"n{i}.txt": f"{i}\n"})
    return r


def commits(repo: GitRepo) -> list[str]:
    return repo.git("rev-list", "--topo-order", "--reverse", "--all").split()


def test_one_listing_process_answers_batch_after_batch_as_separate_runs_would(repo: GitRepo) -> None:
    shas = commits(repo)
    lister = ListingStream(str(repo.path), RAW_TREE)
    try:
        got = []
        pids = set()
        for batch in (shas[:2], shas[2:3], shas[3:]):
            raw, error = lister.listing(batch)
            assert error is None
            got.append(raw)
            assert lister._proc is not None
            pids.add(lister._proc.pid)
    finally:
        lister.close()
    assert len(pids) == 1  # the same git process all along
    for batch, raw in zip((shas[:2], shas[2:3], shas[3:]), got, strict=True):
        ids = "".join(f"{s}\n" for s in batch).encode()
        alone = subprocess.run(["git", "-C", str(repo.path), *RAW_TREE], input=ids, capture_output=True,
                               check=True).stdout
        assert raw == alone


def test_a_commit_git_cannot_find_is_one_warning_and_the_others_are_listed(repo: GitRepo) -> None:
    from scanner.sources.gitscan import ScanContext, _Readers, _Task
    from tests.helpers import builtin_engine

    ctx = ScanContext(str(repo.path), builtin_engine(), 1 << 20)
    readers = _Readers(ctx)
    task = _Task(ctx, readers)
    shas = commits(repo)
    try:
        got = task.list_changes([shas[0], "1" * 40, *shas[1:]], 0)
    finally:
        readers.close()
    assert [c.sha for c in got] == shas  # every real commit, an empty merge or not, in order
    assert task.out.warnings == [f"commit {'1' * 12}: git cannot list its changes (not found); skipped"]


@pytest.mark.parametrize("commands", [True, False], ids=["batch-command", "batch"])
def test_one_blob_process_answers_call_after_call(repo: GitRepo, monkeypatch: pytest.MonkeyPatch,
                                                   commands: bool) -> None:
    if commands and git_version() < gitcmd.BATCH_COMMAND:
        pytest.skip("git before 2.36 has no --batch-command")
    monkeypatch.setattr(gitcmd, "BATCH_COMMAND", gitcmd.BATCH_COMMAND if commands else (999,))
    blobs = [repo.git("rev-parse", f"HEAD~{i}:f{i % 2}.py") for i in range(4)]
    stream = BlobStream(str(repo.path), 1 << 20)
    try:
        first = list(stream.blobs(blobs[:3]))
        proc = stream._proc
        second = list(stream.blobs([blobs[3], "2" * 40, blobs[0]]))
        assert stream._proc is proc and proc is not None  # kept, not started again
    finally:
        stream.close()
    expected = [subprocess.run(["git", "-C", str(repo.path), "cat-file", "blob", b], capture_output=True,
                               check=True).stdout for b in blobs]
    assert [b.data for b in first] == expected[:3]  # type: ignore[union-attr]
    assert second[0].data == expected[3] and second[2].data == expected[0]  # type: ignore[union-attr]
    assert isinstance(second[1], ObjectUnreadable)


def test_a_blob_call_left_half_way_stops_its_process(repo: GitRepo) -> None:
    blobs = [repo.git("rev-parse", f"HEAD~{i}:f{i % 2}.py") for i in range(4)]
    stream = BlobStream(str(repo.path), 1 << 20)
    answers = stream.blobs(blobs)
    next(answers)
    answers.close()  # type: ignore[attr-defined]
    assert stream._proc is None  # its unread answers would be taken for the next call's
    answers = stream.blobs(blobs[:2])
    got = [next(answers), next(answers)]  # every answer taken, the generator not run to its end ...
    proc = stream._proc
    answers.close()  # type: ignore[attr-defined]
    assert stream._proc is proc and proc is not None  # ... so the process is kept for the next call
    assert got[0].data == subprocess.run(["git", "-C", str(repo.path), "cat-file", "blob", blobs[0]],  # type: ignore[union-attr]
                                         capture_output=True, check=True).stdout
    assert [b.data for b in stream.blobs(blobs[:1])] == [  # type: ignore[union-attr]
        subprocess.run(["git", "-C", str(repo.path), "cat-file", "blob", blobs[0]], capture_output=True,
                       check=True).stdout]
    stream.close()


def test_git_version_is_read() -> None:
    assert git_version() >= (2, 0)


def test_the_listing_process_is_replaced_after_its_quota_so_its_memory_stays_bounded(repo: GitRepo) -> None:
    shas = commits(repo)
    lister = ListingStream(str(repo.path), RAW_TREE, recycle=3)
    pids = []
    try:
        for batch in (shas[:2], shas[2:4], shas[4:]):  # 2 listed, then 4 (over the quota), then a new process
            raw, error = lister.listing(batch)
            assert error is None and raw.count(b"\x01") == len(batch)
            assert lister._proc is not None
            pids.append(lister._proc.pid)
    finally:
        lister.close()
    assert pids[0] == pids[1] != pids[2]


def test_the_listing_process_writes_in_blocks_not_a_flush_per_commit(repo: GitRepo) -> None:
    # into a pipe git flushes after every commit unless GIT_FLUSH=0; those wake-ups were a third of
    # the listing's time on a long history
    lister = ListingStream(str(repo.path), RAW_TREE)
    try:
        raw, error = lister.listing(commits(repo))
        assert error is None and raw
        assert lister._proc is not None
        environ = Path(f"/proc/{lister._proc.pid}/environ").read_bytes().split(b"\0")
    finally:
        lister.close()
    assert b"GIT_FLUSH=0" in environ
