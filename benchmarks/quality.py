"""Detection quality: recall and precision of keysweep, gitleaks and kingfisher on the labelled corpus.

    python -m benchmarks.quality                 # scores all three, rewrites its RESULTS.md section
    python -m benchmarks.quality --no-write      # print only

Each tool scans `testdata/labelled/repo` from inside that folder (so no path says "testdata"),
validation and git history off. A finding is a true finding when its path matches a planted
secret's and its line range overlaps the secret's lines (a PEM block, a JSON key file or a
multi-line entry counts as one secret over all its lines); every other finding is a false alarm,
on a labelled look-alike or on an unlabelled line. Recall = planted secrets found / planted;
precision = true findings / all findings. Writes the `## Detection quality (issue 3)` section.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common
from benchmarks.labelled import DEFAULT_OUT, GENERATOR, TREE
from benchmarks.run_scan import Hit, Tool, hits_of, tools

HEADING = "## Detection quality (issue 3)"
HERE = Path(__file__).resolve().parent
RECALL_TARGET, PRECISION_TARGET = 0.97, 0.98
Label = dict[str, Any]


@dataclass(frozen=True)
class FalseAlarm:
    hit: Hit
    kind: str  # the look-alike's kind, or "unlabelled"


@dataclass(frozen=True)
class Score:
    tool: str
    secrets: tuple[Label, ...]
    found: frozenset[int]  # indexes into `secrets`
    true_findings: int
    false_alarms: tuple[FalseAlarm, ...]
    flagged_lookalikes: frozenset[int]  # indexes into the look-alikes

    @property
    def findings(self) -> int:
        return self.true_findings + len(self.false_alarms)

    @property
    def recall(self) -> float:
        return len(self.found) / len(self.secrets) if self.secrets else 1.0

    @property
    def precision(self) -> float:
        return self.true_findings / self.findings if self.findings else 1.0

    @property
    def misses(self) -> list[Label]:
        return [e for i, e in enumerate(self.secrets) if i not in self.found]


def _overlapping(entries: Sequence[Label], hit: Hit, by_path: dict[str, list[int]]) -> list[int]:
    return [
        i
        for i in by_path.get(hit.path, ())
        if hit.line <= entries[i]["end_line"] and entries[i]["line"] <= hit.end_line
    ]


def _index(entries: Sequence[Label]) -> dict[str, list[int]]:
    by_path: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        by_path.setdefault(entry["path"], []).append(i)
    return by_path


def score(tool: str, labels: dict[str, Any], hits: Sequence[Hit], also: Sequence[tuple[int, ...]] = ()) -> Score:
    """Match findings to labels: path equal and line ranges overlapping. `also[i]`: further lines that
    finding i reports (parts of a credential found on other lines)."""
    secrets, lookalikes = labels["secrets"], labels["lookalikes"]
    secret_paths, lookalike_paths = _index(secrets), _index(lookalikes)
    found: set[int] = set()
    flagged: set[int] = set()
    true_findings = 0
    alarms: list[FalseAlarm] = []
    for i, hit in enumerate(hits):
        on_secret = _overlapping(secrets, hit, secret_paths)
        for line in also[i] if i < len(also) else ():
            on_secret += _overlapping(secrets, Hit(hit.path, line, line, hit.rule), secret_paths)
        if on_secret:
            found.update(on_secret)
            true_findings += 1
            continue
        on_lookalike = _overlapping(lookalikes, hit, lookalike_paths)
        flagged.update(on_lookalike)
        kind = lookalikes[on_lookalike[0]]["kind"] if on_lookalike else "unlabelled"
        alarms.append(FalseAlarm(hit, kind))
    return Score(tool, tuple(secrets), frozenset(found), true_findings, tuple(alarms), frozenset(flagged))


def load_labels(corpus: Path = DEFAULT_OUT) -> dict[str, Any]:
    labels: dict[str, Any] = json.loads((corpus / "labels.json").read_text())
    return labels


def keysweep_in_process(tree: Path) -> list[Hit]:
    """keysweep through its library API, one worker (what the test uses; the CLI gives the same findings)."""
    from scanner import api
    from scanner.config import ScanOptions

    result = api.scan([str(tree)], api.build_engine(), ScanOptions(jobs=1))
    return [
        Hit(os.path.relpath(f.path, tree).replace(os.sep, "/"), f.line, f.end_line, f.rule_id) for f in result.findings
    ]


def dependent_lines(report: Path, tree: Path) -> list[tuple[int, ...]]:
    """kingfisher reports a credential made of parts (an AWS key id and its secret) as one finding on the
    first part's line and gives the other parts as `dependent_captures`: the lines where those stand."""
    found = json.loads(report.read_text()).get("findings", []) if report.exists() and report.stat().st_size else []
    out: list[tuple[int, ...]] = []
    for f in found:
        captures = [v for v in (f["finding"].get("dependent_captures") or {}).values() if isinstance(v, str) and v]
        lines: tuple[int, ...] = ()
        if captures:
            text = (tree / f["finding"]["path"]).read_text(errors="replace").split("\n")
            lines = tuple(n for n, row in enumerate(text, 1) if any(v in row for v in captures))
        out.append(lines)
    return out


