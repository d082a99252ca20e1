"""Content in memory, scanned the same way whatever source it came from: a keysweep artefact or a
binary blob is passed over, an archive is opened member by member, text is decoded and scanned (by a
format handler where one claims the path), and the source's fields are put on every finding.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO, cast

from scanner.config import ScanOptions
from scanner.engine import Engine
from scanner.iac import scan_structured
from scanner.models import Chunk, Finding, Origin
from scanner.sources.archives import ArchiveLimits, Member, kind_of, members
from scanner.sources.artefacts import own_artefact, skip_note
from scanner.sources.interface import Blob, Skipped, SourceResult
from scanner.sources.windows import scan_stream

SNIFF_BYTES = 8192


def is_binary(data: bytes) -> bool:
    return b"\x00" in data[:SNIFF_BYTES]


def decode_text(data: bytes, path: str, warnings: list[str]) -> str:
    return decode_utf8(data, path, warnings)[0]


def decode_utf8(data: bytes, path: str, warnings: list[str]) -> tuple[str, bytes | None]:
    """The text of `data`, and `data` itself when it is that text's UTF-8 (None when bytes that are
    not UTF-8 were replaced)."""
    try:
        return data.decode("utf-8"), data
    except UnicodeDecodeError:
        warnings.append(f"{path}: not valid UTF-8; scanned with replacement characters")
        return data.decode("utf-8", errors="replace"), None


def scan_text(engine: Engine, path: str, text: str, origin: Origin | None = None,
              utf8: bytes | None = None) -> list[Finding]:
    """Structure-aware scan where a format handler claims the path, else the plain engine (`utf8`:
    the text's UTF-8 bytes when the caller holds them)."""
    structured = scan_structured(path, text, engine)
    if structured is not None:
        return structured
    return engine.scan(Chunk(text=text, origin=origin or Origin(path=path), utf8=utf8))


def archive_limits(options: ScanOptions) -> ArchiveLimits | None:
    return ArchiveLimits(options.archive_depth, options.archive_max_bytes) if options.archives else None


def with_extra(findings: Iterable[Finding], extra: Mapping[str, Any]) -> list[Finding]:
    if not extra:
        return list(findings)
    return [replace(f, extra={**f.extra, **extra}) for f in findings]


@dataclass
class Tally:
    """A source's running totals, turned into its SourceResult at the end."""

    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scanned: int = 0
    skipped: int = 0
    nbytes: int = 0

    def skip(self, s: Skipped) -> None:
        (self.warnings if s.warning else self.notes).append(s.line())
        self.skipped += 1

    def result(self, engine: Engine, dropped_before: int, timed_before: int, seconds: float = 0.0) -> SourceResult:
        return SourceResult(tuple(self.findings), self.scanned, self.skipped, self.nbytes, seconds,
                            tuple(self.warnings), tuple(self.notes), engine.checksum_dropped - dropped_before,
                            engine.timed_out - timed_before)


class BlobScanner:
    def __init__(self, engine: Engine, max_size: int, archives: ArchiveLimits | None) -> None:
        self.engine = engine
        self.max_size = max_size
        self.archives = archives  # None: archives are binary files like any other (--no-archives)

    def wants(self, size: int, head: bytes) -> bool:
        """Whether content of this size, starting with `head`, is worth reading at all."""
        if size <= self.max_size:
            return True
        return self.archives is not None and size <= self.archives.max_bytes and kind_of(head) is not None

    def too_large(self, path: str, size: int) -> Skipped:
        return Skipped(path, f"{size} bytes is over --max-file-size ({self.max_size}); skipped")

    def scan(self, blob: Blob, tally: Tally) -> None:
        """Scan one blob, its path and its content, into the tally (findings carry its extra fields)."""
        tally.findings.extend(with_extra(self.engine.scan_path(blob.path), blob.extra))
        self.content(blob, tally)

    def content(self, blob: Blob, tally: Tally) -> None:
        path, data = blob.path, blob.data
        kind = own_artefact(data)
        if kind is not None:
            tally.notes.append(skip_note(path, kind))
            tally.skipped += 1
            return
        if self.archives is not None and kind_of(data) is not None:
            tally.scanned += 1
            tally.findings.extend(with_extra(self.archive(path, data, tally), blob.extra))
            return
        if len(data) > self.max_size:
            tally.skip(self.too_large(path, len(data)))
            return
        if is_binary(data):
            tally.skip(Skipped(path, "binary file; skipped"))
            return
        tally.scanned += 1
        tally.nbytes += len(data)
        text, utf8 = decode_utf8(data, path, tally.warnings)
        tally.findings.extend(with_extra(scan_text(self.engine, path, text, utf8=utf8), blob.extra))

    def archive(self, path: str, data: bytes, tally: Tally) -> list[Finding]:
        """The text members of an archive under their chained names; binary members are passed over
        quietly (a jar is mostly class files), skipped ones are notes."""
        assert self.archives is not None
        found: list[Finding] = []
        for m in members(data, path, self.archives):
            if not isinstance(m, Member):
                tally.skip(Skipped(m.path, f"{m.reason}; skipped", m.warning))
                continue
            found.extend(self.engine.scan_path(m.path))
            if is_binary(m.data) or own_artefact(m.data) is not None:
                continue
            tally.nbytes += len(m.data)
            text, utf8 = decode_utf8(m.data, m.path, tally.warnings)
            found.extend(scan_text(self.engine, m.path, text, utf8=utf8))
        return found


def stream_into(engine: Engine, path: str, stream: BinaryIO, limit: int, tally: Tally,
                extra: Mapping[str, Any] | None = None, grew: str = "grew past") -> None:
    """A stream too large to hold whole, scanned window by window (memory stays near the window size)."""
    res = scan_stream(engine.scan, path, stream, limit)
    tally.scanned += 1
    tally.nbytes += res.bytes_read
    tally.findings.extend(with_extra(res.findings, extra or {}))
    if res.invalid_utf8:
        tally.warnings.append(f"{path}: not valid UTF-8; scanned with replacement characters")
    if res.truncated:
        tally.warnings.append(f"{path}: {grew} --max-file-size ({limit} bytes); the first {limit} bytes were "
                              "scanned, the rest was not read")


class _Rejoined(io.RawIOBase):
    """A stream with its first bytes (already read to sniff it) put back in front."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        n = -1 if n is None else n
        if self._head:
            out, self._head = (self._head, b"") if n < 0 or n >= len(self._head) else (self._head[:n], self._head[n:])
            return out
        return bytes(self._rest.read(n) if n >= 0 else self._rest.read())


def rejoined(head: bytes, rest: Any) -> BinaryIO:
    return cast(BinaryIO, _Rejoined(head, rest))
