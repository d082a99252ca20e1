"""Filesystem source against real files and folders in a temp dir."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from scanner import api
from scanner.config import ScanOptions
from scanner.sources.blobs import Tally
from scanner.sources.files import _Batch, read_upto
from scanner.sources.walk import FileEntry
from tests.helpers import AWS_KEY_ID, GITHUB_PAT, builtin_engine


def run(targets: list[str], **opts: object) -> api.ScanResult:
    warnings: list[str] = []
    res = api.scan(targets, builtin_engine(), ScanOptions(**opts), warn=warnings.append)  # type: ignore[arg-type]
    return res


def write(p: Path, text: str | bytes) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def test_folders_are_scanned_recursively_and_git_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a" / "b" / "c.env", f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
    write(tmp_path / ".git" / "config", f"token = {GITHUB_PAT}\n")
    res = run([str(tmp_path)])
    assert [Path(f.path).relative_to(tmp_path).as_posix() for f in res.findings] == ["a/b/c.env"]


def test_binary_and_oversize_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "blob.bin", b"\x00\x01" + f"key={AWS_KEY_ID}".encode())
    write(tmp_path / "big.txt", "x" * 2048 + f"\nkey={AWS_KEY_ID}\n")
    write(tmp_path / "small.txt", f"key={AWS_KEY_ID}\n")
    res = run([str(tmp_path)], max_file_size=1024)
    assert [Path(f.path).name for f in res.findings] == ["small.txt"]
    assert res.files_skipped == 2


def test_exclude_globs(tmp_path: Path) -> None:
    write(tmp_path / "vendor" / "x.py", f"k={AWS_KEY_ID}\n")
    write(tmp_path / "src" / "gen.min.js", f"k={AWS_KEY_ID}\n")
    write(tmp_path / "src" / "app.py", f"k={AWS_KEY_ID}\n")
    res = run([str(tmp_path)], exclude=("vendor/**", "*.min.js"))
    assert [Path(f.path).name for f in res.findings] == ["app.py"]


def test_identical_contents_scanned_once_but_reported_at_every_path(tmp_path: Path) -> None:
    body = f"# vendored copy\nkey = {AWS_KEY_ID}\n" + "filler line\n" * 50
    for name in ("one", "two", "three"):
        write(tmp_path / name / "settings.py", body)
    res = run([str(tmp_path)])
    assert sorted(Path(f.path).parent.name for f in res.findings) == ["one", "three", "two"]
    assert res.bytes_scanned == len(body)  # the content was scanned once
    assert res.files_scanned == 3


def test_identical_contents_at_paths_that_change_the_result_are_judged_per_path(tmp_path: Path) -> None:
    body = 'DB_PASSWORD = "q8Zr2LmX7vTc9KwPe4"\n'  # a generic secret: its severity depends on the path
    write(tmp_path / "app" / "settings.py", body)
    write(tmp_path / "tests" / "settings.py", body)  # a test path: same secret, lower severity
    write(tmp_path / "lib" / "settings.py", body)
    res = run([str(tmp_path)], jobs=1)
    by_dir = {Path(f.path).parent.name: f.severity for f in res.findings}
    assert set(by_dir) == {"app", "tests", "lib"}
    assert by_dir["app"] == by_dir["lib"] != by_dir["tests"]
    assert res.bytes_scanned == 2 * len(body)  # app and lib share one scan; tests needed its own


def test_identical_contents_judged_per_path_where_a_rule_is_bound_to_a_file_name(tmp_path: Path) -> None:
    # the Akamai rule reads only `.edgerc` files: the same text elsewhere is not its secret
    body = ("[default]\nclient_secret = J/MJpDaFB+NnAZUDkAzXvVaXLwF7dVCWf1H1NgTaOH0=\n"
            "host = akab-x.luna.akamaiapis.net\n")
    write(tmp_path / "ops" / ".edgerc", body)
    write(tmp_path / "docs" / "notes.ini", body)
    write(tmp_path / "home" / ".edgerc", body)
    res = run([str(tmp_path)], jobs=1)
    akamai = sorted(f.path for f in res.findings if f.rule_id == "akamai-edgegrid-client-secret")
    assert [Path(p).parent.name for p in akamai] == ["home", "ops"]


def test_identical_contents_judged_per_path_for_file_names_with_a_newline(tmp_path: Path) -> None:
    # rule path patterns see a name line by line: ".edgerc\nx" is an .edgerc as far as they are concerned
    body = ("[default]\nclient_secret = J/MJpDaFB+NnAZUDkAzXvVaXLwF7dVCWf1H1NgTaOH0=\n"
            "host = akab-x.luna.akamaiapis.net\n")
    write(tmp_path / "a" / "settings.ini", body)
    write(tmp_path / "b" / ".edgerc\nx", body)
    res = run([str(tmp_path)], jobs=1)
    rules = {Path(f.path).parent.name: f.rule_id for f in res.findings}
    assert rules == {"a": "generic-secret", "b": "akamai-edgegrid-client-secret"}


def test_parallel_scan_gives_the_same_findings_as_serial(tmp_path: Path) -> None:
    filler = "def f(x):\n    return x * 2\n" * 2000
    for i in range(40):
        write(tmp_path / f"pkg{i}" / "mod.py", f"{filler}\nTOKEN = '{GITHUB_PAT}'\n# {i}\n")
    serial = run([str(tmp_path)], jobs=1)
    parallel = run([str(tmp_path)], jobs=2)
    assert len(serial.findings) == 40
    assert serial.findings == parallel.findings


def test_symlink_loop_terminates_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "d" / "f.txt", f"k={AWS_KEY_ID}\n")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    res = run([str(tmp_path)])
    assert len(res.findings) == 1
    assert any("symlink loop" in w for w in res.warnings)


def test_fifo_is_skipped_with_a_warning(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    write(tmp_path / "ok.txt", f"k={AWS_KEY_ID}\n")
    res = run([str(tmp_path)])
    assert len(res.findings) == 1
    assert any("pipe" in w and "not a regular file" in w for w in res.warnings)


def test_invalid_utf8_is_scanned_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "latin1.cfg", b"caf\xe9 = 1\nkey = " + AWS_KEY_ID.encode() + b"\n")
    res = run([str(tmp_path)])
    assert [f.line for f in res.findings] == [2]
    assert any("not valid UTF-8" in w for w in res.warnings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their permissions")
def test_permission_denied_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    write(locked / "x.txt", f"k={AWS_KEY_ID}\n")
    write(tmp_path / "ok.txt", f"k={AWS_KEY_ID}\n")
    locked.chmod(0)
    try:
        res = run([str(tmp_path)])
    finally:
        locked.chmod(0o755)
    assert len(res.findings) == 1
    assert any("permission denied" in w for w in res.warnings)


def test_missing_target_is_a_warning_and_others_still_scanned(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt", f"k={AWS_KEY_ID}\n")
    res = run([str(tmp_path / "nope"), str(tmp_path / "ok.txt")])
    assert len(res.findings) == 1
    assert any("no such file" in w for w in res.warnings)


def test_stdin_is_scanned_as_a_pseudo_file() -> None:
    res = api.scan(["-"], builtin_engine(), ScanOptions(), stdin=io.BytesIO(f"key={AWS_KEY_ID}".encode()))
    assert [(f.path, f.line) for f in res.findings] == [("<stdin>", 1)]


def test_huge_sparse_file_is_skipped_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "huge.log"
    with open(big, "wb") as fh:
        fh.truncate(2 * 1024**3)  # 2 GB, sparse
    write(tmp_path / "ok.txt", f"k={AWS_KEY_ID}\n")
    res = run([str(tmp_path)])
    assert len(res.findings) == 1
    assert res.files_skipped == 1


def test_a_file_is_read_whole_whatever_the_size_the_walk_saw(tmp_path: Path) -> None:
    body = b"".join(b"line %d\n" % i for i in range(300_000))  # 2.3 MB: several reads when the size is stale
    p = write(tmp_path / "f.txt", body)
    n = len(body)
    assert read_upto(str(p), n + 1, n) == body  # as walked
    assert read_upto(str(p), n + 1, 10) == body  # it has grown since the walk
    assert read_upto(str(p), n + 1, 0) == body  # a size of 0 (as /proc reports)
    assert read_upto(str(p), n + 1, n + 500) == body  # it has shrunk
    assert read_upto(str(p), 1000, n) == body[:1000]  # never more than asked for
    assert read_upto(str(p), 1000, 10) == body[:1000]
    assert read_upto(str(write(tmp_path / "empty", b"")), 5, 0) == b""


def test_a_file_that_grew_past_the_limit_after_the_walk_is_still_refused(tmp_path: Path) -> None:
    p = write(tmp_path / "grew.txt", "x" * 5000)
    data = _Batch.read(FileEntry(path=str(p), real=str(p), size=100), 1024, Tally())
    assert data is not None and len(data) == 1025  # one byte over the limit: the caller skips it
