"""Files on real source trees (issue 18): keysweep against gitleaks and kingfisher on the source
distributions of well-known projects, unpacked side by side into one tree of tens of thousands of
files nobody here wrote.

    python -m benchmarks.run_realtree [--work DIR] [--runs 3] [--jobs 2] [--no-record]

Every project is fetched once with `pip download --no-binary :all: --no-deps NAME==VERSION` (see
`benchmarks.realcode.fetch`) and unpacked under WORK/trees. Each tool is warmed up once on one
project (page cache, kingfisher's rule cache), then the tools scan the whole tree in turn, `--runs`
rounds, without memory sampling; one more round samples the process tree's memory. Reported: wall
(median) and CPU, MB/s, peak RSS summed over the process tree, findings, and keysweep's time over
each tool's. The Markdown summary goes into RESULTS.md under the heading below.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common
from benchmarks.realcode import fetch
from benchmarks.run_scan import Tool, hits_of, tools

HEADING = "## Real source trees (issue 18)"
HERE = Path(__file__).resolve().parent
# large, well-known projects with plain sdists: Python, C, YAML and JSON, docs and test data
PROJECTS = (
    ("ansible", "10.7.0"), ("ansible-core", "2.18.1"), ("Django", "5.1.4"), ("botocore", "1.35.76"),
    ("sympy", "1.13.3"), ("SQLAlchemy", "2.0.36"), ("Twisted", "24.11.0"), ("networkx", "3.4.2"),
)
MAX_FILE_MB = 10


@dataclass
class Result:
    tool: Tool
    runs: list[common.Measurement] = field(default_factory=list)
    memory: common.Measurement | None = None
    findings: int = 0


def tree_size(root: Path) -> tuple[int, int]:
    """(files, bytes) under root, symlinks not followed."""
    files = size = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                files += 1
                size += os.path.getsize(p)
    return files, size


def prepare(work: Path) -> tuple[Path, list[str]]:
    """The folder holding every project's unpacked sdist, and the projects in it."""
    fetched = []
    for name, version in PROJECTS:
        try:
            fetch(work, name, version)
            fetched.append(f"{name} {version}")
        except Exception as e:  # noqa: BLE001 - a project the registry or pip cannot give is left out, and named
            print(f"left out {name} {version}: {e}", file=sys.stderr)
    return work / "trees", fetched


def run(args: argparse.Namespace) -> str:
    root, projects = prepare(args.work.resolve())
    files, size = tree_size(root)
    chosen = [t for name, t in tools(common.ensure_cmpvenv()).items() if name in args.tools]
    out = args.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    cwd, target = root.parent, root.name
    warm = min(root.iterdir(), key=lambda p: p.name)
    load_before = common.load_average()
    for tool in chosen:
        common.run_measured(tool.argv(os.path.relpath(warm, cwd), out / f"{tool.name}-warm.json", args.jobs,
                                      MAX_FILE_MB), cwd=cwd, interval=None)
    results = {t.name: Result(t) for t in chosen}
    for i in range(args.runs + 1):
        sampled = i == args.runs  # the last round measures memory (the sampler costs CPU, so it is not timed)
        for tool in chosen:
            report = out / f"{tool.name}.json"
            report.unlink(missing_ok=True)
            m = common.run_measured(tool.argv(target, report, args.jobs, MAX_FILE_MB), cwd=cwd,
                                    stderr=out / f"{tool.name}.err", interval=0.05 if sampled else None)
            r = results[tool.name]
            if sampled:
                r.memory = m
            else:
                r.runs.append(m)
                r.findings = len(hits_of(tool, report, root, cwd))
            print(f"{'memory' if sampled else f'run {i + 1}'} {tool.name}: {m.wall_s:.2f} s, cpu {m.cpu_s:.2f}, "
                  f"rc {m.returncode}" + (f", rss sum {m.peak_rss_sum_mb:.0f} MB" if sampled else ""),
                  file=sys.stderr)
    return render(results, projects, files, size, args, load_before)


def render(results: dict[str, Result], projects: list[str], files: int, size: int, args: argparse.Namespace,
           load_before: str) -> str:
    walls = {n: common.median([m.wall_s for m in r.runs]) for n, r in results.items()}
    ks = walls.get("keysweep")
    rows = []
    for name, r in results.items():
        mem = r.memory
        rows.append([
            name, common.tool_version(r.tool.version), f"{walls[name]:.2f}",
            f"{common.median([m.cpu_s for m in r.runs]):.2f}", f"{size / common.MB / walls[name]:.1f}",
            f"{mem.peak_rss_sum_mb:.0f}" if mem else "", f"{mem.max_rss_mb:.0f}" if mem else "",
            f"{ks / walls[name]:.2f}" if ks else "", r.findings, r.runs[-1].returncode,
        ])
    peers = [w for n, w in walls.items() if n != "keysweep"]
    facts = common.machine_facts()
    lines = [
        f"Tree: the source distributions of {', '.join(projects)} (`pip download --no-binary :all: --no-deps`), "
        f"unpacked side by side: {files} files, {size / common.MB:.0f} MB. Every tool scans the whole folder, "
        f"`--jobs {args.jobs}` where it has it, files over {MAX_FILE_MB} MB skipped; one warm-up each, then "
        f"{args.runs} rounds with the tools in turn (median), and one more round sampling memory every 50 ms.",
        "",
        f"Machine: CPU {facts['CPU']}; cores {facts['cores']}; RAM {facts['RAM']}; OS {facts['OS']}; "
        f"Python {facts['Python']}. Load average before: {load_before}; after: {common.load_average()}.",
        "",
        common.markdown_table(["tool", "version", "wall s", "cpu s", "MB/s", "peak RSS sum MB",
                               "largest process MB", "keysweep/tool", "findings", "exit"], rows),
        "",
    ]
    if ks and peers:
        lines.append(f"keysweep / faster peer: {ks / min(peers):.2f} (target: at most 1.00).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "keysweep-realtree")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tools", nargs="+", default=["keysweep", "gitleaks", "kingfisher"])
    ap.add_argument("--out-dir", type=Path, default=HERE / "out" / "realtree")
    ap.add_argument("--no-record", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args(argv)
    common.publish(run(args), HEADING, HERE / "RESULTS.md", write=not args.no_record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
