"""Hostile and odd input (issue 22's reliability probe): wall time and peak memory of `keysweep scan` on
each shape the probe found a failure on, with a time limit per case.

    python -m benchmarks.hostile [--work /tmp/keysweep-hostile] [--limit 300] [--no-record]

Cases: an endless stdin (`/dev/zero`) under the default --max-file-size; a symlink graph of 30 folders
each linking twice to the next (2**29 paths, 30 real folders); 1,200 nested folders; a 200 MB file with
--max-file-size raised; a 24 MB one-line base64-like file with one AWS key id in the middle; lines of
1,000 repeated key-like assignments. Writes the `## Hostile input (issue 22)` section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import load_average, machine_facts, markdown_table, publish

HEADING = "## Hostile input (issue 22)"
HERE = Path(__file__).resolve().parent
KEY = "AKIAZ4R7QW2LMNPX5HTB"
TOKEN = "tojqnXmroywHKbwnnTrvRvkj8DS7uG_dIhKLx5Y5puNC"
# what the probe measured on main before the fixes (the issue text)
BEFORE = {
    "stdin from /dev/zero": "killed at 24 GB RSS",
    "symlink graph, 30 levels": "minutes, 1.3 GB (18 levels: 36 s)",
    "1,200 nested folders": "RecursionError, exit 3",
    "200 MB file": "844 MB peak RSS",
    "24 MB one-line base64": "> 120 s",
    "1,000 repeated tokens a line": "> 120 s",
}


def _symlinks(root: Path) -> Path:
    for i in range(30):
        (root / f"d{i}").mkdir(parents=True, exist_ok=True)
        (root / f"d{i}" / "f.env").write_text(f"K={KEY}\n" if i == 29 else "nothing\n")
    for i in range(29):
        for name in ("a", "b"):
            link = root / f"d{i}" / name
            if not link.is_symlink():
                os.symlink(f"../d{i + 1}", link)
    return root / "d0"


def _nested(root: Path) -> Path:
    here = os.getcwd()
    if not root.exists():
        root.mkdir(parents=True)
        os.chdir(root)
        try:
            for _ in range(1200):
                os.mkdir("n")
                os.chdir("n")
            Path("k.env").write_text(f"K={KEY}\n")
        finally:
            os.chdir(here)
    return root


def _big(path: Path) -> Path:
    if not path.exists():
        line = "an ordinary log line with nothing in it at all, just some words\n"
        with path.open("w") as fh:
            for i in range(200 * 1024 * 1024 // len(line)):
                fh.write(line if i != 1_500_000 else f"AWS={KEY}\n")
    return path


def _one_line(path: Path) -> Path:
    if not path.exists():
        rnd = random.Random(5)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        half = "".join(rnd.choice(alphabet) for _ in range(12_000_000))
        path.write_text(half + f" {KEY} " + half[::-1])
    return path


def _repeated(path: Path) -> Path:
    path.write_text(" ".join([f"ibm_api_key={TOKEN}"] * 1000) + "\n" + " ".join([f"password={TOKEN[:20]}"] * 1000)
                    + "\n" + " ".join([f"mysql -u root -p{TOKEN[:12]}"] * 1000) + "\n")
    return path


def _run(args: list[str], limit: float, stdin: int | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS MB (ru_maxrss of the child), and how it ended."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "scanner.cli", *args], stdin=stdin or subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + limit
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return limit, usage.ru_maxrss / 1024, f"killed after {limit:.0f} s"
        time.sleep(0.02)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    note = f"exit {code}" + (" (traceback)" if "Traceback" in err or "internal error" in err else "")
    return wall, usage.ru_maxrss / 1024, note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/keysweep-hostile"))
    ap.add_argument("--limit", type=float, default=300.0, help="seconds allowed per case")
    ap.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    a = ap.parse_args(argv)
    w = a.work
    w.mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, Callable[[], tuple[float, float, str]]]] = [
        ("stdin from /dev/zero", lambda: _run(["scan", "-"], a.limit, stdin=os.open("/dev/zero", os.O_RDONLY))),
        ("symlink graph, 30 levels", lambda: _run(["scan", str(_symlinks(w / "links")), "--no-progress"], a.limit)),
        ("1,200 nested folders", lambda: _run(["scan", str(_nested(w / "nested")), "--no-progress"], a.limit)),
        ("200 MB file", lambda: _run(["scan", str(_big(w / "big.log")), "--max-file-size", "500MB"], a.limit)),
        ("24 MB one-line base64", lambda: _run(["scan", str(_one_line(w / "line.txt")), "--max-file-size", "100MB"],
                                               a.limit)),
        ("1,000 repeated tokens a line", lambda: _run(["scan", str(_repeated(w / "rep.txt"))], a.limit)),
    ]
    rows = []
    for name, run in cases:
        wall, rss, note = run()
        rows.append([name, f"{wall:.2f}", f"{rss:.0f}", note, BEFORE[name]])
        print(f"{name}: {wall:.2f} s, {rss:.0f} MB, {note}", file=sys.stderr)
    facts = machine_facts()
    body = "\n".join([
        f"`keysweep scan` on each input the reliability probe of issue 22 failed on; limit {a.limit:.0f} s a case. "
        f"Machine: {facts['CPU']}; {facts['cores']}; {facts['RAM']}. Load average before: {load_average()}.",
        "",
        markdown_table(["input", "wall s", "peak RSS MB", "result", "before (the probe, on main)"], rows),
        "",
        "Exit 1 is findings (each case holds one key); stdin stops at --max-file-size (10 MB) with a warning.",
    ])
    publish(body, HEADING, HERE / "RESULTS.md", write=not a.no_record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
