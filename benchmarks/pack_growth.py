"""Whole runs before and after the rule pack grew (issue 17: 2.5x the rules, no slower).

    python -m benchmarks.pack_growth [--corpus /tmp/realcode/trees] [--runs 5] [--no-record]

`keysweep scan` of the same tree as separate processes, one worker (`--jobs 1`, so CPU time is the
figure), alternating between keysweep as it was when the detection issue was taken up (BEFORE, 429
rules; checked out from git into a temporary work tree) and the working copy, with warm caches (a run
of each first). Whole processes, so start-up, rule loading and pattern compilation count as users
pay them. Writes the `## Rule pack growth, whole runs (issue 17)` section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import load_average, machine_facts, markdown_table, median, publish, run_measured

HEADING = "## Rule pack growth, whole runs (issue 17)"
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BEFORE = "ff9a829^"  # the last commit before the detection issue's work (429 rules)
DEFAULT_CORPUS = Path("/tmp/realcode/trees")  # python -m benchmarks.realcode --work /tmp/realcode


def checkout(ref: str, where: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(where), ref], cwd=REPO, check=True,
                   capture_output=True)
    # the package finds its rules as scanner.builtin_rules (an installed package maps it to rules/)
    (where / "scanner" / "builtin_rules").symlink_to(where / "rules")
    return where


def rule_count(tree: Path) -> int:
    out = subprocess.run([sys.executable, "-c", "from scanner.rules import load_builtin_rules as l; print(len(l()))"],
                         env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree, check=True, capture_output=True,
                         text=True)
    return int(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"{args.corpus}: no such folder (python -m benchmarks.realcode --work /tmp/realcode makes it)",
              file=sys.stderr)
        return 2
    mb = sum(p.stat().st_size for p in args.corpus.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6
    with tempfile.TemporaryDirectory(prefix="ks-growth-") as tmp:
        before = checkout(BEFORE, Path(tmp) / "before")
        try:
            trees = {"before": before, "now": REPO}
            counts = {k: rule_count(v) for k, v in trees.items()}
            load_before = load_average()
            cpu: dict[str, list[float]] = {k: [] for k in trees}
            wall: dict[str, list[float]] = {k: [] for k in trees}
            rss: dict[str, list[float]] = {k: [] for k in trees}
            for i in range(args.runs + 1):
                for name, tree in trees.items():
                    # each keysweep its own cache folder: the parsed-rule cache keeps one pack at a time
                    m = run_measured(["env", f"PYTHONPATH={tree}", f"XDG_CACHE_HOME={tmp}/cache-{name}",
                                      sys.executable, "-m", "scanner", "scan",
                                      str(args.corpus), "--jobs", "1", "--no-progress", "--format", "json",
                                      "-o", os.devnull], cwd=Path(tmp), interval=None)
                    if m.returncode not in (0, 1):
                        print(f"{name}: exit {m.returncode}", file=sys.stderr)
                        return 2
                    if i:  # the first round warms the caches
                        cpu[name].append(m.cpu_s)
                        wall[name].append(m.wall_s)
                        rss[name].append(m.max_rss_mb)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=REPO, capture_output=True)
    rows = []
    for name in trees:
        label = f"before the detection issue ({BEFORE})" if name == "before" else "now"
        c = median(cpu[name])
        rows.append([label, counts[name], f"{c:.2f}", f"{min(cpu[name]):.2f}", f"{median(wall[name]):.2f}",
                     f"{mb / c:.1f}", f"{median(rss[name]):.0f}", f"{c / median(cpu['before']):.2f}",
                     f"{min(cpu[name]) / min(cpu['before']):.2f}"])
    facts = "; ".join(f"{k} {v}" for k, v in machine_facts().items())
    ratio = median(cpu["now"]) / median(cpu["before"])
    body = "\n\n".join([
        f"Corpus: `{args.corpus}` ({mb:.0f} MB; the real-code trees). `keysweep scan --jobs 1` as whole "
        f"processes, alternating, median and best of {args.runs} after one warm-up round each (each "
        "with its own warm cache folder). CPU is user + system of "
        "the process; max RSS from wait4.",
        f"Machine: {facts}. Load average before: {load_before}; after: {load_average()}.",
        markdown_table(["keysweep", "rules", "CPU s (median)", "CPU s (best)", "wall s", "MB/s per CPU s",
                        "max RSS MB", "CPU vs before (median)", "(best)"], rows),
        "CPU s of each run: " + "; ".join(f"{k}: " + ", ".join(f"{x:.2f}" for x in v) for k, v in cpu.items()) + ".",
        f"Issue 17 asks that 2.5x the rules scan no slower: {counts['now']} rules "
        f"({counts['now'] / counts['before']:.2f}x) cost {ratio:.2f}x the CPU of the {counts['before']}-rule "
        "keysweep. Compiled rule patterns now survive runs (`scanner/regexcache.py`): `regex` parsing the "
        "patterns a run needs was the largest single cost the larger pack added.",
    ])
    publish(body, HEADING, HERE / "RESULTS.md", write=not args.no_record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
