"""Reporters turn findings into text; they never print on their own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scanner.models import Finding
from scanner.report.base import ReportContext, encodable


def _text(f: Sequence[Finding], c: ReportContext) -> str:
    from scanner.report.text import render
    return render(f, c)


def _json(f: Sequence[Finding], c: ReportContext) -> str:
    from scanner.report.json import render
    return render(f, c)


def _jsonl(f: Sequence[Finding], c: ReportContext) -> str:
    from scanner.report.json import render_lines
    return render_lines(f, c)


def _sarif(f: Sequence[Finding], c: ReportContext) -> str:
    from scanner.report.sarif import render
    return render(f, c)


def _csv(f: Sequence[Finding], c: ReportContext) -> str:
    from scanner.report.csv import render
    return render(f, c)


Renderer = Callable[[Sequence[Finding], ReportContext], str]

REPORTERS: dict[str, Renderer] = {"text": _text, "json": _json, "jsonl": _jsonl, "sarif": _sarif, "csv": _csv}


def render(fmt: str, findings: Sequence[Finding], context: ReportContext) -> str:
    return encodable(fmt, REPORTERS[fmt](findings, context))
