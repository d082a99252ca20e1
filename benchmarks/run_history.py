"""History benchmark on a repository shaped like a long-lived project (issue 18).

    python -m benchmarks.run_history [--repo benchmarks/.corpus/projectrepo] [--commits 50000] [--runs 3]
                                     [--packing clone|generated]

Builds the repository with benchmarks/projectrepo.py when missing (50,000 commits, hundreds of
branches and tags, merges, renames, a directory move, vendored releases of real packages, a large
lock file and a minified bundle regenerated, binary blobs), then times full-history scans of every
ref by keysweep, gitleaks and kingfisher in turn (as benchmarks/run_git.py does: `--runs` timed
rounds with nothing sampling, then one round for memory), checks the planted secrets and writes the
`## Real-shaped history (issue 18)` section of RESULTS.md. Target: keysweep at or below 0.5x the
wall time of the faster of the two others, peak RSS under 300 MB.

Packing: `git fast-import` writes most blob versions whole (here 81k of 93k; a 491 MB pack), which
no clone looks like: a clone, or any repository after `git gc --aggressive`, stores nearly every
version as a delta against another, in chains up to 50 deep (71 MB here), and reading versions
costs rebuilding chains rather than inflating. `--packing clone` (the default) scans a copy
repacked so (`git repack -adf`, made once beside the repository, `NAME-packed`);
`--packing generated` scans the repository as generated and writes its own section.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common, projectrepo, run_git
from benchmarks.gitrepo import manifest_path

HEADING = "## Real-shaped history (issue 18)"
HEADINGS = {"clone": HEADING, "generated": "## Real-shaped history, pack as generated (issue 18)"}
PACKING = {"clone": "packed as a clone is (`git repack -adf`: nearly every blob version a delta)",
           "generated": "the pack as `git fast-import` and `git gc` left it (most blob versions stored whole)"}
HERE = Path(__file__).resolve().parent


def repo_facts(repo: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout

    commits = int(git("rev-list", "--all", "--count"))
    merges = int(git("rev-list", "--all", "--merges", "--count"))
    objects = dict(line.split(": ", 1) for line in git("count-objects", "-v").splitlines())
    return (f"{commits} commits reachable from a ref ({merges} merges), pack {int(objects['size-pack']) / 1024:.0f} MB")


def packed_copy(repo: Path) -> Path:
    """A copy of `repo` repacked as a clone is (made once; the manifest goes with it)."""
    out = repo.with_name(repo.name + "-packed")
    if not manifest_path(out).exists():
        if out.exists():
            shutil.rmtree(out)
        print(f"repacking a copy of {repo} at {out}", file=sys.stderr)
        shutil.copytree(repo, out, symlinks=True)
        subprocess.run(["git", "repack", "-a", "-d", "-f", "-q"], cwd=out, check=True, stdin=subprocess.DEVNULL)
        shutil.copyfile(manifest_path(repo), manifest_path(out))
    return out


def report(args: argparse.Namespace, manifest: dict[str, Any], stats: dict[str, dict[str, Any]],
           facts: str, load: tuple[str, str]) -> str:
    plants = manifest["plants"]
    ks = common.median(stats["keysweep"]["wall"])
    peers = [common.median(s["wall"]) for name, s in stats.items() if name != "keysweep"]
    rows = []
    for name, s in stats.items():
        wall = common.median(s["wall"])
        any_hit, exact = s.get("recall", (0, 0))
        rows.append([name, s["version"], f"{wall:.2f}", f"{common.median(s['cpu']):.2f}", f"{max(s['rss']):.0f}",
                     f"{max(s['pss']):.0f}", f"{max(s['anon']):.0f}", f"{max(s['maxrss']):.0f}", f"{ks / wall:.2f}",
                     s.get("findings", "?"), f"{any_hit}/{len(plants)}", f"{exact}/{len(plants)}"])
    return "\n".join([
        f"Repository: `benchmarks/projectrepo.py` seed {manifest['seed']}: {manifest['commits']} commits written, "
        f"{facts}, {PACKING[args.packing]}; {manifest['branches']} branches and {manifest['tags']} tags; "
        f"{manifest['paths']} paths; vendored "
        f"real packages upgraded once ({', '.join(manifest['vendored'])}); a 1.5 MB lock file regenerated every "
        "120 commits, a 600 KB one-line bundle rebuilt every 400, binary blobs; a directory moved (hundreds of "
        f"renames), a mass reformat; {len(plants)} planted occurrences. Every ref scanned (`keysweep git`, "
        "`gitleaks git --log-opts=--all`, `kingfisher scan --git-history full`), `--jobs "
        f"{args.jobs}`. Wall and CPU: median of {args.runs} runs, tools in turn, nothing sampling; memory: one "
        "more run each, the process tree sampled every 50 ms (RSS summed over processes, PSS, anonymous RSS "
        "(RSS less file-backed and shared pages: what the processes allocated, without the pack file pages git "
        "maps), and the largest single process).",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in common.machine_facts().items())
        + f". Load average before: {load[0]}; after: {load[1]}.",
        "",
        common.markdown_table(["tool", "version", "wall s", "cpu s", "peak RSS sum MB", "peak PSS MB",
                               "peak anonymous RSS sum MB", "largest process MB", "keysweep/tool", "findings",
                               "planted found", "planted at commit+path+line"], rows),
        "",
        f"keysweep / faster peer: {ks / min(peers):.2f} (target 0.5); keysweep peak RSS sum "
        f"{max(stats['keysweep']['rss']):.0f} MB, of it allocated (anonymous) "
        f"{max(stats['keysweep']['anon']):.0f} MB (target < 300).",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", type=Path, default=HERE / ".corpus" / "projectrepo")
    ap.add_argument("--commits", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quiet-load", type=float, default=1.5, help="wait (up to 5 min) for the load to drop")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    ap.add_argument("--packing", choices=sorted(HEADINGS), default="clone",
                    help="scan a copy packed as a clone is (default), or the pack as generated")
    args = ap.parse_args(argv)
    bin_dir = common.ensure_cmpvenv()
    mpath = manifest_path(args.repo)
    if not mpath.exists():
        print(f"building {args.repo} ({args.commits} commits)", file=sys.stderr)
        projectrepo.generate(args.repo, commits=args.commits, seed=args.seed)
    manifest = json.loads(mpath.read_text())
    repo = packed_copy(args.repo) if args.packing == "clone" else args.repo
    common.wait_for_quiet(args.quiet_load, 300)
    before = common.load_average()
    with tempfile.TemporaryDirectory(prefix="keysweep-bench-history-") as tmp:
        stats = run_git.sweep_runs(repo, args.runs, args.jobs, bin_dir, Path(tmp), manifest["plants"])
    body = report(args, manifest, stats, repo_facts(repo), (before, common.load_average()))
    common.publish(body, HEADINGS[args.packing], HERE / "RESULTS.md", not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
