"""SARIF 2.1.0 reporter, in the shape GitHub code scanning accepts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from scanner.models import Finding, Rule, Severity
from scanner.report.base import ReportContext, mask

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                      Severity.LOW: "3.0", Severity.INFO: "1.0"}


def _uri(path: str) -> str:
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return quote(p.encode("utf-8", "surrogateescape"), safe="/:@-._~")  # a name's own bytes, %-encoded


def _rule_descriptor(rule_id: str, description: str, severity: Severity) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-")),
        "shortDescription": {"text": description or rule_id},
        "fullDescription": {"text": f"{description or rule_id}: a credential that should not be in source."},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "help": {"text": "Remove the secret, rotate it at the provider, and keep it in a secret manager."},
        "properties": {"tags": ["security", "secret"], "security-severity": _SECURITY_SEVERITY[severity]},
    }


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    known: dict[str, Rule] = {r.id: r for r in ctx.rules}
    order: dict[str, int] = {}
    descriptors: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for f in findings:
        if f.rule_id not in order:
            r = known.get(f.rule_id)
            order[f.rule_id] = len(descriptors)
            descriptors.append(_rule_descriptor(f.rule_id, r.description if r else f.description,
                                                r.severity if r else f.severity))
        region = {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line,
                  "endColumn": f.end_column + 1}
        result: dict[str, Any] = {
            "ruleId": f.rule_id,
            "ruleIndex": order[f.rule_id],
            "level": _LEVEL[f.severity],
            "message": {"text": f"{f.description}: {mask(f.secret)}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.path)},
                "region": region,
            }}],
            "partialFingerprints": {"keysweep/v1": f.fingerprint},
        }
        props: dict[str, Any] = {"severity": f.severity.value, "confidence": f.confidence.value,
                                 "confidence_reason": f.confidence_reason}
        if f.commit:
            props.update(commit=f.commit, author_email=f.author_email, date=f.date)
        if f.verification is not None:
            props["verification"] = f.verification.status.value
        result["properties"] = props
        results.append(result)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keysweep",
                "version": ctx.tool_version or "0",
                "semanticVersion": ctx.tool_version or "0.0.0",
                "informationUri": "https://pypi.org/project/keysweep/",
                "rules": descriptors,
            }},
            "results": results,
            "invocations": [_invocation(ctx)],
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _invocation(ctx: ReportContext) -> dict[str, Any]:
    """How the run went: not successful when it could not read everything it was asked to; each
    warning (a file skipped, an archive cut short, a rule out of its time budget) a notification."""
    notes = [{"level": "warning", "message": {"text": w}} for w in ctx.warnings]
    if ctx.timed_out:
        notes.append({"level": "warning", "message": {"text": (
            f"{ctx.timed_out} rule search(es) ran out of their time budget; the text after that point was not "
            "searched with those rules")}})
    notes += [{"level": "error", "message": {"text": why}} for why in ctx.incomplete]
    return {"executionSuccessful": not ctx.incomplete, "toolExecutionNotifications": notes}
