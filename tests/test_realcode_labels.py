"""The real-code benchmark's hand labels stay well-formed, and its scoring counts what it says."""

from __future__ import annotations

import json

from benchmarks.realcode import LABELS, PROJECTS, score


def test_labels_are_complete_records_with_one_label_per_location() -> None:
    entries = json.loads(LABELS.read_text())
    keys = [(e["project"], e["path"], e["line"]) for e in entries]
    assert len(keys) == len(set(keys)) and entries
    assert {e["label"] for e in entries} <= {"credential", "fixture", "noise"}
    assert {e["project"] for e in entries} <= {name for name, _ in PROJECTS}
    assert all(e["note"] for e in entries)


def test_score_counts_precision_and_recall_over_labelled_locations() -> None:
    labels = {"a:1": "credential", "a:2": "noise", "b:1": "fixture", "b:2": "credential"}
    s = score(["a:1", "a:2", "b:1"], labels, {"credential"})
    assert (s.findings, s.true, s.precision, s.recall) == (3, 1, 1 / 3, 0.5)
    s = score(["a:1", "b:1"], labels, {"credential", "fixture"})
    assert (s.precision, s.recall) == (1.0, 2 / 3)
    assert score([], labels, {"credential"}).precision is None
