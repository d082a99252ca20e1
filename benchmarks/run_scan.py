"""Filesystem scan benchmark: keysweep against gitleaks and kingfisher on the generated corpus.

    python -m benchmarks.run_scan --corpus benchmarks/.corpus/scan-200mb --runs 3 --jobs 2

Builds the corpus when it is missing, warms every tool up once on a small folder
(kingfisher compiles and caches its rule database on first use), then runs the
tools in turn, `--runs` rounds, so load on a shared machine hits them alike.
Reports wall time, MB/s, peak memory, the keysweep/other ratio and how many
planted secrets each tool found (matched by path and line), prints a Markdown
summary and writes it into the `## Filesystem scan (issue 2)` section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common, corpus

HEADING = "## Filesystem scan (issue 2)"
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Hit:
    path: str  # relative to the corpus root
    line: int
    end_line: int
    rule: str


@dataclass(frozen=True)
class Tool:
    name: str
    argv: Callable[[str, Path, int, int], list[str]]  # (target, report, jobs, max_mb) -> command
    parse: Callable[[Path], list[tuple[str, int, int, str]]]  # report -> (path, line, end_line, rule)
    version: list[str]


def _keysweep_hits(report: Path) -> list[tuple[str, int, int, str]]:
    return [(f["path"], f["line"], f["end_line"], f["rule_id"]) for f in json.loads(report.read_text())]


def _gitleaks_hits(report: Path) -> list[tuple[str, int, int, str]]:
    return [(f["File"], f["StartLine"], f["EndLine"], f["RuleID"]) for f in json.loads(report.read_text())]


def _kingfisher_hits(report: Path) -> list[tuple[str, int, int, str]]:
    found = json.loads(report.read_text()).get("findings", [])
    return [(f["finding"]["path"], f["finding"]["line"], f["finding"]["line"], f["rule"]["id"]) for f in found]


def tools(cmp_bin: Path) -> dict[str, Tool]:
    keysweep = shutil.which("keysweep") or "keysweep"
    gitleaks, kingfisher = str(cmp_bin / "gitleaks"), str(cmp_bin / "kingfisher")
    return {
        "keysweep": Tool(
            "keysweep",
            lambda target, report, jobs, max_mb: [
                keysweep, "scan", target, "--format", "json", "--no-progress", "--output", str(report),
                "--jobs", str(jobs), "--max-file-size", f"{max_mb}MB",
            ],
            _keysweep_hits,
            [keysweep, "--version"],
        ),
        "gitleaks": Tool(
            "gitleaks",
            lambda target, report, jobs, max_mb: [
                gitleaks, "dir", target, "--no-banner", "--report-format", "json", "--report-path", str(report),
                "--max-target-megabytes", str(max_mb), "--log-level", "info",
            ],
            _gitleaks_hits,
            [gitleaks, "version"],
        ),
        "kingfisher": Tool(
            "kingfisher",
            lambda target, report, jobs, max_mb: [
                kingfisher, "scan", target, "--format", "json", "--output", str(report), "--no-validate",
                "--git-history", "none", "--no-update-check", "--no-dedup", "--quiet", "--jobs", str(jobs),
                "--max-file-size", str(max_mb),
            ],
            _kingfisher_hits,
            [kingfisher, "--version"],
        ),
    }


def normalize(raw: str, root: Path, cwd: Path) -> str:
    path = Path(raw) if os.path.isabs(raw) else cwd / raw
    return os.path.relpath(path, root).replace(os.sep, "/")


def hits_of(tool: Tool, report: Path, root: Path, cwd: Path) -> list[Hit]:
    if not report.exists() or report.stat().st_size == 0:
        return []
    return [Hit(normalize(p, root, cwd), int(a), int(b or a), r) for p, a, b, r in tool.parse(report)]


def matched(entries: Sequence[dict[str, Any]], hits: Sequence[Hit]) -> tuple[set[int], int]:
    """Indexes of `entries` some hit overlaps (same path, overlapping lines); and hits matching none."""
    by_path: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        by_path.setdefault(entry["path"], []).append(i)
    found: set[int] = set()
    stray = 0
    for hit in hits:
        overlaps = [i for i in by_path.get(hit.path, ())
                    if hit.line <= entries[i]["end_line"] and entries[i]["line"] <= hit.end_line]
        found.update(overlaps)
        stray += not overlaps
    return found, stray


@dataclass
class ToolResult:
    tool: Tool
    runs: list[common.Measurement]
    hits: list[Hit]
    scanned_mb: float | None  # what the tool says it read, where it says so


def scanned_mb(name: str, report: Path, log: Path) -> float | None:
    """Bytes the tool reports having scanned (gitleaks skips node_modules and lock files by default)."""
    try:
        if name == "gitleaks":
            found = re.search(r"scanned ~(\d+) bytes", log.read_text(errors="replace"))
            return int(found.group(1)) / common.MB if found else None
        if name == "kingfisher":
            return json.loads(report.read_text())["metadata"]["summary"]["bytes_scanned"] / common.MB
    except (OSError, ValueError, KeyError):
        return None
    return None


def ensure_corpus(root: Path, size_mb: float, seed: int) -> dict[str, Any]:
    path = corpus.manifest_path(root)
    if path.exists():
        manifest: dict[str, Any] = json.loads(path.read_text())
        if manifest.get("generator") == corpus.GENERATOR and root.is_dir():
            return manifest
    print(f"building corpus {root} ({size_mb} MB, seed {seed})", file=sys.stderr)
    return corpus.generate(root, size_mb, seed)


def run(args: argparse.Namespace) -> str:
    root = args.corpus.resolve()
    manifest = ensure_corpus(root, args.size_mb, args.seed)
    available = tools(common.ensure_cmpvenv())
    chosen = [available[name] for name in args.tools]
    out = args.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    cwd, target = root.parent, root.name
    load_before = common.load_average()
    warm = next((p for p in sorted(root.iterdir()) if p.is_dir() and p.name == "docs"), root)
    for tool in chosen:  # untimed: rule caches, page cache, first-run work
        common.run_measured(tool.argv(os.path.relpath(warm, cwd), out / f"{tool.name}-warmup.json", args.jobs,
                                      args.max_file_mb), cwd=cwd)
    results = {tool.name: ToolResult(tool, [], [], None) for tool in chosen}
    loads = []
    for i in range(args.runs):
        loads.append(common.wait_for_quiet(args.quiet_load, args.quiet_wait) if args.quiet_load else
                     os.getloadavg()[0])
        for tool in chosen:
            report, log = out / f"{tool.name}-{i}.json", out / f"{tool.name}-{i}.log"
            report.unlink(missing_ok=True)
            m = common.run_measured(tool.argv(target, report, args.jobs, args.max_file_mb), cwd=cwd,
                                    stdout=log, stderr=log.with_suffix(".err"))
            results[tool.name].runs.append(m)
            print(f"run {i + 1}/{args.runs} {tool.name}: {m.wall_s:.2f} s, rc {m.returncode}, "
                  f"rss-sum {m.peak_rss_sum_mb:.0f} MB", file=sys.stderr)
            if i == args.runs - 1:
                results[tool.name].hits = hits_of(tool, report, root, cwd)
                results[tool.name].scanned_mb = scanned_mb(tool.name, report, log.with_suffix(".err"))
    load_after = common.load_average()
    load_before += f"; at the start of each round: {', '.join(f'{x:.2f}' for x in loads)}"
    return render(manifest, results, args, load_before, load_after)


def render(manifest: dict[str, Any], results: dict[str, ToolResult], args: argparse.Namespace,
           load_before: str, load_after: str) -> str:
    total_mb = manifest["bytes"] / common.MB
    secrets, decoys = manifest["secrets"], manifest["decoys"]
    ks = results.get("keysweep")
    ks_wall = common.median([m.wall_s for m in ks.runs]) if ks else None
    rows = []
    for name, res in results.items():
        walls = [m.wall_s for m in res.runs]
        wall = common.median(walls)
        found, stray = matched(secrets, res.hits)
        flagged, _ = matched(decoys, res.hits)
        rows.append([
            name,
            f"{wall:.2f} ({min(walls):.2f}-{max(walls):.2f})",
            f"{total_mb / wall:.1f}",
            f"{res.scanned_mb:.1f}" if res.scanned_mb is not None else "all",
            f"{common.median([m.cpu_s for m in res.runs]):.1f}",
            f"{max(m.peak_rss_sum_mb for m in res.runs):.0f}",
            f"{max(m.peak_pss_sum_mb for m in res.runs):.0f}",
            f"{max(m.max_rss_mb for m in res.runs):.0f}",
            "1.00" if name == "keysweep" else (f"{ks_wall / wall:.2f}" if ks_wall else "-"),
            f"{len(found)}/{len(secrets)}",
            f"{len(flagged)}/{len(decoys)}",
            str(stray - len(flagged)),
            ",".join(sorted({str(m.returncode) for m in res.runs})),
        ])
    table = common.markdown_table(
        ["tool", "wall s, median (min-max)", "MB/s", "MB read", "CPU s", "peak RSS sum MB", "peak PSS sum MB",
         "max RSS 1 proc MB", "keysweep/other time", "planted found", "decoys flagged", "other findings",
         "exit"],
        rows,
    )
    return "\n\n".join([
        _setup(manifest, results, args, load_before, load_after),
        table,
        _notes(),
        _recall_by_kind(secrets, results),
        _misses(secrets, ks.hits if ks else []),
    ])


def _recall_by_kind(secrets: Sequence[dict[str, Any]], results: dict[str, ToolResult]) -> str:
    kinds = sorted({e["kind"] for e in secrets})
    found = {name: matched(secrets, res.hits)[0] for name, res in results.items()}
    rows = []
    for kind in kinds:
        idx = [i for i, e in enumerate(secrets) if e["kind"] == kind]
        rows.append([kind, len(idx), *(len(found[name].intersection(idx)) for name in results)])
    return "Planted secrets found, by kind:\n\n" + common.markdown_table(["kind", "planted", *results], rows)


def _setup(manifest: dict[str, Any], results: dict[str, ToolResult], args: argparse.Namespace,
           load_before: str, load_after: str) -> str:
    facts = common.machine_facts()
    versions = {name: common.tool_version(res.tool.version) for name, res in results.items()}
    if "keysweep" in versions:
        versions["keysweep"] += f" at {common.git_state(HERE.parent, ['scanner', 'rules'])}"
    lines = [
        f"Corpus: `{corpus.GENERATOR}`, seed {manifest['seed']}, {manifest['files']} files, "
        f"{manifest['bytes'] / common.MB:.1f} MB, {len(manifest['secrets'])} planted secrets, "
        f"{len(manifest['decoys'])} decoys. Runs: {args.runs} per tool, interleaved, after one untimed "
        f"warm-up each; `--jobs {args.jobs}` where the tool has it; files over {args.max_file_mb} MB skipped.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in facts.items())
        + f". Load average (1, 5, 15 min) before: {load_before}; after: {load_after} (shared machine).",
        "",
        "Versions: " + "; ".join(f"{k} `{v}`" for k, v in versions.items()) + ".",
    ]
    return "\n".join(lines)


def _notes() -> str:
    return "\n".join([
        "Columns: MB/s is corpus size / median wall time. *MB read* is what the tool says it scanned"
        " (gitleaks' default config skips `node_modules/` and lock files; keysweep reads everything)."
        " *Peak RSS sum* adds RSS over the process tree (sampled every 50 ms; counts pages shared by forked"
        " workers once per worker), *PSS sum* splits shared pages (sampled every 200 ms), *max RSS 1 proc*"
        " is `ru_maxrss` from `wait4`. *keysweep/other time* below 1 means keysweep is faster."
        " *Planted found*: manifest entries with a finding on the same path and an overlapping line range."
        " *Decoys flagged*: look-alikes (placeholders, templates, vendor examples, bad checksums) reported."
        " *Other findings*: findings on neither.",
    ])


def _misses(secrets: Sequence[dict[str, Any]], hits: Sequence[Hit]) -> str:
    found, _ = matched(secrets, hits)
    missed = [e for i, e in enumerate(secrets) if i not in found]
    if not missed:
        return "keysweep found every planted secret."
    rows = [[f"`{e['path']}`", e["line"], e["kind"], e["host"]] for e in missed]
    return f"Planted secrets keysweep missed ({len(missed)}):\n\n" + common.markdown_table(
        ["path", "line", "kind", "written as"], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=HERE / ".corpus" / "scan-200mb")
    parser.add_argument("--size-mb", type=float, default=200, help="corpus size when it must be built")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed when it must be built")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-file-mb", type=int, default=10)
    parser.add_argument("--tools", nargs="+", default=["keysweep", "gitleaks", "kingfisher"],
                        choices=["keysweep", "gitleaks", "kingfisher"])
    parser.add_argument("--quiet-load", type=float, default=0.0,
                        help="before each round wait until the 1-min load average is below this (shared machines)")
    parser.add_argument("--quiet-wait", type=float, default=600, help="longest wait for --quiet-load, seconds")
    parser.add_argument("--out-dir", type=Path, default=HERE / "out" / "scan", help="reports and logs")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    summary = run(args)
    common.publish(summary, HEADING, args.results, not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
