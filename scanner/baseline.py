"""Baselines: fingerprints of known findings (rule + secret hash, never plaintext or lines)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from scanner.errors import ConfigError
from scanner.models import Finding

FORMAT = "keysweep-baseline"
VERSION = 1


def baseline_document(findings: Iterable[Finding]) -> dict[str, object]:
    entries: dict[str, dict[str, object]] = {}
    for f in findings:
        e = entries.setdefault(f.fingerprint, {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "count": 0})
        e["count"] = int(e["count"]) + 1  # type: ignore[call-overload]
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "findings": sorted(entries.values(), key=lambda e: str(e["fingerprint"])),
    }


def write_baseline(findings: Sequence[Finding], path: str | Path) -> int:
    doc = baseline_document(findings)
    Path(path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return len(doc["findings"])  # type: ignore[arg-type]


def load_baseline(path: str | Path) -> frozenset[str]:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"{p}: baseline file not found") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{p}: not a readable keysweep baseline ({e})") from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("findings"), list):
        raise ConfigError(f"{p}: not a keysweep baseline (expected format '{FORMAT}')")
    fps = []
    for i, entry in enumerate(doc["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise ConfigError(f"{p}: findings[{i}] has no fingerprint")
        fps.append(entry["fingerprint"])
    return frozenset(fps)


def without_baseline(findings: Iterable[Finding], known: frozenset[str]) -> list[Finding]:
    return [f for f in findings if f.fingerprint not in known]
