"""Progress bar: on a terminal stderr for long scans; never when piped or with --no-progress."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def many_files(tmp_path: Path) -> Path:
    for i in range(120):
        (tmp_path / f"f{i:03}.txt").write_text(f"line {i}\n" * (i + 1))
    return tmp_path


def run_with_tty_stderr(args: list[str]) -> tuple[int, bytes]:
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "scanner", *args], stdout=subprocess.DEVNULL,
                                stderr=slave, cwd=REPO)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        return proc.wait(), b"".join(chunks)
    finally:
        os.close(master)


def test_progress_bar_on_a_terminal(many_files: Path) -> None:
    code, err = run_with_tty_stderr(["scan", str(many_files), "-j", "1"])
    assert code == 0
    assert b"/120 [" in err and b"file/s" in err  # a tqdm bar counting the 120 files


def test_no_progress_flag_silences_the_bar(many_files: Path) -> None:
    code, err = run_with_tty_stderr(["scan", str(many_files), "--no-progress"])
    assert code == 0 and b"/120" not in err


def test_nothing_on_stderr_when_piped(many_files: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(many_files)], capture_output=True,
                          cwd=REPO)
    assert proc.returncode == 0 and proc.stderr == b""


def test_verbose_notes_skipped_files(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 5000)
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01\x02")
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(tmp_path), "-v", "--max-file-size",
                           "1KB"], capture_output=True, text=True, cwd=REPO)
    assert "big.txt" in proc.stderr and "max-file-size" in proc.stderr
    assert "bin.dat: binary file; skipped" in proc.stderr


def test_sweep_shows_repositories_done_on_a_terminal(tmp_path: Path) -> None:
    from tests.sweep.conftest import build_fleet

    fleet = build_fleet(tmp_path / "repos")
    store = tmp_path / "ks.db"
    code, err = run_with_tty_stderr(["sweep", str(fleet.root), "--store", str(store), "-j", "1"])
    assert code == 1
    assert b"/3 [" in err and b"repo/s" in err and b"findings" in err  # repositories done, findings so far
    code, err = run_with_tty_stderr(["sweep", str(fleet.root), "--store", str(store), "--no-progress"])
    assert code == 1 and b"/3 [" not in err and b"sweep #2" in err


def test_quiet_leaves_only_errors(tmp_path: Path) -> None:
    from tests.sweep.conftest import build_fleet

    fleet = build_fleet(tmp_path / "repos")
    store = tmp_path / "ks.db"
    code, err = run_with_tty_stderr(["sweep", str(fleet.root), str(tmp_path / "gone"), "--store", str(store),
                                     "--quiet"])
    assert code == 1
    assert b"/3 [" not in err and b"sweep #1" not in err  # no bar, no summary
    assert b"gone" in err  # a repository that could not be swept is still said
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.txt").write_text("nothing\n")
    os.mkfifo(tree / "pipe")  # a warning line at the default level
    code, err = run_with_tty_stderr(["scan", str(tree), "-q", "-o", str(tmp_path / "out.txt")])
    assert code == 0 and err == b""  # neither the warning nor the report-written summary
    code, err = run_with_tty_stderr(["scan", str(tree), "-o", str(tmp_path / "out.txt")])
    assert b"pipe: not a regular file" in err and b"Report written" in err  # what --quiet silenced
