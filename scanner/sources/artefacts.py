"""keysweep's own output recognised by content: baselines, reports (every format) and the sweep store.

A scan never reports them: their fingerprints and masked (or, unredacted, repeated) secrets would make
every baseline flag itself and every report left in a tree raise the next scan's count. What is skipped is
said in a note. Only the first bytes are looked at.
"""

from __future__ import annotations

import regex

HEAD_BYTES = 4096
_SQLITE = b"SQLite format 3\x00"
_STORE_APP_ID = (0x6B737770).to_bytes(4, "big")  # scanner.store.schema.APPLICATION_ID, at offset 68
_FP = rb'"fingerprint"\s*:\s*"[a-z0-9][a-z0-9._-]*:[0-9a-f]{20}"'
_KINDS: tuple[tuple[str, regex.Pattern[bytes]], ...] = (
    ("baseline", regex.compile(rb'\A\s*\{\s*"format"\s*:\s*"keysweep-baseline"')),
    ("SARIF report", regex.compile(rb'"driver"\s*:\s*\{\s*"name"\s*:\s*"keysweep"')),
    ("JSON report", regex.compile(rb'\A\s*\[\s*\{\s*"rule_id"\s*:\s*"[^"]*".{0,2000}?' + _FP, regex.S)),
    ("JSON report", regex.compile(rb'\A\s*\{\s*"findings"\s*:\s*\[\s*\{\s*"rule_id".{0,2000}?' + _FP, regex.S)),
    ("JSONL report", regex.compile(rb'\A\{"rule_id"\s*:\s*"[^"]*".{0,2000}?' + _FP)),
    ("CSV report", regex.compile(rb"\A(?:\xef\xbb\xbf)?rule_id,description,severity,path,line,end_line,"
                                 rb"column,end_column,secret,match,fingerprint,")),
    ("HTML report", regex.compile(rb'\A<!DOCTYPE html>.{0,3000}?(?:<meta name="generator" content="keysweep|'
                                  rb"<title>keysweep report</title>)", regex.S)),
    ("text report", regex.compile(rb"\A\[(?:CRITICAL|HIGH|MEDIUM|LOW|INFO)\] [a-z0-9][a-z0-9._-]*: [^\n]*\n"
                                  rb"  secret ")),
)

_FIRST = (b"", b"{", b"[", b"r", b"<", b"\xef")  # the first non-blank byte of every anchored kind


def own_artefact(head: bytes) -> str | None:
    """'baseline', '... report' or 'store' when these first bytes are keysweep's own output, else None."""
    if head.startswith(_SQLITE):
        return "store" if head[68:72] == _STORE_APP_ID else None
    head = head[:HEAD_BYTES]
    # every kind but SARIF is anchored at the start (after blanks): one look at the first byte passes over
    # nearly every file without running the patterns
    if head.lstrip()[:1] not in _FIRST and b'"driver"' not in head:
        return None
    for kind, pattern in _KINDS:
        if pattern.search(head):
            return kind
    return None


def skip_note(path: str, kind: str) -> str:
    return f"{path}: keysweep {kind}; not scanned (keysweep's own output)"
