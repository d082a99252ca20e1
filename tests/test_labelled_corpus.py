"""The labelled precision/recall corpus: the committed files are the generator's output, it is large
enough, and keysweep meets its recall and precision targets on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import labelled, quality
from benchmarks.run_scan import Hit

CORPUS = Path(__file__).resolve().parent.parent / "testdata" / "labelled"


def contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def labels() -> dict:
    return quality.load_labels(CORPUS)


def test_committed_corpus_is_what_the_generator_writes(tmp_path: Path) -> None:
    labelled.write(tmp_path)
    fresh, committed = contents(tmp_path), contents(CORPUS)
    assert sorted(fresh) == sorted(committed), "run: python -m benchmarks.labelled"
    changed = [path for path in fresh if fresh[path] != committed[path]]
    assert not changed, f"differs from the generator's output: {changed[:10]} (run: python -m benchmarks.labelled)"


def test_corpus_size(labels: dict) -> None:
    secrets, lookalikes = labels["secrets"], labels["lookalikes"]
    assert len(secrets) >= 400
    assert len({e["format"] for e in secrets}) >= 150
    assert sum(e["end_line"] - e["line"] + 1 for e in lookalikes) >= 300
    assert sum(len(text) for text in contents(CORPUS).values()) < 2 * 1024 * 1024


def test_labels_point_inside_their_files_and_do_not_overlap(labels: dict) -> None:
    tree = CORPUS / labels["tree"]
    spans: dict[str, list[tuple[int, int]]] = {}
    for entry in labels["secrets"] + labels["lookalikes"]:
        lines = (tree / entry["path"]).read_text(encoding="utf-8").split("\n")
        assert 1 <= entry["line"] <= entry["end_line"] < len(lines), entry
        assert lines[entry["line"] - 1].strip(), entry
        spans.setdefault(entry["path"], []).append((entry["line"], entry["end_line"]))
    for path, ranges in spans.items():
        ranges.sort()
        assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False)), path


def test_scoring_counts_overlaps_once_per_secret_and_every_other_finding_as_a_false_alarm() -> None:
    labels = {
        "secrets": [
            {"path": "a.pem", "line": 3, "end_line": 9, "format": "pem"},
            {"path": "b.env", "line": 2, "end_line": 2, "format": "token"},
            {"path": "b.env", "line": 5, "end_line": 5, "format": "pair"},
        ],
        "lookalikes": [{"path": "b.env", "line": 4, "end_line": 4, "kind": "uuid"}],
    }
    hits = [
        Hit("a.pem", 3, 3, "pk"),
        Hit("a.pem", 3, 9, "pk2"),
        Hit("b.env", 4, 4, "x"),
        Hit("b.env", 7, 7, "y"),
        Hit("b.env", 1, 1, "id"),
    ]
    s = quality.score("t", labels, hits, also=[(), (), (), (), (5,)])
    assert s.found == {0, 2} and s.true_findings == 3
    assert [a.kind for a in s.false_alarms] == ["uuid", "unlabelled"]
    assert s.recall == pytest.approx(2 / 3) and s.precision == pytest.approx(3 / 5)


def test_keysweep_recall_and_precision(labels: dict) -> None:
    s = quality.score("keysweep", labels, quality.keysweep_in_process(CORPUS / labels["tree"]))
    misses = "\n".join(f"  missed {e['path']}:{e['line']} {e['format']}" for e in s.misses)
    alarms = "\n".join(f"  false alarm {a.hit.path}:{a.hit.line} {a.hit.rule} ({a.kind})" for a in s.false_alarms)
    report = f"recall {s.recall:.3f}, precision {s.precision:.3f}\n{misses}\n{alarms}"
    assert s.recall >= quality.RECALL_TARGET, report
    assert s.precision >= quality.PRECISION_TARGET, report
