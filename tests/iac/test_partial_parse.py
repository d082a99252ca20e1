"""Parsing only the triggered blocks (or nothing) gives the findings of a whole-file parse."""

from __future__ import annotations

from pathlib import Path

from benchmarks.iac_bench import generate
from scanner.engine import Engine
from scanner.iac import scan_structured
from scanner.iac.hcl import parse_hcl
from scanner.iac.terraform import scan_document

FIXTURE = Path(__file__).resolve().parents[2] / "testdata" / "infra" / "acme-platform" / "terraform"


def _key(findings: list) -> list[tuple[str, int, int, str]]:
    return sorted((f.rule_id, f.line, f.column, f.secret) for f in findings)


def _tf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.tf") if "broken" not in p.parts)


def test_generated_tree(engine: Engine, tmp_path: Path) -> None:
    generate(tmp_path, stacks=6, state_resources=5, planted_every=2)
    files = _tf_files(tmp_path)
    assert len(files) == 6 * 4 + 6 * 3
    found = 0
    for p in files:
        text = p.read_text()
        fast = scan_structured(str(p), text, engine)
        assert fast is not None
        assert _key(fast) == _key(scan_document(str(p), text, parse_hcl(text), engine, tfvars=False)), p
        found += len(fast)
    assert found > 0


def test_fixture_repository(engine: Engine) -> None:
    for p in _tf_files(FIXTURE):
        text = p.read_text()
        fast = scan_structured(str(p), text, engine)
        assert fast is not None
        assert _key(fast) == _key(scan_document(str(p), text, parse_hcl(text), engine, tfvars=False)), p
