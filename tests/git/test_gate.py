"""History sweeps read every blob once in pack order for its keyword windows, and scan only the
changes that add one (scanner.sources.gitscan._Task.gate, scanner.sources.packorder)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sources import _blobdiff, gitcmd, gitscan, packorder
from scanner.sources.gitblobs import keyword_windows, keyword_windows_py, window_hashes_py
from scanner.sources.packorder import PackOrder, object_dirs
from tests.git.builder import PAT_A, PAT_B, PAT_C, GitRepo, filler, lines
from tests.git.test_history import of, sweep
from tests.helpers import RSA_KEY


def _history(repo: GitRepo) -> dict[str, str]:
    """A few files edited many times, secrets added on the way; -> label: commit."""
    body = filler(80)
    at = {}
    repo.commit("base", files={"app/main.py": lines(*body), "app/util.py": lines(*body[:40]),
                               "conf/settings.yml": lines("db:", "  host: x", "  user: app")})
    for n in range(12):
        repo.commit(f"edit {n}", files={"app/main.py": lines(*body[:n], f"n = {n}", *body[n:]),
                                        "app/util.py": lines(*body[:40], *filler(n, "u"))})
    # a value on a new line under a keyword line that was already there
    at["yaml"] = repo.commit("password", files={"conf/settings.yml": lines(
        "db:", "  host: x", "  user: app", "  password: >-", f"    {PAT_B}")})
    at["token"] = repo.commit("token", files={"app/util.py": lines(*body[:40], f'TOKEN = "{PAT_A}"')})
    for n in range(3):
        repo.commit(f"later {n}", files={"app/util.py": lines(*body[:40], f'TOKEN = "{PAT_A}"', *filler(n, "v"))})
    begin, *key, end = RSA_KEY.split("\n")
    repo.commit("key template", files={"notes/key.txt": lines(begin, "<paste the key here>", end)})
    at["key"] = repo.commit("paste key", files={"notes/key.txt": lines(begin, *key, end)})
    for v in range(3):
        repo.commit(f"lock {v}", files={"web/deps.lock": _lockfile(v)})
    at["lock"] = repo.commit("lock with token", files={"web/deps.lock": _lockfile(3, f'  "token": "{PAT_C}",')})
    repo.commit("lock 4", files={"web/deps.lock": _lockfile(4, f'  "token": "{PAT_C}",')})
    return at


def _lockfile(version: int, extra: str = "") -> str:
    """A large generated file (over LINES_FIRST) whose entries change at every version, a keyword on
    a few of them."""
    rows = []
    for i in range(2500):  # (~90 KB: over LINES_FIRST)
        rows.append(f'  "pkg-{i}": "{version}.{i}.{(i * 7919 + version * 104729) % 100003:05d}",')
        if i % 300 == 7:
            rows.append(f'  "auth": "v{version}-{i}",')
        if i == 700 and extra:
            rows.append(extra)
    return "{\n" + "\n".join(rows) + "\n}\n"


def _found(repo: GitRepo) -> list[tuple[str, str, int, str]]:
    gitscan._IDLE.clear()
    return sorted((f.commit, f.path, f.line, f.secret) for f in sweep(repo))


def test_only_changes_that_add_a_keyword_window_are_read_again(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    at = _history(repo)
    calls: list[list[str]] = []
    real = gitcmd.BlobStream._requests

    def counted(self: gitcmd.BlobStream, shas: list[str]) -> list[str]:
        calls.append(list(shas))
        return real(self, shas)

    monkeypatch.setattr(gitcmd.BlobStream, "_requests", counted)
    monkeypatch.setattr(gitscan, "CACHE_BYTES", 0)  # nothing kept between uses: every use is a read
    gitscan._IDLE.clear()
    found = sweep(repo, jobs=1)
    assert [f.commit for f in of(found, PAT_A)] == [at["token"]]
    assert [f.commit for f in of(found, PAT_B)] == [at["yaml"]]
    assert [f.commit for f in found if f.rule_id == "private-key"] == [at["key"]]
    token_line = _lockfile(3, f'  "token": "{PAT_C}",').splitlines().index(f'  "token": "{PAT_C}",') + 1
    assert [(f.commit, f.line) for f in of(found, PAT_C)] == [(at["lock"], token_line)]
    summarised, scanned = calls
    versions = set(repo.git("rev-list", "--all", "--objects").split()) & set(summarised)
    assert len(summarised) == len(set(summarised)) == len(versions)  # every version once
    # scanned again: the three changes that add a keyword window (old and new side each) and
    # added files with a keyword; none of the 12 edits of main.py and util.py, nor the later edits
    edits = {repo.git("rev-parse", f"{c}:app/main.py").strip() for c in ("HEAD~10", "HEAD~15")}
    assert not edits & set(scanned)
    # the large file: only its first version (an added file) is read again; the later ones are
    # scanned at their new windows from the lines the summary kept, the old side never read
    locks = {repo.git("rev-parse", f"HEAD~{n}:web/deps.lock").strip() for n in range(5)}
    assert [s for s in scanned if s in locks] == [repo.git("rev-parse", "HEAD~4:web/deps.lock").strip()]
    assert len([s for s in scanned if s not in locks]) <= 10


def test_the_gate_finds_what_scanning_every_change_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    _history(repo)
    gated = _found(repo)
    assert len(gated) >= 3
    monkeypatch.setattr(gitscan, "BLOB_WINDOWS", -1)  # no version summarised: every change scanned
    assert _found(repo) == gated
    monkeypatch.setattr(gitscan, "BLOB_WINDOWS", 1000)
    monkeypatch.setattr(gitscan, "RUN_WINDOWS", 3)  # the run's room for windows runs out early
    assert _found(repo) == gated


def test_a_moved_secret_is_not_new_when_what_its_commit_took_out_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    first = repo.commit("add", files={"a/conf.py": lines("x = 1", f'TOKEN = "{PAT_A}"')})
    # the source file's change adds a keyword line too: both changes are scanned
    repo.commit("move", files={"a/conf.py": lines("x = 1", "password = 1"),
                               "b/other.py": lines("# moved", f'TOKEN = "{PAT_A}"')})
    for budget in (8 << 20, 0):  # kept while the commit is open; nothing kept, read again at its end
        monkeypatch.setattr(gitscan, "REMOVED_BYTES", budget)
        gitscan._IDLE.clear()
        assert [(f.commit, f.path) for f in of(sweep(repo), PAT_A)] == [(first, "a/conf.py")]


def test_a_key_pasted_into_a_large_file_is_read_whole(tmp_path: Path) -> None:
    begin, *body, end = RSA_KEY.split("\n")
    key_rows = [begin, *(body * 8), end]  # (a key of real length: its block is far longer than a window)
    repo = GitRepo(tmp_path / "r")
    repo.commit("lock", files={"web/deps.lock": _lockfile(1)})
    pasted = repo.commit("key", files={"web/deps.lock": _lockfile(2, "\n".join(key_rows))})
    (key,) = [f for f in sweep(repo) if f.rule_id == "private-key"]
    first = _lockfile(2, "\n".join(key_rows)).splitlines().index(begin) + 1
    assert (key.commit, key.line, key.end_line) == (pasted, first, first + len(key_rows) - 1)
    assert key.secret.count(body[1]) == 8  # the whole block, not its first and last lines


def _repacked(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "r")
    body = filler(60)
    for n in range(15):
        repo.commit(f"v{n}", files={"a.py": lines(*body[:n], f"a = {n}", *body[n:]),
                                    "b.py": lines(*filler(n + 1, "b"))})
    repo.git("repack", "-adfq")
    return repo


def _pack_order(repo: GitRepo) -> list[str]:
    (idx,) = (repo.path / ".git" / "objects" / "pack").glob("*.idx")
    out = subprocess.run(["git", "show-index"], stdin=idx.open("rb"), capture_output=True, text=True,
                         check=True).stdout
    return [sha for _off, sha in sorted((int(o), sha) for o, sha, *_ in (ln.split() for ln in out.splitlines()))]


def test_blobs_are_put_in_the_order_the_pack_stores_them(tmp_path: Path) -> None:
    repo = _repacked(tmp_path)
    blobs = [s for s in repo.git("rev-list", "--all", "--objects").split()
             if len(s) == 40 and repo.git("cat-file", "-t", s).strip() == "blob"]
    random.Random(5).shuffle(blobs)
    order = PackOrder(object_dirs(str(repo.path)))
    try:
        want = [s for s in _pack_order(repo) if s in set(blobs)]
        assert order.sort(blobs) == want
        # a loose object and an id of no object sort last, in the order given
        loose = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo.path, input="new\n",
                               capture_output=True, text=True, check=True).stdout.strip()
        assert order.sort([loose, *blobs[:3], "f" * 40]) == [*[s for s in want if s in blobs[:3]], loose, "f" * 40]
    finally:
        order.close()


def test_alternates_are_followed_and_a_broken_index_only_costs_the_order(tmp_path: Path) -> None:
    repo = _repacked(tmp_path)
    other = GitRepo(tmp_path / "o")
    objects = other.path / ".git" / "objects"
    (objects / "info").mkdir(parents=True, exist_ok=True)
    (objects / "info" / "alternates").write_text(f"# borrowed\n{repo.path / '.git' / 'objects'}\n")
    dirs = object_dirs(str(other.path))
    assert [Path(d) for d in dirs] == [objects.resolve(), (repo.path / ".git" / "objects").resolve()]
    blobs = _pack_order(repo)
    (idx,) = (repo.path / ".git" / "objects" / "pack").glob("*.idx")
    data = idx.read_bytes()
    idx.chmod(0o644)
    idx.write_bytes(data[: len(data) // 2])  # cut short: the offsets table is gone
    order = PackOrder(dirs)
    try:
        assert sorted(order.sort(blobs)) == sorted(blobs)  # every id still there, none read out of bounds
    finally:
        order.close()
    assert object_dirs(str(tmp_path / "not-a-repo")) == []


@settings(max_examples=200)
@given(st.binary(max_size=3000), st.lists(st.text("0123456789abcdef", min_size=40, max_size=40), max_size=5))
def test_any_bytes_as_an_index_give_a_key_for_every_id(idx: bytes, ids: list[str]) -> None:
    header = b"\377tOc\0\0\0\2"
    for data in (idx, header + idx):
        keys = _blobdiff.pack_keys([data], [*ids, "xyz", "g" * 40])
        assert len(keys) == len(ids) + 2 and keys[-2:] == [1 << 40, 1 << 40]
        assert all(0 <= k <= 1 << 40 for k in keys)


ROWS = st.lists(st.sampled_from([b"", b"a", b"key = 1", b"pass", b"x\r", b"  key"]), max_size=8)


@given(ROWS, st.booleans(), st.data())
def test_the_c_keyword_windows_are_the_python_ones(rows: list[bytes], final: bool, data: st.DataObject) -> None:
    text = b"\n".join(rows) + (b"\n" if final else b"")
    if not text:
        return
    ends = data.draw(st.lists(st.integers(1, len(text)), max_size=6))
    assert keyword_windows(text, ends) == keyword_windows_py(text, ends)
    assert keyword_windows(text, [(e, "kw") for e in ends]) == keyword_windows_py(text, ends)
    with pytest.raises(ValueError):
        keyword_windows(text, [len(text) + 1])


def test_a_window_is_the_keyword_line_and_its_neighbours() -> None:
    text = b"one\ntwo key\nthree\nfour\n"
    assert keyword_windows_py(text, [7]) == frozenset({hash(b"one\ntwo key\nthree\n")})
    assert keyword_windows_py(text, [2]) == frozenset({hash(b"one\ntwo key\n")})  # first line: no line before
    assert keyword_windows_py(b"a\nkey", [5]) == frozenset({hash(b"a\nkey")})  # last line, no newline


def test_a_sweep_without_pack_order_finds_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    _history(repo)
    repo.git("repack", "-adfq")
    ordered = _found(repo)
    monkeypatch.setattr(packorder, "pack_keys", None)
    monkeypatch.setattr(gitscan, "window_hashes", window_hashes_py)
    assert _found(repo) == ordered


@given(ROWS, st.booleans(), st.data())
def test_window_lines_kept_by_the_summary_are_the_lines_around_cut_from_the_text(
        rows: list[bytes], final: bool, data: st.DataObject) -> None:
    from scanner.sources.gitblobs import lines_around

    text = b"\n".join(rows) + (b"\n" if final else b"")
    if not text:
        return
    ends = sorted(data.draw(st.lists(st.integers(1, len(text)), min_size=1, max_size=6)))
    numbers, kept = gitscan._window_lines(text, ends)
    assert numbers == [text.count(b"\n", 0, e - 1) for e in ends]
    assert kept is not None
    hit = sorted(set(numbers))
    keep = sorted({j for i in hit for j in (i - 1, i, i + 1) if j in kept})
    assert (b"\n".join(kept[j] for j in keep), keep) == lines_around(text, 0, len(text), hit, 1)


def test_a_large_version_is_scanned_the_same_from_kept_lines_or_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    at = _history(repo)
    kept = _found(repo)
    assert (at["lock"], "web/deps.lock") in {(c, p) for c, p, _l, _s in kept}
    monkeypatch.setattr(gitscan, "SPOT_TEXT", 0)  # no lines kept: each such version read again
    assert _found(repo) == kept
