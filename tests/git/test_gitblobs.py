"""Blob-level diffing: what git lists as changed, and the changed region of two versions."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.sources import gitscan
from scanner.sources.gitblobs import changed_region, common_prefix, common_suffix, parse_raw, widen
from scanner.sources.gitscan import RAW_TREE
from tests.git.builder import PAT_A, PAT_B, GitRepo, filler, lines
from tests.git.test_history import of, sweep

LINES = st.lists(st.sampled_from([b"a", b"b", b"token = 1", b"", b"  x", b"ab"]), max_size=12)


def joined(rows: list[bytes], tail: bool) -> bytes:
    return b"\n".join(rows) + (b"\n" if tail and rows else b"")


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_common_prefix_and_suffix_are_the_longest(a: bytes, b: bytes) -> None:
    p = common_prefix(a, b)
    assert a[:p] == b[:p] and (p == min(len(a), len(b)) or a[p] != b[p])
    limit = min(len(a), len(b)) - p
    s = common_suffix(a, b, limit)
    assert s <= limit and a[len(a) - s:] == b[len(b) - s:]
    assert s == limit or a[len(a) - s - 1] != b[len(b) - s - 1]


def test_prefix_and_suffix_past_the_first_block() -> None:
    base = b"line\n" * 5000
    assert common_prefix(base, base[:12345] + b"X" + base[12346:]) == 12345
    assert common_suffix(base, base[:-9001] + b"X" + base[-9000:], len(base)) == 9000


@given(LINES, LINES, st.booleans(), st.booleans())
def test_changed_region_is_whole_lines_and_everything_else_is_common(old_rows: list[bytes], new_rows: list[bytes],
                                                                     t1: bool, t2: bool) -> None:
    old, new = joined(old_rows, t1), joined(new_rows, t2)
    r = changed_region(old, new)
    if r is None:
        assert old == new or old.split(b"\n") == new.split(b"\n")
        return
    assert new[:r.start] == old[:r.old_start] and new[r.end:] == old[r.old_end:]
    assert r.start == 0 or new[r.start - 1:r.start] == b"\n"
    assert r.end in (r.start, len(new)) or new[r.end - 1:r.end] == b"\n"
    assert r.old_end in (r.old_start, len(old)) or old[r.old_end - 1:r.old_end] == b"\n"
    # every line of the new version that is not in the old one lies in the region
    outside = set(new[:r.start].split(b"\n")) | set(new[r.end:].split(b"\n"))
    assert all(ln in set(old.split(b"\n")) for ln in outside if ln)


def test_widen_adds_whole_lines_each_side() -> None:
    data = b"one\ntwo\nthree\nfour\nfive\n"
    start = data.index(b"three")
    assert widen(data, start, start + 6, 1) == (data.index(b"two"), data.index(b"five"))
    assert widen(data, 0, len(data), 3) == (0, len(data))


def raw_of(repo: GitRepo, *revs: str) -> dict[str, list[tuple[bytes, bool, int]]]:
    out = subprocess.run(["git", "-C", str(repo.path), *RAW_TREE], input="".join(f"{r}\n" for r in revs).encode(),
                         capture_output=True, check=True).stdout
    return {sha: [(c.path, c.new is None, len(c.olds)) for c in changes] for sha, changes in parse_raw(out)}


def test_raw_listing_of_adds_edits_renames_deletions_and_merges(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    root = repo.commit("root", files={"a.py": lines(*filler(20)), "gone.txt": "bye\n", "é.txt": "x\n"})
    repo.git("mv", "a.py", "b.py")
    repo.remove("gone.txt")
    moved = repo.commit("rename and delete", files={"b.py": lines(*filler(20), "extra = 1")})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side", files={"b.py": lines("side = 1", *filler(20), "extra = 1")})
    repo.git("checkout", "-q", "main")
    repo.commit("main", files={"b.py": lines(*filler(20), "extra = 2")})
    repo.git("merge", "-q", "--no-ff", "side", "-m", "merge")
    merge = repo.head()
    got = raw_of(repo, root, moved, merge)
    assert sorted(got[root]) == [(b"a.py", False, 0), (b"gone.txt", False, 0), ("é.txt".encode(), False, 0)]
    # the rename is one change of b.py against a.py's blob; the deletion has no new version
    assert sorted(got[moved]) == [(b"b.py", False, 1), (b"gone.txt", True, 1)]
    # a clean merge taking each side's edit of b.py differs from both parents
    assert got[merge] == [(b"b.py", False, 2)]


def test_renamed_and_edited_file_reports_only_the_edit(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    body = filler(30)
    first = repo.commit("client", files={"lib/client.py": lines(*body[:3], f'TOKEN = "{PAT_A}"', *body[3:])})
    repo.git("mv", "lib/client.py", "lib/api_client.py")
    edit = repo.commit("rename, add a second token", files={
        "lib/api_client.py": lines(*body[:3], f'TOKEN = "{PAT_A}"', *body[3:20], f'OTHER = "{PAT_B}"', *body[20:])})
    found = sweep(repo)
    assert [(f.commit, f.path, f.line) for f in of(found, PAT_A)] == [(first, "lib/client.py", 4)]
    assert [(f.commit, f.path, f.line) for f in of(found, PAT_B)] == [(edit, "lib/api_client.py", 22)]


def test_two_edits_far_apart_in_one_commit_keep_their_line_numbers(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    body = filler(200)
    repo.commit("base", files={"conf.py": lines(*body)})
    both = repo.commit("two tokens", files={"conf.py": lines(*body[:10], f'A = "{PAT_A}"', *body[10:180],
                                                                 f'B = "{PAT_B}"', *body[180:])})
    found = sweep(repo)
    assert [(f.commit, f.line) for f in of(found, PAT_A)] == [(both, 11)]
    assert [(f.commit, f.line) for f in of(found, PAT_B)] == [(both, 182)]


def test_the_planner_streams_what_the_cache_budget_lets_go_and_a_wrong_plan_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    body = filler(60)
    repo.commit("base", files={"conf.py": lines(*body), "other.py": lines(*body[:20])})
    repo.commit("edit", files={"other.py": lines(*body[:21])})
    added = repo.commit("token", files={"conf.py": lines(*body[:30], f'TOKEN = "{PAT_A}"', *body[30:])})
    # (a line with a keyword: the change is scanned, and the token version is its old side)
    repo.commit("later", files={"conf.py": lines(*body[:30], f'TOKEN = "{PAT_A}"', *body[30:], "password = 1")})
    expected = [(f.commit, f.path, f.line) for f in of(sweep(repo), PAT_A)]
    assert expected == [(added, "conf.py", 31)]
    reads: list[str] = []
    real_read = gitscan.CatFile.read

    def counted(self: gitscan.CatFile, sha: str) -> gitscan.Blob:
        reads.append(sha)
        return real_read(self, sha)

    monkeypatch.setattr(gitscan.CatFile, "read", counted)
    for budget in (0, 3000):  # nothing kept; about one version of conf.py kept at a time
        monkeypatch.setattr(gitscan, "CACHE_BYTES", budget)
        gitscan._IDLE.clear()  # no blob versions carried over from an earlier sweep
        assert [(f.commit, f.path, f.line) for f in of(sweep(repo), PAT_A)] == expected
        assert reads == []  # knowing the sizes, the planner streamed every version the budget let go
    # without the sizes (git could not tell them) it counts on versions the reader has let go:
    # those are read again on their own, and the findings are the same
    monkeypatch.setattr(gitscan, "CACHE_BYTES", 0)
    monkeypatch.setattr(gitscan, "blob_sizes", lambda *_a, **_k: {})
    gitscan._IDLE.clear()
    assert [(f.commit, f.path, f.line) for f in of(sweep(repo), PAT_A)] == expected
    assert reads


def test_blob_sizes_come_from_git_and_leave_out_what_it_cannot_tell(tmp_path: Path) -> None:
    from scanner.sources.gitcmd import blob_sizes
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", files={"a.txt": "hello\n", "b.txt": "x" * 5000})
    a, b = (repo.git("rev-parse", f"HEAD:{p}").strip() for p in ("a.txt", "b.txt"))
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    missing = "0123456789abcdef0123456789abcdef01234567"
    got = blob_sizes(str(repo.path), [a, b, a, tree, missing, b], skip=frozenset({b}))
    assert got == {a: 6}  # b skipped (a partial clone's missing object), a tree, an unknown id
    assert blob_sizes(str(repo.path), []) == {}
    assert blob_sizes(str(tmp_path / "not-a-repo"), [a]) == {}


@given(st.integers(0, 3_000_000), st.integers(1, 16))
def test_runs_of_commits_are_bounded_whatever_the_length_of_history(commits: int, workers: int) -> None:
    from scanner.sources.git import MAX_TASK_COMMITS, MIN_TASK_COMMITS, RUNS_PER_SHARE, plan_runs

    plan = plan_runs(commits, workers)
    sizes = [n for share in plan for n in share]
    assert sum(sizes) == commits and len(plan) <= workers
    assert all(n <= MAX_TASK_COMMITS for n in sizes)  # a run's listing stays in memory: capped
    assert all(n >= MIN_TASK_COMMITS for n in sizes) or len(sizes) == 1  # no run too small to pay its git processes
    for share in plan:  # shares are even, and an idle worker has runs to steal
        assert max(share) - min(share) <= 1
        assert len(share) >= RUNS_PER_SHARE or sum(share) < RUNS_PER_SHARE * MIN_TASK_COMMITS


def test_a_short_history_is_not_split() -> None:
    from scanner.sources.git import MIN_TASK_COMMITS, plan_runs

    assert plan_runs(MIN_TASK_COMMITS, 2) == [[MIN_TASK_COMMITS]]
    assert plan_runs(20_000, 2) == [[2500] * 4] * 2


ROWS = st.lists(st.sampled_from([b"a", b"b", b"token = 1", b"", b"  x", b"ab", b"-----END KEY-----", b"x" * 40]),
                max_size=40)


@given(ROWS, ROWS, st.booleans(), st.booleans(), st.integers(0, 3))
def test_the_c_module_gives_the_region_the_python_version_gives(old_rows: list[bytes], new_rows: list[bytes],
                                                                t1: bool, t2: bool, context: int) -> None:
    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")  # built by `pip install` when gcc is there
    from scanner.sources.gitblobs import region_bounds

    old, new = joined(old_rows, t1), joined(new_rows, t2)
    assert _blobdiff.changed_region(old, new, context) == region_bounds(old, new, context)


@given(st.binary(max_size=200), st.binary(max_size=200), st.integers(0, 2))
def test_the_c_module_agrees_on_any_bytes(old: bytes, new: bytes, context: int) -> None:
    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")
    from scanner.sources.gitblobs import region_bounds

    assert _blobdiff.changed_region(old, new, context) == region_bounds(old, new, context)
    long_old = old * 50 + b"\n" * 7 + new  # past the word-at-a-time comparisons
    long_new = old * 50 + b"\n" * 7 + old
    assert _blobdiff.changed_region(long_old, long_new, context) == region_bounds(long_old, long_new, context)


def test_history_sweeps_use_the_c_module_when_it_is_built() -> None:
    from scanner.sources import gitblobs

    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")
    assert gitblobs.bounds is _blobdiff.changed_region
    with pytest.raises(TypeError):
        _blobdiff.changed_region("text", b"bytes", 1)
    # any integer of context, as in Python: more lines than there are is all of them
    assert _blobdiff.changed_region(b"a\nb\nc\n", b"a\nX\nc\n", 10**30) == (2, 4, 4, 0, 6)


def test_a_sweep_without_the_c_module_finds_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.sources.gitblobs import around_lines, lines_added, region_bounds
    from tests.git.builder import PAT_C, PAT_D

    repo = GitRepo(tmp_path / "r")
    repo.commit("base", files={"app.py": lines(*filler(30)), "cfg.env": lines("A=1", "B=2")})
    repo.commit("edits", files={"app.py": lines(*filler(10), f'T = "{PAT_A}"', *filler(20)),
                                "cfg.env": lines("A=1", f"GITHUB_TOKEN={PAT_B}", "B=2")})
    repo.commit("more", files={"app.py": lines(f'U = "{PAT_C}"', *filler(10), *filler(20), f'V = "{PAT_D}"')})
    built = [(f.commit, f.path, f.line, f.secret) for f in sweep(repo)]
    monkeypatch.setattr(gitscan, "bounds", region_bounds)
    monkeypatch.setattr(gitscan, "added_lines", lines_added)
    monkeypatch.setattr(gitscan, "lines_around", around_lines)
    gitscan._IDLE.clear()
    assert [(f.commit, f.path, f.line, f.secret) for f in sweep(repo)] == built
    assert {s for *_, s in built} == {PAT_A, PAT_B, PAT_C, PAT_D}


def _added_by_definition(old: bytes, new: bytes, context: int) -> list[bytes]:
    """The added lines of a change as sets say it: lines of the new changed region, not blank, that
    are no line of the old region, each as often as the new region has it."""
    from scanner.sources.gitblobs import region_bounds

    r = region_bounds(old, new, context)
    if r is None:
        return []
    start, end, old_end, _, _ = r
    gone = set(old[start:old_end].split(b"\n"))
    region = new[start:end].split(b"\n")
    if new[end - 1:end] == b"\n":
        region.pop()
    return [ln for ln in region if ln.strip() and ln not in gone]


@given(ROWS, ROWS, st.booleans(), st.booleans(), st.integers(0, 3))
def test_added_lines_are_the_new_lines_of_the_region_the_old_one_lacks(
        old_rows: list[bytes], new_rows: list[bytes], t1: bool, t2: bool, context: int) -> None:
    from scanner.sources.gitblobs import lines_added, region_bounds

    old, new = joined(old_rows, t1), joined(new_rows, t2)
    r = region_bounds(old, new, context)
    expected = _added_by_definition(old, new, context)
    if r is None:
        assert expected == []
        return
    start, end, old_end, ws, we = r
    window = new[ws:we].split(b"\n")
    got = lines_added(old[start:old_end], new, ws, we, start, end)
    assert [window[i] for i in got] == expected
    # numbered in the window: each one starts inside the changed region
    offsets = [ws + sum(len(x) + 1 for x in window[:i]) for i in got]
    assert all(start <= o < end for o in offsets)
    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")
    assert _blobdiff.added_lines(old[start:old_end], new, ws, we, start, end) == got


@given(st.binary(max_size=300), st.binary(max_size=300), st.integers(0, 2))
def test_the_c_added_lines_agree_on_any_bytes(old: bytes, new: bytes, context: int) -> None:
    from scanner.sources.gitblobs import lines_added, region_bounds

    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")
    for a, b in ((old, new), (old * 20 + b"\n" + new, b"\n".join([new, old] * 10))):  # past 8-byte words
        r = region_bounds(a, b, context)
        if r is not None:
            start, end, old_end, ws, we = r
            assert _blobdiff.added_lines(a[start:old_end], b, ws, we, start, end) == \
                lines_added(a[start:old_end], b, ws, we, start, end)


def test_the_c_added_lines_reject_positions_outside_the_text() -> None:
    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")
    with pytest.raises(ValueError):
        _blobdiff.added_lines(b"a", b"a\nb\n", 0, 10, 0, 4)
    with pytest.raises(TypeError):
        _blobdiff.added_lines("a", b"b", 0, 1, 0, 1)
    # a few thousand distinct old lines (the table grows past its first size), one new line among them
    old = b"".join(b"line %d\n" % i for i in range(5000))
    new = b"line 0 changed\n" + old[7:].replace(b"line 2500\n", b"line 2500\nsecret = x\n") + b"last\n"
    start, end, old_end, ws, we = _blobdiff.changed_region(old, new, 0)
    assert (start, old_end) == (0, len(old))  # the whole file changed: every old line is in the table
    assert [new[ws:we].split(b"\n")[i] for i in _blobdiff.added_lines(old[start:old_end], new, ws, we, start, end)] \
        == [b"line 0 changed", b"secret = x", b"last"]


@given(st.lists(st.sampled_from([b"", b"a", b"bb", b" ", b"c\r"]), max_size=30), st.booleans(), st.data())
def test_lines_around_in_c_are_the_python_lines_around(rows: list[bytes], final_newline: bool,
                                                       data: st.DataObject) -> None:
    from scanner.sources.gitblobs import around_lines
    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")
    body = b"\n".join(rows) + (b"\n" if final_newline else b"")
    text = b"x\ny\n" + body + b"z"  # a region inside a larger text
    ws = 4
    we = data.draw(st.integers(ws, len(text)))
    hit = sorted(set(data.draw(st.lists(st.integers(0, 40), max_size=8))))
    context = data.draw(st.integers(0, 3))
    expected = around_lines(text, ws, we, hit, context)
    assert _blobdiff.lines_around(text, ws, we, hit, context) == expected
    region = text[ws:we].split(b"\n")
    assert all(region[i] == ln for i, ln in zip(expected[1], expected[0].split(b"\n"), strict=False))


def test_lines_around_refuses_what_does_not_fit() -> None:
    _blobdiff = pytest.importorskip("scanner.sources._blobdiff")
    assert _blobdiff.lines_around(b"a\nb\nc\n", 0, 6, [1], 1) == (b"a\nb\nc", [0, 1, 2])
    for args in ((b"abc", 2, 1, [0], 1), (b"abc", 0, 9, [0], 1), (b"abc", 0, 3, [1, 0], 1), (b"abc", 0, 3, [-1], 1),
                 (b"abc", 0, 3, [0], -1)):
        with pytest.raises(ValueError):
            _blobdiff.lines_around(*args)
    with pytest.raises(TypeError):
        _blobdiff.lines_around("abc", 0, 3, [0], 1)


def test_a_run_does_not_keep_what_its_commits_took_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a generated file rewritten by every commit (a lock file): each commit takes out a whole old
    # version; once a commit is done, nothing of it may stay for the rest of the run
    import tracemalloc

    from scanner.sources.gitscan import ScanContext, scan_commits
    from tests.helpers import builtin_engine

    repo = GitRepo(tmp_path / "r")
    versions, size = 40, 256 << 10
    for v in range(versions):
        rows = [f'"pkg-{i}": "{v}.{i}.0-{(i * 7919 + v * 104729) % 1000003:07d}",' for i in range(size // 36)]
        repo.commit(f"regenerate {v}", files={"deps.lock.json": "{\n" + "\n".join(rows) + "\n}\n"})
    shas = repo.git("rev-list", "--reverse", "HEAD").split()
    monkeypatch.setattr(gitscan, "CACHE_BYTES", 0)  # (the blob cache keeps nothing: only the run's own memory counts)
    gitscan._IDLE.clear()
    engine = builtin_engine()
    ctx = ScanContext(str(repo.path), engine, 1 << 30)
    scan_commits(ctx, shas[:2], 0)  # rules compiled and readers started before measuring
    tracemalloc.start()
    try:
        out = scan_commits(ctx, shas, 0)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gitscan.close_readers(ctx)
    assert out.commits == versions and not out.warnings
    # about 3 MB: a version in flight and its scan; every old version kept to the end is 9 MB more
    assert peak < 24 * size, f"peak {peak / 2**20:.1f} MB while scanning {versions} versions of {size >> 10} KB"
