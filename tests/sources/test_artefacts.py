"""keysweep's own output is recognised by its first bytes; the first-byte shortcut never changes the answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sources import artefacts
from scanner.sources.artefacts import HEAD_BYTES, own_artefact

FP = b'"fingerprint": "aws-access-key-id:0123456789abcdef0123"'
PIECES = [b" ", b"\n", b"\t", b"\x0b", b"\x1c", b"\xef\xbb\xbf", b"{", b"[", b'"format": "keysweep-baseline"',
          b'"driver": {"name": "keysweep"', b'{"rule_id": "x", ', FP, b'"findings": [', b"<!DOCTYPE html>",
          b'<meta name="generator" content="keysweep', b"rule_id,description,severity,path,line,end_line,column,"
          b"end_column,secret,match,fingerprint,", b"[HIGH] aws-access-key-id: x\n  secret ", b"x", b"r", b"<"]


def every_pattern(head: bytes) -> str | None:
    """The answer without the shortcut: each kind's pattern tried in turn."""
    head = head[:HEAD_BYTES]
    return next((kind for kind, pattern in artefacts._KINDS if pattern.search(head)), None)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=6)), max_size=12))
def test_the_first_byte_shortcut_agrees_with_trying_every_pattern(parts: list[bytes]) -> None:
    head = b"".join(parts)
    assert own_artefact(head) == every_pattern(head)


def test_each_kind_is_recognised_after_leading_blanks_and_nothing_else_is() -> None:
    assert own_artefact(b'\n  {"format": "keysweep-baseline", "version": 1}') == "baseline"
    assert own_artefact(b'[\n  {"rule_id": "x", ' + FP + b"}]") == "JSON report"
    assert own_artefact(b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "keysweep"}}}]}') == "SARIF report"
    assert own_artefact(b"\xef\xbb\xbfrule_id,description,severity,path,line,end_line,column,end_column,secret,"
                        b"match,fingerprint,\n") == "CSV report"
    assert own_artefact(b'import os\nprint("[HIGH] x")\n') is None
    assert own_artefact(b'# {"format": "keysweep-baseline"}') is None