def run_tool(tool: Tool, tree: Path, out: Path) -> tuple[list[Hit], list[tuple[int, ...]], common.Measurement]:
    report = out / f"{tool.name}.json"
    report.unlink(missing_ok=True)
    m = common.run_measured(
        tool.argv(".", report, 2, 10), cwd=tree, stdout=out / f"{tool.name}.log", stderr=out / f"{tool.name}.err"
    )
    also = dependent_lines(report, tree) if tool.name == "kingfisher" else []
    return hits_of(tool, report, tree, tree), also, m


# -- the report -----------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def summary_table(scores: Sequence[Score]) -> str:
    rows = []
    for s in scores:
        on_lookalikes = sum(a.kind != "unlabelled" for a in s.false_alarms)
        meets = s.recall >= RECALL_TARGET and s.precision >= PRECISION_TARGET
        rows.append(
            [
                s.tool,
                f"{len(s.found)}/{len(s.secrets)}",
                _pct(s.recall),
                s.findings,
                s.true_findings,
                on_lookalikes,
                len(s.false_alarms) - on_lookalikes,
                _pct(s.precision),
                "yes" if meets else "no",
            ]
        )
    return common.markdown_table(
        [
            "tool",
            "planted found",
            "recall",
            "findings",
            "true findings",
            "false alarms on look-alikes",
            "false alarms elsewhere",
            "precision",
            "recall >= 97 % and precision >= 98 %",
        ],
        rows,
    )


def by_family(scores: Sequence[Score]) -> str:
    secrets = scores[0].secrets
    families = sorted({e["family"] for e in secrets})
    rows = []
    for family in families:
        idx = {i for i, e in enumerate(secrets) if e["family"] == family}
        rows.append([family, len({secrets[i]["format"] for i in idx}), len(idx), *(len(s.found & idx) for s in scores)])
    return common.markdown_table(["family", "formats", "planted", *(s.tool for s in scores)], rows)


def by_kind(labels: dict[str, Any], scores: Sequence[Score]) -> str:
    lookalikes = labels["lookalikes"]
    rows = []
    for kind in sorted({e["kind"] for e in lookalikes}):
        idx = {i for i, e in enumerate(lookalikes) if e["kind"] == kind}
        lines = sum(lookalikes[i]["end_line"] - lookalikes[i]["line"] + 1 for i in idx)
        rows.append([kind, len(idx), lines, *(len(s.flagged_lookalikes & idx) for s in scores)])
    return common.markdown_table(["look-alike kind", "entries", "lines", *(f"{s.tool} flagged" for s in scores)], rows)


