"""The fixture repository testdata/infra/acme-platform against its labels (expected.toml):
every labelled credential at its line, nothing in the clean files, nothing unexpected."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from scanner.engine import Engine
from scanner.models import Finding
from scanner.sources.files import scan_text

ROOT = Path(__file__).resolve().parents[2] / "testdata" / "infra"
LABELS = tomllib.loads((ROOT / "expected.toml").read_text(encoding="utf-8"))
FINDINGS: list[dict[str, Any]] = LABELS["finding"]
CLEAN: list[str] = [c["path"] for c in LABELS["clean"]]
KNOWN_FP: dict[tuple[str, int], str] = {
    (k["path"], k["line"]): k["reason"] for k in LABELS.get("known_false_positive", [])}
ALL_FILES = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and p.name != "expected.toml")


def scan(engine: Engine, rel: str) -> list[Finding]:
    path = ROOT / rel
    return scan_text(engine, str(path), path.read_text(encoding="utf-8"))


def _matches(f: Finding, label: dict[str, Any]) -> bool:
    if "secret" in label and f.secret != label["secret"]:
        return False
    if "secret_prefix" in label and not f.secret.startswith(label["secret_prefix"]):
        return False
    return f.line == label["line"]


def _label_id(label: dict[str, Any]) -> str:
    return f"{label['path']}:{label['line']}"


@pytest.mark.parametrize("label", FINDINGS, ids=_label_id)
def test_labelled_credential_found_at_its_line(engine: Engine, label: dict[str, Any]) -> None:
    found = [f for f in scan(engine, label["path"]) if _matches(f, label)]
    if not found and label.get("pending"):
        pytest.xfail(f"rule pack: needs {label['pending']}")
    assert found, f"no finding at line {label['line']}"
    if "rule" in label:
        assert [f.rule_id for f in found] == [label["rule"]]
    if "resource" in label:
        assert all(f.extra.get("resource") == label["resource"] for f in found)
    if "encoding" in label:
        assert all(f.extra.get("encoding") == label["encoding"] for f in found)


@pytest.mark.parametrize("rel", CLEAN)
def test_clean_file_has_no_finding(engine: Engine, rel: str) -> None:
    assert [(f.line, f.rule_id) for f in scan(engine, rel)] == []


@pytest.mark.parametrize("rel", ALL_FILES)
def test_no_unexpected_finding(engine: Engine, rel: str) -> None:
    labelled = [lb for lb in FINDINGS if lb["path"] == rel]
    unexpected = [f for f in scan(engine, rel) if not any(_matches(f, lb) for lb in labelled)]
    known = [KNOWN_FP[(rel, f.line)] for f in unexpected if (rel, f.line) in KNOWN_FP]
    if known and len(known) == len(unexpected):
        pytest.xfail("rule pack false positive: " + "; ".join(known))
    assert [(f.line, f.rule_id) for f in unexpected] == []


def test_every_fixture_file_is_labelled_or_clean() -> None:
    labelled = {lb["path"] for lb in FINDINGS} | set(CLEAN)
    assert sorted(set(ALL_FILES) - labelled) == []
