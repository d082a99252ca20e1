"""Scanning a stream in bounded windows: stdin and large files, in memory proportional to the window.

Each window owns the findings that start inside it. Its text reaches OVERLAP bytes beyond that part on
both sides, so a secret crossing a window border is seen whole by the window it starts in and dropped by
the others. Windows end at a line break when there is one near the border; a line longer than a window is
cut (at a character boundary) and the columns of its findings still count from the line's start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import BinaryIO

from scanner.models import Chunk, Finding, Origin

WINDOW = 8 * 1024 * 1024
OVERLAP = 256 * 1024  # longer than any one secret with its context (PEM blocks, certificates chains)
READ = 1024 * 1024

Scan = Callable[[Chunk], list[Finding]]


@dataclass(frozen=True)
class StreamResult:
    findings: tuple[Finding, ...]
    bytes_read: int
    truncated: bool  # the limit was reached before the end of the stream
    invalid_utf8: bool


def _char_start(buf: bytes | bytearray, i: int) -> int:
    """Move i back to the start of a UTF-8 character (never into the middle of one)."""
    while 0 < i < len(buf) and (buf[i] & 0xC0) == 0x80:
        i -= 1
    return i


def _border(buf: bytes | bytearray, want: int, lo: int) -> int:
    """A window border near `want`: just after a line break in [lo, want] if there is one, else `want`."""
    nl = buf.rfind(b"\n", lo, want)
    return nl + 1 if nl >= 0 else _char_start(buf, want)


def _decode(data: bytes | bytearray, flag: list[bool]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        flag[0] = True
        return data.decode("utf-8", errors="replace")


def _position(text: str, idx: int) -> tuple[int, int]:
    """(line, column), both counted from 1 within `text`, of character index idx."""
    line = text.count("\n", 0, idx) + 1
    return line, idx - (text.rfind("\n", 0, idx) + 1) + 1


def scan_stream(scan: Scan, path: str, stream: BinaryIO, limit: int, window: int = WINDOW,
                overlap: int = OVERLAP) -> StreamResult:
    """Scan at most `limit` bytes of `stream` window by window with `scan` (an engine's `scan`)."""
    origin = Origin(path=path)
    buf = bytearray()
    base = 0  # absolute offset of buf[0]
    own = 0  # absolute offset where the next window's own part starts
    lines_before = 0  # line breaks before `base`
    col_shift = 0  # characters between the start of the line holding `base` and `base`
    total = 0
    eof = truncated = False
    bad = [False]
    found: list[Finding] = []
    while True:
        while not eof and len(buf) - (own - base) < window + overlap:
            piece = stream.read(min(READ, limit - total + 1))
            if not piece:
                eof = True
                break
            if total + len(piece) > limit:
                piece = piece[:limit - total]
                truncated = eof = True
            total += len(piece)
            buf += piece
        start = own - base  # the own part, relative to buf
        if start >= len(buf) and (eof or not buf):
            break
        end = len(buf) if eof and len(buf) - start <= window else _border(buf, start + window, start + window // 2)
        if end <= start:
            end = len(buf)
        ctx_start = _border(buf, start, max(0, start - overlap)) if start else 0
        if start - ctx_start > overlap or (ctx_start < start and buf.rfind(b"\n", ctx_start, start) < 0):
            ctx_start = _char_start(buf, max(0, start - overlap))
        ctx_end = len(buf) if eof else _char_start(buf, min(len(buf), end + overlap))
        head = _decode(buf[:ctx_start], bad) if ctx_start else ""
        text = _decode(buf[ctx_start:ctx_end], bad)
        own_from = len(_decode(buf[ctx_start:start], [False]))
        own_to = own_from + len(_decode(buf[start:end], [False]))
        first_lines = lines_before + head.count("\n")
        nl = head.rfind("\n")
        first_shift = (len(head) - nl - 1) if nl >= 0 else col_shift + len(head)
        lo, hi = _position(text, own_from), _position(text, own_to)
        chunk = Chunk(text=text, origin=origin, line_offset=first_lines)
        for f in scan(chunk):
            at = (f.line - first_lines, f.column)
            if at < lo or (at >= hi and not (eof and end == len(buf))):
                continue
            found.append(_shifted(f, first_lines + 1, first_shift))
        if eof and end >= len(buf):
            break
        own = base + end
        # keep from the next window's context start on; count what is dropped
        keep = _char_start(buf, max(0, end - overlap))
        dropped = _decode(buf[:keep], [False])
        nl = dropped.rfind("\n")
        col_shift = (len(dropped) - nl - 1) if nl >= 0 else col_shift + len(dropped)
        lines_before += dropped.count("\n")
        del buf[:keep]
        base += keep
    return StreamResult(tuple(found), total, truncated, bad[0])


def _shifted(f: Finding, first_line: int, shift: int) -> Finding:
    """Columns on the window's first line count from the start of the real line."""
    if not shift or (f.line != first_line and f.end_line != first_line):
        return f
    return replace(f, column=f.column + shift if f.line == first_line else f.column,
                   end_column=f.end_column + shift if f.end_line == first_line else f.end_column)
