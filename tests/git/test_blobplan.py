"""Planned keeping of blob versions between their uses in a history run."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.sources import gitcmd, gitscan
from scanner.sources.blobplan import plan
from tests.git.builder import PAT_A, GitRepo, filler, lines
from tests.git.test_history import of, sweep

IDS = st.sampled_from([f"b{i}" for i in range(8)])
WANTS = st.lists(IDS, max_size=60)
SIZES = st.dictionaries(IDS, st.integers(0, 40))
HELD = st.dictionaries(IDS, st.integers(0, 40), max_size=4)


def follow(wants: list[str], sizes: dict[str, int], held: dict[str, int], budget: int, count: int,
           big: int) -> None:
    """A reader that does what the plan says; checks the plan's promises as it goes."""
    p = plan(wants, sizes, held, budget, count, big)
    kept = dict(held)
    streamed = []
    for i, sha in enumerate(wants):
        if p.kept[i]:
            assert sha in kept  # the plan counted on it: it is at hand
        else:
            streamed.append(sha)
            size = sizes.get(sha, held.get(sha, 0))  # (git is asked the sizes of what is not held)
            if size <= big:
                kept[sha] = size
        for gone in p.drop.get(i, []):
            del kept[gone]
        assert sum(kept.values()) <= budget and len(kept) <= count
    assert streamed == p.stream
    assert kept == p.held
    assert all(sizes.get(s, 0) <= big for s in kept if s not in held)


@given(WANTS, SIZES, HELD, st.integers(0, 100), st.integers(1, 6), st.integers(0, 40))
def test_a_reader_following_the_plan_has_what_it_counts_on_within_the_budget(
        wants: list[str], sizes: dict[str, int], held: dict[str, int], budget: int, count: int, big: int) -> None:
    held = {s: min(n, big) for s, n in held.items()}
    while sum(held.values()) > budget or len(held) > count:  # what a reader holds is within its budget
        held.pop(next(iter(held)))
    follow(wants, sizes, held, budget, count, big)


def lru_reads(wants: list[str], count: int) -> int:
    kept: OrderedDict[str, None] = OrderedDict()
    reads = 0
    for sha in wants:
        if sha in kept:
            kept.move_to_end(sha)
            continue
        reads += 1
        kept[sha] = None
        if len(kept) > count:
            kept.popitem(last=False)
    return reads


@given(WANTS, st.integers(1, 6))
def test_with_equal_sizes_it_never_streams_more_than_least_recently_used_keeping(wants: list[str], count: int) -> None:
    p = plan(wants, {}, {}, 1 << 30, count, 1 << 30)
    assert len(p.stream) <= lru_reads(wants, count)
    assert len(p.stream) >= len(set(wants))


def test_the_blob_needed_again_soonest_stays() -> None:
    # room for two: a1 is not needed again once a2 is read, b1 is; least recently used would let b1 go
    wants = ["a1", "b1", "a1", "a2", "b1", "b2", "a2", "a3", "b2", "b3"]
    p = plan(wants, {}, {}, 1 << 30, 2, 1 << 30)
    assert p.stream == ["a1", "b1", "a2", "b2", "a3", "b3"]
    assert lru_reads(wants, 2) == 9  # b1, a2 and b2 read twice
    # over `big` a blob is streamed at every use, and at the end what the run holds is its last blobs
    p = plan(["x", "x", "y"], {"x": 5, "y": 1}, {"old": 1}, 100, 4, 4)
    assert p.stream == ["x", "x", "y"] and p.held == {"old": 1, "y": 1}
    # a blob held at the start, let go and streamed again weighs what it weighed (the sizes asked of
    # git leave out what is held)
    p = plan(["y", "y", "x"], {"y": 30}, {"x": 30}, 40, 4, 100)
    assert p.stream == ["y", "x"] and p.held == {"x": 30}


def test_a_sweep_reads_each_version_once_when_the_plan_can_keep_what_comes_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    body = filler(40)
    repo.commit("a", files={"a.py": lines(*body)})
    repo.commit("b", files={"b.py": lines(*body[:30])})
    for n in range(1, 6):  # a.py and b.py edited in turn: each old version is needed one change later
        # (each edit adds a line with a keyword: every change is scanned, not only summarised)
        repo.commit(f"a{n}", files={"a.py": lines(*body, *[f"password = {k}" for k in range(n)])})
        repo.commit(f"b{n}", files={"b.py": lines(*body[:30], *[f"password = {k}" for k in range(n)])})
    added = repo.commit("token", files={"a.py": lines(*body, f'TOKEN = "{PAT_A}"')})
    calls: list[list[str]] = []
    real = gitcmd.BlobStream._requests

    def counted(self: gitcmd.BlobStream, shas: list[str]) -> list[str]:
        calls.append(list(shas))
        return real(self, shas)

    monkeypatch.setattr(gitcmd.BlobStream, "_requests", counted)
    monkeypatch.setattr(gitscan, "CACHE_BLOBS", 2)  # room for the two files' current versions
    gitscan._IDLE.clear()
    found = sweep(repo, jobs=1)
    assert [(f.commit, f.path) for f in of(found, PAT_A)] == [(added, "a.py")]
    summarised, scanned = calls  # every version once for its keyword windows, then the changes to scan
    assert len(summarised) == len(set(summarised)) == 13
    assert scanned and len(scanned) == len(set(scanned))  # no version inflated twice
