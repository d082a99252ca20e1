"""The filesystem source streams: the walk is consumed a window at a time while results come back,
so memory does not grow with the number of files; windows and worker caches lose no finding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner import api
from scanner.config import ScanOptions
from scanner.sources import files
from scanner.sources.walk import FileEntry
from tests.helpers import GITHUB_PAT, builtin_engine


def tree(root: Path, n: int, every: int) -> Path:
    for i in range(n):
        d = root / f"d{i // 50:03d}"
        d.mkdir(parents=True, exist_ok=True)
        body = f"TOKEN = '{GITHUB_PAT}'\n" if i % every == 0 else f"x = {i % 7}\n"  # many identical contents
        (d / f"f{i:05d}.py").write_text(body)
    return root


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_walk_is_consumed_as_results_come_back_not_all_first(tmp_path: Path, jobs: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "WINDOW_FILES", 100)
    monkeypatch.setattr(files, "BATCH_FILES", 20)
    monkeypatch.setattr(files, "PARALLEL_MIN_BYTES", 0)
    pulled = {"n": 0}
    ahead: list[int] = []
    root = tree(tmp_path / "t", 3000, every=1000)
    entries = [FileEntry(str(p.relative_to(root)), str(p), p.stat().st_size) for p in sorted(root.rglob("*.py"))]

    def lazily() -> Iterator[FileEntry]:
        for e in entries:
            pulled["n"] += 1
            yield e

    done = 0
    found = []
    for res in files.scan_entries(builtin_engine(), lazily(), jobs, 1 << 20):
        done += res.files_scanned + res.files_skipped
        ahead.append(pulled["n"] - done)
        found.extend(res.findings)
    assert done == 3000 and len(found) == 3
    # at most the batches in flight (each at most a window) and the window being cut, never the whole walk
    assert max(ahead) <= (files.IN_FLIGHT_PER_WORKER * jobs + 1) * 100 < 3000, ahead


def test_windows_and_bounded_caches_lose_no_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "t", 900, every=7)
    whole = api.scan([str(root)], builtin_engine(), ScanOptions(jobs=1))
    monkeypatch.setattr(files, "WINDOW_FILES", 64)
    monkeypatch.setattr(files, "CACHE_ENTRIES", 5)
    monkeypatch.setattr(files, "PARALLEL_MIN_BYTES", 0)
    for jobs in (1, 2):
        windowed = api.scan([str(root)], builtin_engine(), ScanOptions(jobs=jobs))
        assert windowed.findings == whole.findings and len(whole.findings) == 129
        assert windowed.files_scanned == whole.files_scanned == 900


def test_many_files_of_one_size_are_spread_over_batches_unless_identical(tmp_path: Path) -> None:
    import os

    size = 256 * 1024
    different, same = tmp_path / "diff", tmp_path / "same"
    for d in (different, same):
        d.mkdir()
    blob = os.urandom(size)
    for i in range(40):
        (different / f"{i:02d}.bin").write_bytes(os.urandom(size))
        (same / f"{i:02d}.bin").write_bytes(blob)

    def entries(d: Path) -> list[FileEntry]:
        return [FileEntry(p.name, str(p), size) for p in sorted(d.iterdir())]

    spread, _ = files._batches(entries(different))
    kept, dups = files._batches(entries(same))
    assert len(spread) > 1  # one batch would leave every other worker idle
    assert len(kept) == 1 and size in dups  # identical contents stay together: scanned once


def test_the_first_window_ends_at_its_byte_size_and_nothing_is_lost(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "t", 400, every=9)
    entries = [FileEntry(str(p.relative_to(root)), str(p), p.stat().st_size) for p in sorted(root.rglob("*.py"))]
    monkeypatch.setattr(files, "FIRST_WINDOW_BYTES", 1000)
    it = iter(entries)
    first, complete = files._first_window(it)
    assert not complete and sum(e.size for e in first) >= 1000 > sum(e.size for e in first[:-1])
    assert next(it) is entries[len(first)]  # the walk goes on right after it
    assert files._first_window(iter(entries[:3])) == (entries[:3], True)
    started: list[tuple[int | None, int | None]] = []
    monkeypatch.setattr(files, "PARALLEL_MIN_BYTES", 0)
    found = [f for res in files.scan_entries(builtin_engine(), iter(entries), 2, 1 << 20,
                                             on_start=lambda n, b: started.append((n, b)))
             for f in res.findings]
    assert started == [(None, None)] and len(found) == 45
