"""The benchmark corpus generator: deterministic, and its manifest points at the planted text."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from benchmarks import corpus
from benchmarks.common import replace_section, run_measured
from benchmarks.corpus_secrets import FACTORIES
from benchmarks.run_scan import Hit, matched
from scanner.engine.checksums import github_checksum

SIZE_MB = 1.0


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("corpus") / "tiny"
    manifest = corpus.generate(root, SIZE_MB, seed=3)
    return root, manifest


def test_same_seed_gives_byte_identical_tree(built: tuple[Path, dict], tmp_path: Path) -> None:
    root, manifest = built
    again = tmp_path / "tiny"
    corpus.generate(again, SIZE_MB, seed=3)
    assert tree_digest(again) == tree_digest(root)
    assert corpus.manifest_path(again).read_text() == corpus.manifest_path(root).read_text()


def test_other_seed_gives_other_tree(built: tuple[Path, dict], tmp_path: Path) -> None:
    other = tmp_path / "other"
    corpus.generate(other, SIZE_MB, seed=4)
    assert tree_digest(other) != tree_digest(built[0])


def test_manifest_is_outside_the_tree_and_describes_it(built: tuple[Path, dict]) -> None:
    root, manifest = built
    path = corpus.manifest_path(root)
    assert path.parent == root.parent
    assert json.loads(path.read_text()) == manifest
    assert manifest["bytes"] >= SIZE_MB * corpus.MB
    assert manifest["files"] == len(tree_digest(root))


def test_every_entry_is_at_its_recorded_line(built: tuple[Path, dict]) -> None:
    root, manifest = built
    assert corpus.verify_manifest(root, manifest) == []


def test_manifest_positions_by_hand(built: tuple[Path, dict]) -> None:
    root, manifest = built
    for entry in manifest["secrets"]:
        lines = (root / entry["path"]).read_text().split("\n")
        first_line_of_secret = entry["secret"].split("\n")[0]
        assert first_line_of_secret in lines[entry["line"] - 1], entry
        assert entry["end_line"] >= entry["line"]


def test_verify_manifest_notices_a_wrong_line(built: tuple[Path, dict]) -> None:
    root, manifest = built
    entry = next(e for e in manifest["secrets"] if e["line"] > 1 and e["line"] == e["end_line"])
    moved = {"secrets": [{**entry, "line": entry["line"] - 1, "end_line": entry["line"] - 1}], "decoys": []}
    assert corpus.verify_manifest(root, moved) != []


def test_every_secret_family_and_some_decoys_are_planted(built: tuple[Path, dict]) -> None:
    _, manifest = built
    kinds = {e["kind"] for e in manifest["secrets"]}
    assert {"aws-access-key-id", "aws-secret-access-key", "github-pat", "connection-uri"} <= kinds
    assert all(any(k.startswith(family) for k in kinds) for family in FACTORIES)
    assert {d["kind"] for d in manifest["decoys"]} >= {"aws-doc-example", "template", "placeholder"}


def test_github_tokens_carry_a_valid_checksum(built: tuple[Path, dict]) -> None:
    _, manifest = built
    tokens = [e["secret"] for e in manifest["secrets"] if e["kind"] in ("github-pat", "npm-token")]
    assert tokens
    assert all(github_checksum(t) for t in tokens)


def test_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(SystemExit):
        corpus.generate(tmp_path / "mine", SIZE_MB, seed=1)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_planted_entries_match_findings_by_path_and_overlapping_lines() -> None:
    entries = [
        {"path": "a.py", "line": 3, "end_line": 3},
        {"path": "k.pem", "line": 1, "end_line": 27},
        {"path": "b.env", "line": 5, "end_line": 5},
    ]
    hits = [Hit("a.py", 3, 3, "r"), Hit("k.pem", 1, 1, "key"), Hit("b.env", 6, 6, "r"), Hit("c.js", 1, 1, "r")]
    found, stray = matched(entries, hits)
    assert found == {0, 1}
    assert stray == 2


def test_results_section_is_replaced_and_others_are_kept(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    replace_section(results, "## Filesystem scan (issue 2)", "first")
    results.write_text(results.read_text() + "\n## Git history\n\nkeep me\n")
    replace_section(results, "## Filesystem scan (issue 2)", "second")
    text = results.read_text()
    assert text.startswith("# Benchmark results")
    assert "second" in text and "first" not in text
    assert text.count("## Filesystem scan (issue 2)") == 1
    assert "## Git history\n\nkeep me\n" in text


def test_measured_run_sees_the_child_memory(tmp_path: Path) -> None:
    hold = "import time; b = bytearray(80 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5)"
    m = run_measured([sys.executable, "-c", hold], interval=0.02, pss_every=1)
    assert m.returncode == 0
    assert m.max_rss_mb >= 80
    assert m.peak_rss_sum_mb >= 80


def test_a_timed_run_without_sampler_still_gives_wall_cpu_and_exit_code() -> None:
    burn = "import sys, time; t = time.process_time(); exec('while time.process_time() - t < 0.2: pass'); sys.exit(3)"
    m = run_measured([sys.executable, "-c", burn], interval=None)
    assert m.returncode == 3
    assert m.cpu_s >= 0.2 and m.wall_s >= 0.2
    assert m.peak_rss_sum_mb == 0 and m.max_rss_mb > 0  # nothing sampled; the kernel's own peak still there
