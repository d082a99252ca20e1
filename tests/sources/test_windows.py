"""Streams and large files scanned in bounded windows: same findings, same positions, bounded reads."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import pytest

from scanner import api
from scanner.config import FileConfig, ScanOptions
from scanner.models import Chunk, Origin
from scanner.sources.windows import scan_stream
from tests.helpers import AWS_KEY_ID, GITHUB_PAT, RSA_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine():
    return api.build_engine(FileConfig(), ScanOptions())


def _key(f):
    return (f.rule_id, f.line, f.column, f.end_line, f.end_column, f.secret)


def _text(rnd: random.Random) -> str:
    pieces = [f"AWS={AWS_KEY_ID}", f'token = "{GITHUB_PAT}"', f"é ü {AWS_KEY_ID} ë", RSA_KEY]
    parts = []
    for _ in range(rnd.randint(5, 60)):
        r = rnd.random()
        if r < 0.2:
            parts.append(rnd.choice(pieces))
        elif r < 0.3:
            parts.append("x" * rnd.randint(100, 3000))  # lines longer than a window
        else:
            parts.append(" ".join(rnd.choice(["alpha", "beta", "ünï", "gamma"]) for _ in range(rnd.randint(0, 30))))
    return rnd.choice(["\n", "\n", " "]).join(parts)  # sometimes all on one line


def test_windows_find_exactly_what_one_whole_scan_finds(engine) -> None:
    rnd = random.Random(7)
    for trial in range(150):
        text = _text(rnd)
        whole = sorted(_key(f) for f in engine.scan(Chunk(text=text, origin=Origin(path="x"))))
        window = rnd.randint(300, 5000)
        res = scan_stream(engine.scan, "x", io.BytesIO(text.encode()), 10**9, window=window, overlap=4096)
        assert sorted(_key(f) for f in res.findings) == whole, (trial, window)
        assert res.bytes_read == len(text.encode()) and not res.truncated


class Endless(io.RawIOBase):
    """An input that never ends (like `< /dev/zero`), counting what was asked of it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        assert n is not None and n > 0, "a stream must never be read to its end"
        self.given += n
        head = b"key=" + AWS_KEY_ID.encode() + b"\n"  # one key at the start of every read
        return head + b"a" * (n - len(head))


def test_an_endless_stream_is_read_up_to_the_limit(engine) -> None:
    src = Endless()
    res = scan_stream(engine.scan, "<stdin>", src, 3 * 1024 * 1024, window=1024 * 1024, overlap=1024)
    assert res.truncated and res.bytes_read == 3 * 1024 * 1024
    assert src.given <= 3 * 1024 * 1024 + 1024 * 1024
    assert len(res.findings) == 3  # one per 1 MB read, none twice though the windows overlap


def test_stdin_from_dev_zero_stops_at_max_file_size() -> None:
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run([sys.executable, "-m", "scanner.cli", "scan", "-", "--max-file-size", "2MB"],
                              stdin=zero, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "<stdin>: more than --max-file-size" in done.stderr and "the rest was not read" in done.stderr


def test_a_large_file_is_scanned_in_windows_with_real_line_numbers(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    line = "an ordinary log line with nothing in it at all, just words\n"
    n = 20 * 1024 * 1024 // len(line)  # over the size from which files are streamed
    with big.open("w") as fh:
        fh.write(line * (n // 2))
        fh.write(f"AWS={AWS_KEY_ID}\n")
        fh.write(line * (n // 2))
    done = subprocess.run([sys.executable, "-m", "scanner.cli", "scan", str(big), "--max-file-size", "100MB",
                           "--format", "json"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    import json

    (f,) = json.loads(done.stdout)
    assert (f["line"], f["column"]) == (n // 2 + 1, 5)
