"""Baselines: fingerprints of known findings (rule + secret hash, never plaintext or lines).

An entry covers its secret whichever rule finds it: `scan` and `git` may match one secret with different
rules (a comment after it, a different file kind), so matching is by the secret-hash part of the fingerprint.
The file is written for version control: entries sorted by fingerprint, one per line, no timestamps, so
re-creating or updating a baseline over an unchanged tree gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.errors import ConfigError
from scanner.models import Finding

FORMAT = "keysweep-baseline"
VERSION = 1
MARKS = ("real", "false-positive", "accepted-risk")


def hash_part(fingerprint: str) -> str:
    """The secret-hash tail of a fingerprint (`rule-id:<20 hex>`)."""
    return fingerprint.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule_id: str
    count: int = 1
    audit: str | None = None  # one of MARKS once someone has looked at it
    note: str | None = None

    @property
    def hash20(self) -> str:
        return hash_part(self.fingerprint)

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"fingerprint": self.fingerprint, "rule_id": self.rule_id, "count": self.count}
        if self.audit:
            d["audit"] = self.audit
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...] = ()
    _hashes: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Baseline:
        uniq = {e.fingerprint: e for e in entries}
        ordered = tuple(uniq[k] for k in sorted(uniq))
        return cls(ordered, frozenset(e.hash20 for e in ordered))

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)

    def covers(self, f: Finding) -> bool:
        return hash_part(f.fingerprint) in self._hashes

    def by_fingerprint(self) -> dict[str, Entry]:
        return {e.fingerprint: e for e in self.entries}


def entries_of(findings: Iterable[Finding]) -> list[Entry]:
    counts: dict[str, int] = {}
    rules: dict[str, str] = {}
    for f in findings:
        counts[f.fingerprint] = counts.get(f.fingerprint, 0) + 1
        rules[f.fingerprint] = f.rule_id
    return [Entry(fp, rules[fp], n) for fp, n in counts.items()]


def baseline_of(findings: Iterable[Finding]) -> Baseline:
    return Baseline.of(entries_of(findings))


def updated(old: Baseline, findings: Sequence[Finding]) -> tuple[Baseline, int, int]:
    """Today's findings against an old baseline: new secrets added, gone ones dropped, audit marks kept.

    A secret is the same secret whatever rule finds it today: its old entry (and mark) stays. Returns the
    new baseline, how many entries were added and how many dropped."""
    now = {e.fingerprint: e for e in entries_of(findings)}
    now_hashes = {e.hash20 for e in now.values()}
    kept = [replace(e, count=now[e.fingerprint].count) if e.fingerprint in now else e
            for e in old.entries if e.hash20 in now_hashes]
    kept_hashes = {e.hash20 for e in kept}
    added = [e for e in now.values() if e.hash20 not in kept_hashes]
    # one entry per secret: of several rules finding a new secret, keep them all (each is a fingerprint
    # users may look up), they share the hash
    return Baseline.of(kept + added), len({e.hash20 for e in added}), len(old.entries) - len(kept)


def marked(old: Baseline, marks: Mapping[str, str], note: str | None = None) -> Baseline:
    """Set audit marks by fingerprint (or by the 20-hex secret hash). Unknown names are an error."""
    for value in marks.values():
        if value not in MARKS:
            raise ConfigError(f"unknown audit mark {value!r} (one of {', '.join(MARKS)})")
    out = []
    used: set[str] = set()
    for e in old.entries:
        mark = marks.get(e.fingerprint) or marks.get(e.hash20)
        if mark:
            used.update(k for k in (e.fingerprint, e.hash20) if k in marks)
            e = replace(e, audit=mark, note=note or e.note)
        out.append(e)
    missing = sorted(set(marks) - used)
    if missing:
        raise ConfigError(f"not in the baseline: {', '.join(missing)}")
    return Baseline.of(out)


def with_added(old: Baseline, fingerprints: Iterable[str], mark: str | None, note: str | None = None) -> Baseline:
    """Add fingerprints given by hand (as printed by the pre-commit hook), marked, without a scan."""
    entries = list(old.entries)
    have = old.by_fingerprint()
    for fp in fingerprints:
        rule, sep, tail = fp.rpartition(":")
        if not sep or not rule or len(tail) != 20 or any(c not in "0123456789abcdef" for c in tail):
            raise ConfigError(f"{fp!r} is not a keysweep fingerprint (rule-id:<20 hex>)")
        if fp in have:
            entries = [replace(e, audit=mark or e.audit, note=note or e.note) if e.fingerprint == fp else e
                       for e in entries]
        else:
            entries.append(Entry(fp, rule, 1, mark, note))
    return Baseline.of(entries)


def render(b: Baseline) -> str:
    """Sorted, one entry a line, no timestamps: diffs and merges of baselines stay small."""
    lines = [json.dumps(e.to_dict(), sort_keys=False) for e in b.entries]
    body = ",\n    ".join(lines)
    findings = f"[\n    {body}\n  ]" if lines else "[]"
    return f'{{\n  "format": "{FORMAT}",\n  "version": {VERSION},\n  "findings": {findings}\n}}\n'


def save(b: Baseline, path: str | Path) -> None:
    try:
        Path(path).write_text(render(b), encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot write baseline: {e.strerror or e}") from e


def write_baseline(findings: Sequence[Finding], path: str | Path) -> int:
    b = baseline_of(findings)
    save(b, path)
    return len(b.entries)


def _entry(p: Path, i: int, raw: object) -> Entry:
    if not isinstance(raw, dict) or not isinstance(raw.get("fingerprint"), str):
        raise ConfigError(f"{p}: findings[{i}] has no fingerprint")
    fp = raw["fingerprint"]
    audit = raw.get("audit")
    if audit is not None and audit not in MARKS:
        raise ConfigError(f"{p}: findings[{i}]: unknown audit mark {audit!r} (one of {', '.join(MARKS)})")
    count = raw.get("count", 1)
    return Entry(fp, str(raw.get("rule_id") or fp.rpartition(":")[0]), count if isinstance(count, int) else 1,
                 audit, raw.get("note") if isinstance(raw.get("note"), str) else None)


def read_baseline(path: str | Path) -> Baseline:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"{p}: baseline file not found") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{p}: not a readable keysweep baseline ({e})") from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("findings"), list):
        raise ConfigError(f"{p}: not a keysweep baseline (expected format '{FORMAT}')")
    return Baseline.of(_entry(p, i, raw) for i, raw in enumerate(doc["findings"]))


def load_baseline(path: str | Path) -> Baseline:
    return read_baseline(path)


def without_baseline(findings: Iterable[Finding], known: Baseline) -> list[Finding]:
    return [f for f in findings if not known.covers(f)]
