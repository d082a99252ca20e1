"""Shared pieces for reporters: masking, the finding record, report context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.engine.lazyre import lazy
from scanner.models import Finding, Rule, Verification

CONTRACT_FIELDS = (
    "rule_id", "description", "severity", "path", "line", "end_line", "column", "end_column",
    "secret", "match", "fingerprint", "entropy", "commit", "author_name", "author_email", "date",
    "verification", "confidence", "confidence_reason",
)
REPORT_VERSION = "1"


@dataclass(frozen=True)
class ReportContext:
    redact: bool = False  # machine formats: mask secrets (text always masks unless show_secrets)
    show_secrets: bool = False  # text: print secrets in clear
    rules: Sequence[Rule] = ()
    files_scanned: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0
    tool_version: str = ""
    hidden: int = 0  # findings below min_confidence that the report leaves out
    min_confidence: str = "medium"
    checksum_dropped: int = 0  # candidates dropped because their provider checksum did not verify
    timed_out: int = 0  # rule searches that ran out of their time budget (the rest of that text unsearched)
    config_suppressed: int = 0  # findings a config's allowlist or disabled rules hid
    config_source: str | None = None
    nothing_found: str | None = None  # the text report's line when there is nothing to list
    incomplete: tuple[str, ...] = ()  # why the scan could not read everything it was asked to
    warnings: tuple[str, ...] = ()  # what was skipped or cut short, one line each (never a secret)
    extra: Mapping[str, Any] = field(default_factory=dict)


_JSON_FORMATS = frozenset({"json", "jsonl", "sarif"})


def encodable(fmt: str, text: str) -> str:
    """A report that any UTF-8 writer accepts. Names of files in other encodings reach us as lone
    surrogates (Python's surrogateescape): JSON formats get `\\udcXX` escapes, which JSON readers turn
    back into the same name; the other formats show the byte as `\\xXX`."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}" if fmt in _JSON_FORMATS
                       else (f"\\x{o - 0xDC00:02x}" if o >= 0xDC80 else f"\\u{o:04x}"))
        else:
            out.append(ch)
    return "".join(out)


_MASKED = lazy(r"\A(?:[^*\n]{0,6}\*+|-----BEGIN[^\n]*-----(?: \*\*\*\*)+)\Z")


def reach_text(access: Mapping[str, Any]) -> str:
    """A verified secret's blast radius in one line: `organisations acme, beta; repositories 12; ...`."""
    parts = []
    for k, v in access.items():
        if isinstance(v, bool):
            text = "yes" if v else "no"
        elif isinstance(v, list | tuple):
            text = ", ".join(str(x) for x in v) or "none"
        else:
            text = str(v)
        parts.append(f"{k.replace('_', ' ')} {text}")
    return "; ".join(parts)


def mask(secret: str) -> str:
    """Keep a short recognisable prefix (e.g. 'ghp_', 'AKIA'); hide the rest. A mask is left as it is
    (findings read back from the store hold only their mask)."""
    if _MASKED.match(secret):
        return secret
    if len(secret) <= 8:
        return "*" * len(secret)
    keep = 4 if len(secret) < 40 else 6
    first_line = secret.split("\n", 1)[0]
    if first_line.startswith("-----BEGIN"):
        return first_line + " ****"
    return secret[:keep] + "*" * min(len(secret) - keep, 16)


def mask_in(text: str, secret: str) -> str:
    return text.replace(secret, mask(secret)) if secret else text


def finding_record(f: Finding, redact: bool) -> dict[str, Any]:
    """The contract's JSON object for one occurrence (plus additive extras)."""
    ver = f.verification or Verification()
    rec: dict[str, Any] = {
        "rule_id": f.rule_id,
        "description": f.description,
        "severity": f.severity.value,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "column": f.column,
        "end_column": f.end_column,
        "secret": mask(f.secret) if redact else f.secret,
        "match": mask_in(f.match, f.secret) if redact else f.match,
        "fingerprint": f.fingerprint,
        "entropy": f.entropy,
        "commit": f.commit,
        "author_name": f.author_name,
        "author_email": f.author_email,
        "date": f.date,
        "verification": ver.to_dict(),
        "confidence": f.confidence.value,
        "confidence_reason": f.confidence_reason,
    }
    if f.subject is not None:
        rec["subject"] = f.subject
    if f.linked:
        rec["linked"] = list(f.linked)
    for k, v in f.extra.items():
        if k not in rec:
            rec[k] = v
    return rec
