"""Reporters: golden files per format, plus the properties users rely on."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from scanner.errors import ConfigError
from scanner.models import Confidence, Finding, Severity, Verification, VerificationStatus
from scanner.report import REPORTERS, render
from scanner.report.base import CONTRACT_FIELDS, ReportContext, mask
from scanner.report.json import load_findings

GOLDEN = Path(__file__).parent / "golden"
SECRET = "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"
AWS = "AKIAZ4R7QW2LMNPX5HTB"


def sample() -> list[Finding]:
    return [
        Finding(rule_id="github-pat-classic", description="GitHub personal access token (classic)",
                severity=Severity.CRITICAL, path="src/app config.py", line=3, end_line=3, column=10,
                end_column=49, secret=SECRET, match=SECRET, fingerprint="github-pat-classic:0123456789abcdef0123",
                entropy=4.9, line_text=f'TOKEN = "{SECRET}"', confidence=Confidence.HIGH,
                confidence_reason="github checksum valid"),
        Finding(rule_id="aws-access-key-id", description="AWS access key ID", severity=Severity.HIGH,
                path="deploy/env.sh", line=1, end_line=1, column=23, end_column=42, secret=AWS,
                match=AWS, fingerprint="aws-access-key-id:fedcba9876543210fedc", entropy=3.9,
                commit="4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c", author_name="Dana Dev",
                author_email="dana@example.com", date="2024-05-06T07:08:09Z", subject="add deploy script",
                line_text=f"export AWS_ACCESS_KEY_ID={AWS}",
                verification=Verification(VerificationStatus.INVALID, "STS rejected the key", "2024-06-01T00:00:00Z"),
                confidence=Confidence.MEDIUM,
                confidence_reason="provider prefix and format; lowered: test, example, documentation or vendored path"),
    ]


CTX = ReportContext(tool_version="0.1.0", files_scanned=2, bytes_scanned=2048, seconds=0.5, hidden=3)
EXT = {"text": "txt", "json": "json", "jsonl": "jsonl", "sarif": "sarif", "csv": "csv"}


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_golden(fmt: str) -> None:
    out = render(fmt, sample(), CTX)
    golden = GOLDEN / f"findings.{EXT[fmt]}"
    if os.environ.get("KEYSWEEP_UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()


def test_text_masks_secrets_by_default_and_shows_them_on_request() -> None:
    out = render("text", sample(), CTX)
    assert SECRET not in out and AWS not in out
    assert mask(SECRET) in out
    shown = render("text", sample(), ReportContext(show_secrets=True))
    assert SECRET in shown


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "sarif"])
def test_redact_removes_plaintext_from_machine_formats(fmt: str) -> None:
    out = render(fmt, sample(), ReportContext(redact=True))
    assert SECRET not in out and AWS not in out


def test_json_objects_carry_every_contract_field_and_round_trip(tmp_path: Path) -> None:
    data = json.loads(render("json", sample(), CTX))
    assert all(set(CONTRACT_FIELDS) <= set(obj) for obj in data)
    assert data[1]["verification"]["status"] == "invalid"
    assert data[0]["verification"]["status"] == "not_checked"
    p = tmp_path / "f.json"
    p.write_text(json.dumps(data))
    back = load_findings(p)
    assert [(f.rule_id, f.path, f.line, f.secret, f.commit) for f in back] == [
        (f.rule_id, f.path, f.line, f.secret, f.commit) for f in sample()]


def test_load_findings_rejects_files_that_are_not_ours(tmp_path: Path) -> None:
    p = tmp_path / "other.json"
    p.write_text(json.dumps({"Findings": []}))
    with pytest.raises(ConfigError, match="not a keysweep findings file"):
        load_findings(p)
    p.write_text('[{"RuleID": "x"}]')
    with pytest.raises(ConfigError, match="not a keysweep finding"):
        load_findings(p)


def test_sarif_has_what_github_code_scanning_requires() -> None:
    doc = json.loads(render("sarif", sample(), CTX))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["github-pat-classic", "aws-access-key-id"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1
        assert res["partialFingerprints"]
        assert SECRET not in res["message"]["text"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app%20config.py"


def test_csv_has_a_header_and_one_row_per_finding() -> None:
    rows = list(csv.DictReader(io.StringIO(render("csv", sample(), CTX))))
    assert [r["rule_id"] for r in rows] == ["github-pat-classic", "aws-access-key-id"]
    assert rows[1]["verification_status"] == "invalid"


def test_text_groups_occurrences_of_the_same_secret() -> None:
    a = sample()[0]
    from dataclasses import replace

    b = replace(a, path="other/place.py", line=9)
    out = render("text", [a, b], CTX)
    assert out.count("github-pat-classic:") == 1
    assert "2 occurrences" in out and "other/place.py:9" in out
