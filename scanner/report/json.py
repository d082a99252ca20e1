"""JSON (array) and JSON Lines reporters, and the reader for findings files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError
from scanner.models import Confidence, Finding, Severity, Verification
from scanner.report.base import CONTRACT_FIELDS, ReportContext, finding_record

_REQUIRED = ("rule_id", "path", "line", "fingerprint", "secret")


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return json.dumps([finding_record(f, ctx.redact) for f in findings], indent=2, ensure_ascii=False) + "\n"


def render_lines(findings: Sequence[Finding], ctx: ReportContext) -> str:
    return "".join(json.dumps(finding_record(f, ctx.redact), ensure_ascii=False) + "\n" for f in findings)


def load_findings(path: str | Path) -> list[Finding]:
    """Read a `--format json` or `jsonl` findings file; ConfigError for anything else."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{p}: findings file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: cannot read findings file ({e})") from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = _json_lines(text, p)
    if not isinstance(data, list):
        raise ConfigError(f"{p}: not a keysweep findings file (expected an array of findings)")
    return [finding_from_record(r, f"{p}: finding {i + 1}") for i, r in enumerate(data)]


def finding_from_record(rec: Any, where: str) -> Finding:
    if not isinstance(rec, dict) or any(k not in rec for k in _REQUIRED):
        raise ConfigError(f"{where}: not a keysweep finding (needs {', '.join(_REQUIRED)})")
    try:
        ver = rec.get("verification") or {}
        verification = Verification.from_dict(ver)
        extra = {k: v for k, v in rec.items() if k not in CONTRACT_FIELDS and k not in ("subject", "linked")}
        return Finding(
            rule_id=str(rec["rule_id"]), description=str(rec.get("description", "")),
            severity=Severity(rec.get("severity", "medium")), path=str(rec["path"]),
            line=int(rec["line"]), end_line=int(rec.get("end_line") or rec["line"]),
            column=int(rec.get("column", 1)), end_column=int(rec.get("end_column", 1)),
            secret=str(rec["secret"]), match=str(rec.get("match", rec["secret"])),
            fingerprint=str(rec["fingerprint"]), entropy=None if rec.get("entropy") is None else float(rec["entropy"]),
            commit=rec.get("commit"), author_name=rec.get("author_name"),
            author_email=rec.get("author_email"), date=rec.get("date"), subject=rec.get("subject"),
            linked=tuple(rec.get("linked", ())),
            verification=verification if ver else None, extra=extra,
            confidence=Confidence(rec.get("confidence", "medium")),
            confidence_reason=str(rec.get("confidence_reason", "")),
        )
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: malformed field ({e})") from e


def _json_lines(text: str, p: Path) -> list[Any]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise ConfigError(f"{p}: not a keysweep findings file (invalid JSON at line {n}: {e.msg})") from e
    return out
