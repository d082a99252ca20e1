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
