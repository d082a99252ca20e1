"""Throughput by the shape of the input (issue 18, item 2): one file per shape and size, scanned by the CLI.

    python -m benchmarks.shapes [--work /tmp/keysweep-shapes] [--sizes 1,10,100] [--source DIR] [--no-record]

Shapes: ordinary source (real Python files from --source, e.g. unpacked sdists, repeated to the size),
one-line minified JavaScript, base64 blobs (76-character lines), a single character repeated on one line,
a lock file (package-lock.json entries with sha512 integrity), a log with a keyword hit on every line.
Each file is scanned by `keysweep scan FILE --jobs 1 --max-file-size 1GB` (one core), best of 3; MB/s and
the ratio to ordinary source of the same size are reported. Target: every shape at least 30 MB/s per
core, none more than 3x slower than ordinary source, time linear in size. Writes the
`## Throughput by input shape (issue 18)` section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import load_average, machine_facts, markdown_table, publish, run_measured

HEADING = "## Throughput by input shape (issue 18)"
HERE = Path(__file__).resolve().parent
MB = 1024 * 1024


def _fill(path: Path, size: int, piece: Callable[[int], str]) -> None:
    with path.open("wb") as fh:
        written, i = 0, 0
        while written < size:
            data = piece(i).encode()[:size - written]
            fh.write(data)
            written += len(data)
            i += 1


def source_text(root: Path) -> str:
    files = sorted(root.rglob("*.py"))[:3000]
    if not files:
        raise SystemExit(f"{root}: no Python files (give --source a folder of unpacked sdists)")
    return "".join(f.read_text(encoding="utf-8", errors="replace") for f in files)


def shapes(src: str) -> dict[str, Callable[[int], str]]:
    rnd = random.Random(18)
    words = ["function", "return", "var", "const", "this", "null", "length", "push", "apply", "e", "t", "n"]
    js = "".join(rnd.choice(words) + rnd.choice(["(", ")", "{", "}", ";", ",", ".", "=", "+", "&&"])
                 for _ in range(20000))
    raw = bytes(rnd.getrandbits(8) for _ in range(57 * 2000))
    b64 = "".join(base64.b64encode(raw[i:i + 57]).decode() + "\n" for i in range(0, len(raw), 57))

    def lock(i: int) -> str:
        digest = base64.b64encode(hashlib.sha512(str(i).encode()).digest()).decode()
        return (f'    "node_modules/pkg-{i}": {{\n      "version": "1.{i % 50}.{i % 7}",\n'
                f'      "resolved": "https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.0.0.tgz",\n'
                f'      "integrity": "sha512-{digest}"\n    }},\n')

    def log(i: int) -> str:
        return (f"2024-06-01T10:{i % 60:02d}:00Z INFO request id={i:08x} token=redacted user=u{i % 97} "
                f"password_reset=false api_key_id=k{i % 13} secret_rotation=ok\n")

    return {
        "ordinary source": lambda i: src,
        "one-line minified JS": lambda i: js,
        "base64 blobs": lambda i: b64,
        "one character repeated": lambda i: "a" * MB,
        "lock file": lock,
        "log, keyword on every line": log,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/keysweep-shapes"))
    ap.add_argument("--sizes", default="1,10,100", help="MB, comma-separated")
    ap.add_argument("--source", type=Path, default=Path("/tmp/keysweep-realcode"),
                    help="folder of real source (e.g. benchmarks.realcode's unpacked sdists)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-record", action="store_true")
    a = ap.parse_args(argv)
    a.work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in a.sizes.split(",")]
    table = shapes(source_text(a.source))
    rows = []
    base: dict[int, float] = {}
    for name, piece in table.items():
        for size in sizes:
            path = a.work / f"{name.split(',')[0].replace(' ', '-')}-{size}mb.txt"
            if not path.exists() or path.stat().st_size != size * MB:
                _fill(path, size * MB, piece)
            argv_ = [sys.executable, "-m", "scanner.cli", "scan", str(path), "--jobs", "1", "--max-file-size", "1GB",
                     "--no-progress"]
            runs = [run_measured(argv_, interval=None) for _ in range(a.runs)]
            best = min(runs, key=lambda m: m.wall_s)
            mbs = path.stat().st_size / MB / best.wall_s
            if name == "ordinary source":
                base[size] = best.wall_s
            ratio = best.wall_s / base[size] if size in base else float("nan")
            rows.append([name, size, f"{best.wall_s:.2f}", f"{mbs:.1f}", f"{ratio:.2f}", f"{best.max_rss_mb:.0f}",
                         best.returncode])
            print(f"{name} {size} MB: {best.wall_s:.2f} s, {mbs:.1f} MB/s", file=sys.stderr)
    facts = machine_facts()
    body = "\n".join([
        f"One file per shape and size, `keysweep scan FILE --jobs 1` (one core), best of {a.runs}, start-up "
        f"included. Machine: {facts['CPU']}; {facts['cores']}; {facts['RAM']}. Load average: {load_average()}.",
        "",
        markdown_table(["shape", "MB", "wall s", "MB/s", "time / ordinary source", "max RSS MB", "exit"], rows),
        "",
        "Target (issue 18): at least 30 MB/s per core for every shape, no shape over 3x ordinary source, "
        "time linear in size. Small sizes are dominated by start-up (about 0.3 s).",
    ])
    publish(body, HEADING, HERE / "RESULTS.md", write=not a.no_record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
