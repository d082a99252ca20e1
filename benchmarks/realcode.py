"""Real-code precision benchmark: keysweep, gitleaks and kingfisher on source distributions of
well-known projects nobody here wrote, every distinct candidate labelled by hand.

    python -m benchmarks.realcode [--write] [--work DIR]

Each project is fetched with `pip download --no-binary :all: --no-deps NAME==VERSION` (cached under
the work folder), unpacked, and scanned at its top folder by each tool. A candidate is a location
(project, path, first line); `realcode_labels.json` holds one label per location:

* `credential` - a value that would grant access if the system were live and that is not an
  obvious stand-in: a provider token pasted into code, a real key of a real service;
* `fixture` - genuine key material a project publishes on purpose as test or demo data (the key
  files of an SSH library's test suite): reported by every scanner, dismissed by every reviewer;
* `noise` - anything else: placeholders, typed test passwords, ids, hashes, format strings.

Precision and recall are given twice: strict (credentials only) and with fixtures counted as
credentials. Candidates without a label are listed and make the run fail: labels stay complete.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import CMPVENV, ensure_cmpvenv, markdown_table, publish, tool_version

PROJECTS = (("paramiko", "3.5.0"), ("celery", "5.4.0"), ("Django", "5.1.4"), ("ansible-core", "2.18.1"))
LABELS = Path(__file__).with_name("realcode_labels.json")
RESULTS = Path(__file__).with_name("RESULTS.md")
HEADING = "## Real-code precision (source distributions, hand-labelled)"
LEVELS = ("high", "medium", "low")


@dataclass(frozen=True)
class Candidate:
    project: str
    path: str  # relative to the project's top folder
    line: int
    tool: str
    rule: str
    confidence: str = ""  # keysweep only

    @property
    def key(self) -> str:
        return f"{self.project}/{self.path}:{self.line}"


def fetch(work: Path, name: str, version: str) -> Path:
    """The unpacked sdist of NAME==VERSION (downloaded once into work/sdists)."""
    sdists = work / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    stem = f"{name.replace('-', '_')}-{version}".lower()
    found = [p for p in sdists.iterdir() if p.name.lower().startswith(stem) and p.name.endswith(".tar.gz")]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
                        "-d", str(sdists), f"{name}=={version}"], check=True)
        found = [p for p in sdists.iterdir() if p.name.lower().startswith(stem) and p.name.endswith(".tar.gz")]
    archive = found[0]
    tree = work / "trees" / archive.name[: -len(".tar.gz")]
    if not tree.exists():
        with tarfile.open(archive) as tf:
            tf.extractall(tree.parent, filter="data")
    return tree


def run_tools(tree: Path, project: str, cmp_bin: Path, out: Path) -> list[Candidate]:
    keysweep = shutil.which("keysweep") or "keysweep"
    ks, gl, kf = out / f"ks-{project}.json", out / f"gl-{project}.json", out / f"kf-{project}.json"
    cwd = tree.parent
    subprocess.run([keysweep, "scan", tree.name, "--format", "json", "--no-progress", "--min-confidence", "low",
                    "-o", str(ks)], cwd=cwd, stderr=subprocess.DEVNULL)
    subprocess.run([str(cmp_bin / "gitleaks"), "dir", tree.name, "--no-banner", "--report-format", "json",
                    "--report-path", str(gl), "--log-level", "error"], cwd=cwd)
    subprocess.run([str(cmp_bin / "kingfisher"), "scan", tree.name, "--format", "json", "--output", str(kf),
                    "--no-validate", "--git-history", "none", "--no-update-check", "--quiet"], cwd=cwd,
                   stderr=subprocess.DEVNULL)

    def rel(p: str) -> str:
        return os.path.relpath(cwd / p if not os.path.isabs(p) else Path(p), tree).replace(os.sep, "/")

    found = [Candidate(project, rel(f["path"]), f["line"], "keysweep", f["rule_id"], f["confidence"])
             for f in _json(ks, [])]
    found += [Candidate(project, rel(f["File"]), f["StartLine"], "gitleaks", f["RuleID"]) for f in _json(gl, [])]
    found += [Candidate(project, rel(f["finding"]["path"]), f["finding"]["line"], "kingfisher", f["rule"]["id"])
              for f in _json(kf, {}).get("findings", [])]
    return found


def _json(path: Path, empty: object) -> object:
    if not path.exists() or not path.stat().st_size:
        return empty
    return json.loads(path.read_text())


@dataclass(frozen=True)
class Score:
    findings: int
    true: int
    precision: float | None
    recall: float | None


def score(reported: Iterable[str], labels: Mapping[str, str], positive: set[str]) -> Score:
    keys = set(reported)
    truth = {k for k, v in labels.items() if v in positive}
    hit = len(keys & truth)
    return Score(len(keys), hit, hit / len(keys) if keys else None, hit / len(truth) if truth else None)


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def render(cands: Sequence[Candidate], labels: Mapping[str, str], versions: Mapping[str, str]) -> str:
    rows = []
    variants: list[tuple[str, Iterable[str]]] = []
    for level in LEVELS:
        allowed = LEVELS[: LEVELS.index(level) + 1]
        variants.append((f"keysweep (--min-confidence {level}{', default' if level == 'medium' else ''})",
                         [c.key for c in cands if c.tool == "keysweep" and c.confidence in allowed]))
    for tool in ("gitleaks", "kingfisher"):
        variants.append((f"{tool} {versions.get(tool, '')}".strip(), [c.key for c in cands if c.tool == tool]))
    for name, keys in variants:
        keys = list(keys)
        strict = score(keys, labels, {"credential"})
        loose = score(keys, labels, {"credential", "fixture"})
        rows.append([name, strict.findings, strict.true, _f(strict.precision), _f(strict.recall),
                     loose.true, _f(loose.precision), _f(loose.recall)])
    counts = {k: sum(1 for v in labels.values() if v == k) for k in ("credential", "fixture", "noise")}
    projects = ", ".join(f"{n} {v}" for n, v in PROJECTS)
    table = markdown_table(["tool", "locations", "credentials", "precision", "recall",
                            "credentials+fixtures", "precision", "recall"], rows)
    return (f"Projects (sdists from PyPI): {projects}. Distinct candidate locations over all tools: "
            f"{len(labels)} (labels: {counts['credential']} credential, {counts['fixture']} fixture, "
            f"{counts['noise']} noise; `benchmarks/realcode_labels.json`). Left: credentials only; right: "
            f"published test/demo key material counted as credentials too.\n\n{table}\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "keysweep-realcode")
    ap.add_argument("--write", action="store_true", help=f"Update the section in {RESULTS.name}.")
    args = ap.parse_args(argv)
    cmp_bin = ensure_cmpvenv(CMPVENV)
    out = args.work / "reports"
    out.mkdir(parents=True, exist_ok=True)
    cands: list[Candidate] = []
    for name, version in PROJECTS:
        cands += run_tools(fetch(args.work, name, version), name, cmp_bin, out)
    raw = json.loads(LABELS.read_text())
    labels = {f"{e['project']}/{e['path']}:{e['line']}": e["label"] for e in raw}
    missing = sorted({c.key for c in cands} - labels.keys())
    for key in missing:
        print(f"unlabelled: {key} ({', '.join(sorted({c.tool + ':' + c.rule for c in cands if c.key == key}))})")
    versions = {t: tool_version([str(cmp_bin / t), "version" if t == "gitleaks" else "--version"])
                for t in ("gitleaks", "kingfisher")}
    body = render(cands, labels, versions)
    publish(body, HEADING, RESULTS, write=args.write)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
