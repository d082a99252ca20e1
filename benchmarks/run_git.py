"""Git history benchmark: keysweep against gitleaks and kingfisher on the synthetic repository.

    python -m benchmarks.run_git [--repo benchmarks/.corpus/gitrepo] [--commits 20000] [--runs 3] [--jobs 2]

Builds the repository with benchmarks/gitrepo.py when missing, warms every tool up once on a small
repository, then times full-history sweeps (`keysweep git`, `gitleaks git --log-opts=--all`,
`kingfisher scan --git-history full --no-validate`) in turn, `--runs` rounds, so load on a shared
machine hits them alike: wall time and CPU time (no sampler running), then one more run each for the
peak memory of the process tree. Checks that keysweep finds every planted secret at the commit, path
and line that introduced it (and counts what the others find of them). Then the pre-commit case: one
small file staged in that repository, `keysweep git --staged` against `gitleaks git --staged`
(hyperfine when installed). Prints a Markdown summary and writes it into the `## Git history (issue 4)`
section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common, gitrepo

HEADING = "## Git history (issue 4)"
HERE = Path(__file__).resolve().parent
STAGED_FILE = "services/billing/new_client.py"
STAGED_TEXT = '''"""Billing client."""

import os

BASE_URL = "https://billing.internal/api"
TIMEOUT = 30
GITHUB_TOKEN = "{token}"


def headers() -> dict:
    return {{"Authorization": f"token {{os.environ.get('T', '')}}"}}
'''


@dataclass(frozen=True)
class Tool:
    name: str
    argv: Callable[[Path, Path, int], list[str]]  # (repo, report, jobs) -> command
    found: Callable[[Path], list[dict[str, Any]]]  # report -> [{secret, commit, path, line}]
    version: list[str]


def keysweep_cmd() -> list[str]:
    """The installed console script next to this interpreter (no pyenv shim in the way)."""
    script = Path(sys.executable).parent / "keysweep"
    return [str(script)] if script.exists() else [sys.executable, "-m", "scanner.cli"]


def _keysweep_found(report: Path) -> list[dict[str, Any]]:
    return [{"secret": f["secret"], "commit": f["commit"], "path": f["path"], "line": f["line"]}
            for f in json.loads(report.read_text())]


def _gitleaks_found(report: Path) -> list[dict[str, Any]]:
    return [{"secret": f["Secret"], "commit": f["Commit"], "path": f["File"], "line": f["StartLine"]}
            for f in json.loads(report.read_text())]


def _kingfisher_found(report: Path) -> list[dict[str, Any]]:
    out = []
    for f in json.loads(report.read_text()).get("findings", []):
        finding = f.get("finding", f)
        git = (finding.get("git_metadata") or {}).get("commit") or {}
        out.append({"secret": finding.get("snippet", ""), "commit": git.get("id", ""),
                    "path": finding.get("path", ""), "line": finding.get("line", 0)})
    return out


def tools(bin_dir: Path) -> list[Tool]:
    ks = keysweep_cmd()
    return [
        Tool("keysweep", lambda repo, out, jobs: [*ks, "git", str(repo), "--format", "json", "--output", str(out),
                                                  "--no-progress", "--jobs", str(jobs)],
             _keysweep_found, [*ks, "--version"]),
        Tool("gitleaks", lambda repo, out, jobs: [str(bin_dir / "gitleaks"), "git", "--log-opts=--all",
                                                  "--no-banner", "--log-level", "error", "--report-format", "json",
                                                  "--report-path", str(out), "--exit-code", "0", str(repo)],
             _gitleaks_found, [str(bin_dir / "gitleaks"), "version"]),
        Tool("kingfisher", lambda repo, out, jobs: [str(bin_dir / "kingfisher"), "scan", str(repo),
                                                    "--git-history", "full", "--no-validate", "--no-update-check",
                                                    "--quiet", "--format", "json", "--output", str(out),
                                                    "--jobs", str(jobs)],
             _kingfisher_found, [str(bin_dir / "kingfisher"), "--version"]),
    ]


def recall(plants: Sequence[dict[str, Any]], found: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """(planted occurrences whose secret was found at all, found at the planted commit, path and line)."""
    any_hit = exact = 0
    for p in plants:
        probe = max(p["secret"].split("\n"), key=len)
        hits = [f for f in found if probe in (f["secret"] or "")]
        any_hit += bool(hits)
        exact += any(f["commit"] == p["commit"] and f["path"] == p["path"] and f["line"] == p["line"] for f in hits)
    return any_hit, exact


def sweep_runs(repo: Path, runs: int, jobs: int, bin_dir: Path, work: Path,
               plants: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    stats: dict[str, dict[str, Any]] = {}
    for t in tools(bin_dir):  # warm-up on a small repository (kingfisher caches its compiled rules)
        small = work / "warm"
        if not small.exists():
            gitrepo.generate(small, commits=200, paths=100, seed=1)
        common.run_measured(t.argv(small, work / f"warm-{t.name}.json", jobs))
    for r in range(runs + 1):  # timed rounds without a memory sampler, then one round for memory
        timed = r < runs
        for t in tools(bin_dir):
            report = work / f"{t.name}.json"
            report.unlink(missing_ok=True)
            m = common.run_measured(t.argv(repo, report, jobs), stderr=work / f"{t.name}.err",
                                    interval=None if timed else 0.05)
            s = stats.setdefault(t.name, {"wall": [], "cpu": [], "rss": [], "pss": [], "anon": [], "maxrss": [],
                                          "rc": set(),
                                          "version": common.tool_version(t.version)})
            s["rc"].add(m.returncode)
            if timed:
                s["wall"].append(m.wall_s)
                s["cpu"].append(m.cpu_s)
            else:
                s["rss"].append(m.peak_rss_sum_mb)
                s["pss"].append(m.peak_pss_sum_mb)
                s["anon"].append(m.peak_anon_sum_mb)
                s["maxrss"].append(m.max_rss_mb)
            if report.exists() and r == 0:
                found = t.found(report)
                s["findings"] = len(found)
                s["recall"] = recall(plants, found)
            print(f"  {t.name:10} " + (f"run {r + 1}: {m.wall_s:6.2f}s wall, {m.cpu_s:6.2f}s cpu" if timed else
                                       f"memory run: {m.peak_pss_sum_mb:6.0f} MB pss"), file=sys.stderr)
    return stats


def staged_runs(repo: Path, bin_dir: Path, runs: int, work: Path) -> list[tuple[str, float, float]]:
    """(command, mean ms, stddev ms) for the pre-commit case: one small staged file."""
    token = gitrepo.github_pat(random.Random(99))
    target = repo / STAGED_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(STAGED_TEXT.format(token=token))
    subprocess.run(["git", "add", STAGED_FILE], cwd=repo, check=True, stdin=subprocess.DEVNULL)
    commands = {
        "keysweep git --staged": [*keysweep_cmd(), "git", "--staged"],
        "gitleaks git --staged": [str(bin_dir / "gitleaks"), "git", "--staged", "--no-banner", "--log-level",
                                  "error", "."],
        "gitleaks protect --staged": [str(bin_dir / "gitleaks"), "protect", "--staged", "--no-banner",
                                      "--log-level", "error", "."],
    }
    out: list[tuple[str, float, float]] = []
    try:
        for name, argv in commands.items():
            done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if done.returncode != 1:
                print(f"  warning: {name} exited {done.returncode} on a staged secret", file=sys.stderr)
        if shutil.which("hyperfine"):
            export = work / "hyperfine.json"
            subprocess.run(["hyperfine", "--ignore-failure", "--warmup", "3", "--runs", str(runs), "-N",
                            "--export-json", str(export), *[" ".join(a) for a in commands.values()]],
                           cwd=repo, check=True, capture_output=True, stdin=subprocess.DEVNULL)
            results = json.loads(export.read_text())["results"]
            for name, res in zip(commands, results, strict=True):
                out.append((name, res["mean"] * 1000, res["stddev"] * 1000))
        else:
            for name, argv in commands.items():
                times = [common.run_measured(argv, cwd=repo).wall_s * 1000 for _ in range(runs)]
                out.append((name, common.median(times), max(times) - min(times)))
    finally:
        subprocess.run(["git", "reset", "-q", "--", STAGED_FILE], cwd=repo, check=True, stdin=subprocess.DEVNULL)
        target.unlink()
    return out


def repacked_table(stats: dict[str, dict[str, Any]] | None, plants: Sequence[dict[str, Any]]) -> list[str]:
    """The same history with every object delta-compressed, as a clone from a server has it (the
    generator's fast-import pack stores most file versions whole, so reading them costs more)."""
    if not stats:
        return []
    ks = common.median(stats["keysweep"]["wall"])
    rows = [[name, f"{common.median(s['wall']):.2f}", f"{common.median(s['cpu']):.2f}",
             f"{ks / common.median(s['wall']):.2f}", f"{s.get('recall', (0, 0))[1]}/{len(plants)}"]
            for name, s in stats.items()]
    return ["", f"The same repository after `git repack -adf` (every version stored as a delta, as in a clone "
            f"from a server; median of {len(stats['keysweep']['wall'])} runs):", "",
            common.markdown_table(["tool", "wall s", "cpu s", "keysweep/tool", "planted at commit+path+line"], rows)]


def report(args: argparse.Namespace, manifest: dict[str, Any], stats: dict[str, dict[str, Any]],
           staged: list[tuple[str, float, float]], load_before: str, load_after: str,
           stats_repacked: dict[str, dict[str, Any]] | None = None) -> str:
    plants = manifest["plants"]
    ks = stats["keysweep"]
    rows = []
    for name, s in stats.items():
        wall = common.median(s["wall"])
        any_hit, exact = s.get("recall", (0, 0))
        rows.append([name, s["version"], f"{wall:.2f}", f"{common.median(s['cpu']):.2f}",
                     f"{max(s['pss']):.0f}", f"{max(s['rss']):.0f}",
                     f"{common.median(ks['wall']) / wall:.2f}", s.get("findings", "?"),
                     f"{any_hit}/{len(plants)}", f"{exact}/{len(plants)}"])
    facts = common.machine_facts()
    lines = [
        f"Repository: `benchmarks/gitrepo.py` seed {manifest['seed']}: {manifest['commits']} commits, "
        f"{manifest['paths']} paths, {len(plants)} planted occurrences (removed later, side branch only, tag only, "
        "merge resolution, renamed, deleted, same secret in two files, merged branch, hot file). "
        f"Wall and CPU: median of {args.runs} runs, `--jobs {args.jobs}`, tools run in turn, nothing sampling "
        "them; memory: one more run each, the process tree sampled every 50 ms (the sampler costs a 2-core "
        "machine 0.15-0.35 s of wall per run, so it stays out of the timed runs).",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in facts.items()) + f". Load average before: {load_before}; "
        f"after: {load_after} (shared machine).",
        "",
        common.markdown_table(["tool", "version", "wall s", "cpu s", "peak PSS MB", "peak RSS sum MB",
                               "keysweep/tool", "findings", "planted found", "planted at commit+path+line"], rows),
        *repacked_table(stats_repacked, plants),
        "",
        "Pre-commit: one small Python file (with a GitHub token) staged in that repository "
        + ("(hyperfine, mean ± sd):" if shutil.which("hyperfine") else "(median, range):"),
        "",
        common.markdown_table(["command", "ms", "±"], [[n, f"{m:.0f}", f"{sd:.0f}"] for n, m, sd in staged]),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, default=HERE / ".corpus" / "gitrepo")
    ap.add_argument("--commits", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--staged-runs", type=int, default=30)
    ap.add_argument("--repacked-runs", type=int, default=3, help="runs on a fully delta-compressed copy (0: none)")
    ap.add_argument("--quiet-load", type=float, default=1.5, help="wait (up to 5 min) for the load to drop")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args(argv)
    bin_dir = common.ensure_cmpvenv()
    mpath = gitrepo.manifest_path(args.repo)
    if not mpath.exists():
        print(f"building {args.repo} ({args.commits} commits)", file=sys.stderr)
        gitrepo.generate(args.repo, commits=args.commits, seed=args.seed)
    manifest = json.loads(mpath.read_text())
    common.wait_for_quiet(args.quiet_load, 300)
    load_before = common.load_average()
    with tempfile.TemporaryDirectory(prefix="keysweep-bench-git-") as tmp:
        work = Path(tmp)
        stats = sweep_runs(args.repo, args.runs, args.jobs, bin_dir, work, manifest["plants"])
        repacked = None
        if args.repacked_runs:
            packed = work / "repacked"
            shutil.copytree(args.repo, packed, symlinks=True)
            subprocess.run(["git", "repack", "-adfq"], cwd=packed, check=True, stdin=subprocess.DEVNULL)
            repacked = sweep_runs(packed, args.repacked_runs, args.jobs, bin_dir, work, manifest["plants"])
        staged = staged_runs(args.repo, bin_dir, args.staged_runs, work)
    body = report(args, manifest, stats, staged, load_before, common.load_average(), repacked)
    common.publish(body, HEADING, HERE / "RESULTS.md", not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
