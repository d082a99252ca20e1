"""CSV reporter: one row per occurrence, the contract's fields as columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from scanner.models import Finding
from scanner.report.base import CONTRACT_FIELDS, ReportContext, finding_record

_LATER = ("verification", "confidence", "confidence_reason")  # new columns go at the end: old readers keep working
COLUMNS = [c for c in CONTRACT_FIELDS if c not in _LATER] + ["verification_status", "verification_detail",
                                                             "confidence", "confidence_reason"]


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for f in findings:
        rec = finding_record(f, ctx.redact)
        ver = rec.pop("verification")
        rec["verification_status"] = ver["status"]
        rec["verification_detail"] = ver["detail"]
        w.writerow({k: ("" if v is None else v) for k, v in rec.items()})
    return buf.getvalue()