def details(s: Score) -> str:
    misses = [[f"`{e['path']}:{e['line']}`", e["format"], e["provider"]] for e in s.misses]
    ordered = sorted(s.false_alarms, key=lambda a: (a.hit.path, a.hit.line, a.hit.rule))  # tools report in any order
    alarms = [[f"`{a.hit.path}:{a.hit.line}`", f"`{a.hit.rule}`", a.kind] for a in ordered]
    parts = [f"**{s.tool}**: {len(misses)} missed, {len(alarms)} false alarms."]
    if misses:
        parts.append(
            f"<details><summary>{s.tool}: missed planted secrets ({len(misses)})</summary>\n\n"
            + common.markdown_table(["where", "format", "provider"], misses)
            + "\n\n</details>"
        )
    if alarms:
        parts.append(
            f"<details><summary>{s.tool}: false alarms ({len(alarms)})</summary>\n\n"
            + common.markdown_table(["where", "rule", "look-alike kind"], alarms)
            + "\n\n</details>"
        )
    return "\n\n".join(parts)


def render(labels: dict[str, Any], scores: Sequence[Score], versions: dict[str, str]) -> str:
    counts = labels["counts"]
    setup = (
        f"Corpus: `testdata/labelled/` (`{labels['generator']}`, seed {labels['seed']}; built by "
        f"`python -m benchmarks.labelled`): {counts['files']} files, {counts['secrets']} planted secrets in "
        f"{counts['formats']} formats, {counts['lookalikes']} look-alikes on {counts['lookalike_lines']} lines. "
        "Each tool scans `repo/` from inside it; validation and git history off; default rules and settings.\n\n"
        "Versions: " + "; ".join(f"{k} `{v}`" for k, v in versions.items()) + "."
    )
    notes = (
        "A finding is true when its path is a planted secret's and its lines overlap the secret's lines (a PEM "
        "block, key file or multi-line entry is one secret; for kingfisher, also the lines of the parts it "
        "reports as `dependent_captures`, e.g. the secret paired with an AWS key id); "
        "several findings on one secret are one secret "
        "found and each a true finding. Any other finding is a false alarm: on a labelled look-alike, or "
        "elsewhere (an unlabelled line). Recall = planted found / planted; precision = true findings / findings."
    )
    return "\n\n".join(
        [
            setup,
            summary_table(scores),
            notes,
            "Planted secrets found, by rule family:",
            by_family(scores),
            "Look-alikes flagged (entries with at least one finding), by kind:",
            by_kind(labels, scores),
            *(details(s) for s in scores),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_OUT, help="folder with repo/ and labels.json")
    parser.add_argument(
        "--tools",
        nargs="+",
        default=["keysweep", "gitleaks", "kingfisher"],
        choices=["keysweep", "gitleaks", "kingfisher"],
    )
    parser.add_argument("--out-dir", type=Path, default=HERE / "out" / "quality", help="reports and logs")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    labels = load_labels(args.corpus)
    if labels.get("generator") != GENERATOR:
        raise SystemExit(f"{args.corpus}: labels from another generator; run python -m benchmarks.labelled")
    tree = (args.corpus / TREE).resolve()
    out = args.out_dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    available = tools(common.ensure_cmpvenv())
    scores, versions = [], {}
    for name in args.tools:
        tool = available[name]
        hits, also, m = run_tool(tool, tree, out)
        print(f"{name}: {len(hits)} findings in {m.wall_s:.2f} s, rc {m.returncode}", file=sys.stderr)
        scores.append(score(name, labels, hits, also))
        versions[name] = common.tool_version(tool.version)
    if "keysweep" in versions:
        versions["keysweep"] += f" at {common.git_state(HERE.parent, ['scanner', 'rules'])}"
    summary = render(labels, scores, versions)
    common.publish(summary, HEADING, args.results, not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
