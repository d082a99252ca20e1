"""Filesystem source: read files, skip binary and oversize ones, scan each distinct content once,
in parallel over files (forked workers share the compiled engine)."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from scanner.engine import Engine
from scanner.iac import file_kind
from scanner.models import Chunk, Finding, Origin
from scanner.sources.archives import ArchiveLimits, Member, kind_of, members
from scanner.sources.artefacts import own_artefact, skip_note
from scanner.sources.walk import FileEntry
from scanner.sources.windows import StreamResult, scan_stream

log = logging.getLogger(__name__)

SNIFF_BYTES = 8192
BATCH_BYTES = 4 * 1024 * 1024
BATCH_FILES = 256
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
STREAM_MIN_BYTES = 16 * 1024 * 1024  # larger files are read in windows, not whole (Terraform files excepted)


@dataclass(frozen=True)
class FileResult:
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    bytes_scanned: int = 0
    files_scanned: int = 0
    files_skipped: int = 0
    checksum_dropped: int = 0
    timed_out: int = 0


@dataclass
class ScanStats:
    files_scanned: int = 0
    files_skipped: int = 0
    bytes_scanned: int = 0
    warnings: list[str] = field(default_factory=list)


def decode_text(data: bytes, path: str, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        warnings.append(f"{path}: not valid UTF-8; scanned with replacement characters")
        return data.decode("utf-8", errors="replace")


def is_binary(data: bytes) -> bool:
    return b"\x00" in data[:SNIFF_BYTES]


def scan_text(engine: Engine, path: str, text: str, origin: Origin | None = None) -> list[Finding]:
    """Structure-aware scan where a format handler claims the path, else the plain engine."""
    from scanner.iac import scan_structured

    structured = scan_structured(path, text, engine)
    if structured is not None:
        return structured
    return engine.scan(Chunk(text=text, origin=origin or Origin(path=path)))


class _Batch:
    """Scans a batch of files; identical contents (same size, same hash) are scanned once."""

    def __init__(self, engine: Engine, max_size: int, archives: ArchiveLimits | None = None) -> None:
        self.engine = engine
        self.max_size = max_size
        self.archives = archives  # None: archives are binary files like any other (--no-archives)
        # content hash -> (first path, its findings); the path signature is worked out only when the
        # same content turns up again (most files are unique)
        self.first: dict[bytes, tuple[str, list[Finding]]] = {}
        self.cache: dict[tuple[bytes, tuple[bool, ...]], list[Finding]] = {}

    def cached(self, digest: bytes, path: str) -> list[Finding] | None:
        """Findings of an identical file already scanned whose path does not change the result."""
        seen = self.first.get(digest)
        if seen is None:
            return None
        first_path, first_found = seen
        self.cache.setdefault((digest, self.engine.path_signature(first_path)), first_found)
        return self.cache.get((digest, self.engine.path_signature(path)))

    def remember(self, digest: bytes, path: str, found: list[Finding]) -> None:
        if digest not in self.first:
            self.first[digest] = (path, found)
        else:
            self.cache[(digest, self.engine.path_signature(path))] = found

    def run(self, entries: Sequence[FileEntry], dup_sizes: frozenset[int]) -> FileResult:
        findings: list[Finding] = []
        warnings: list[str] = []
        notes: list[str] = []
        scanned = skipped = nbytes = 0
        dropped_before = self.engine.checksum_dropped
        timed_before = self.engine.timed_out
        for e in entries:
            findings.extend(self.engine.scan_path(e.path))
            if (e.size > self.max_size or e.size > STREAM_MIN_BYTES) and self._archive_file(e):
                inside = self.archive(e, None, warnings, notes)
                scanned, skipped = scanned + (inside is not None), skipped + (inside is None)
                if inside is not None:
                    findings.extend(inside[0])
                    nbytes += inside[1]
                continue
            if e.size > self.max_size:
                notes.append(f"{e.path}: {e.size} bytes is over --max-file-size ({self.max_size}); skipped")
                skipped += 1
                continue
            if e.size > STREAM_MIN_BYTES and file_kind(e.path) is None:
                res = self.stream(e, warnings, notes)
                if res is None:
                    skipped += 1
                    continue
                scanned += 1
                nbytes += res.bytes_read
                findings.extend(res.findings)
                continue
            try:
                with open(e.real, "rb") as fh:
                    data = fh.read(self.max_size + 1)
            except OSError as err:
                warnings.append(f"{e.path}: cannot read: {err.strerror or err}")
                skipped += 1
                continue
            if len(data) > self.max_size:
                notes.append(f"{e.path}: over --max-file-size ({self.max_size} bytes); skipped")
                skipped += 1
                continue
            kind = own_artefact(data)
            if kind is not None:
                notes.append(skip_note(e.path, kind))
                skipped += 1
                continue
            if self.archives is not None and kind_of(data) is not None:
                inside = self.archive(e, data, warnings, notes)
                scanned += 1
                if inside is not None:
                    findings.extend(inside[0])
                    nbytes += inside[1]
                continue
            if is_binary(data):
                notes.append(f"{e.path}: binary file; skipped")
                skipped += 1
                continue
            scanned += 1
            digest = None
            if e.size in dup_sizes:
                digest = hashlib.blake2b(data, digest_size=16).digest()
                cached = self.cached(digest, e.path)
                if cached is not None:
                    findings.extend(replace(f, path=e.path) for f in cached)
                    continue
            nbytes += len(data)
            text = decode_text(data, e.path, warnings)
            found = scan_text(self.engine, e.path, text)
            if digest is not None:
                self.remember(digest, e.path, found)
            findings.extend(found)
        return FileResult(tuple(findings), tuple(warnings), tuple(notes), nbytes, scanned, skipped,
                          self.engine.checksum_dropped - dropped_before, self.engine.timed_out - timed_before)


    def _archive_file(self, e: FileEntry) -> bool:
        """A file too large to read whole that is an archive within the archive bound."""
        if self.archives is None or e.size > self.archives.max_bytes:
            return False
        try:
            with open(e.real, "rb") as fh:
                return kind_of(fh.read(512)) is not None
        except OSError:
            return False

    def archive(self, e: FileEntry, data: bytes | None, warnings: list[str],
                notes: list[str]) -> tuple[list[Finding], int] | None:
        """The text members of an archive, scanned under their chained names; binary members are
        passed over quietly (a jar is mostly class files), skipped ones are notes."""
        assert self.archives is not None
        if data is None:
            try:
                with open(e.real, "rb") as fh:
                    data = fh.read(self.archives.max_bytes + 1)
            except OSError as err:
                warnings.append(f"{e.path}: cannot read: {err.strerror or err}")
                return None
        found: list[Finding] = []
        nbytes = 0
        for m in members(data, e.path, self.archives):
            if not isinstance(m, Member):
                notes.append(f"{m.path}: {m.reason}; skipped")
                continue
            found.extend(self.engine.scan_path(m.path))
            if is_binary(m.data) or own_artefact(m.data) is not None:
                continue
            nbytes += len(m.data)
            found.extend(scan_text(self.engine, m.path, decode_text(m.data, m.path, warnings)))
        return found, nbytes

    def stream(self, e: FileEntry, warnings: list[str], notes: list[str]) -> StreamResult | None:
        """A large file, read and scanned window by window (memory stays near the window size)."""
        try:
            with open(e.real, "rb") as fh:
                if is_binary(fh.read(SNIFF_BYTES)):
                    notes.append(f"{e.path}: binary file; skipped")
                    return None
                fh.seek(0)
                res = scan_stream(self.engine.scan, e.path, fh, self.max_size)
        except OSError as err:
            warnings.append(f"{e.path}: cannot read: {err.strerror or err}")
            return None
        if res.invalid_utf8:
            warnings.append(f"{e.path}: not valid UTF-8; scanned with replacement characters")
        if res.truncated:
            warnings.append(f"{e.path}: grew past --max-file-size ({self.max_size} bytes) while read; "
                            "the rest was not scanned")
        return res


_WORKER: _Batch | None = None


def _work(args: tuple[Sequence[FileEntry], frozenset[int]]) -> FileResult:
    assert _WORKER is not None
    return _WORKER.run(*args)


def _batches(entries: Sequence[FileEntry]) -> tuple[list[list[FileEntry]], frozenset[int]]:
    """Group by size so identical files land in the same batch (and worker cache)."""
    by_size: dict[int, list[FileEntry]] = {}
    for e in entries:
        by_size.setdefault(e.size, []).append(e)
    dup_sizes = frozenset(s for s, group in by_size.items() if len(group) > 1)
    batches: list[list[FileEntry]] = []
    cur: list[FileEntry] = []
    cur_bytes = 0
    for size in sorted(by_size, reverse=True):
        group = by_size[size]
        cur.extend(group)
        cur_bytes += size * (1 if size in dup_sizes else len(group))
        if cur_bytes >= BATCH_BYTES or len(cur) >= BATCH_FILES:
            batches.append(cur)
            cur, cur_bytes = [], 0
    if cur:
        batches.append(cur)
    return batches, dup_sizes


def scan_entries(engine: Engine, entries: Sequence[FileEntry], jobs: int, max_size: int,
                 on_progress: Callable[[int], object] | None = None,
                 archives: ArchiveLimits | None = None) -> Iterator[FileResult]:
    """Scan files, yielding one result per batch as it completes; `on_progress` gets file counts."""
    global _WORKER
    batches, dup_sizes = _batches(entries)
    total = sum(e.size for e in entries)
    if jobs <= 1 or len(batches) <= 1 or total < PARALLEL_MIN_BYTES or "fork" not in mp.get_all_start_methods():
        runner = _Batch(engine, max_size, archives)
        for b in batches:
            res = runner.run(b, dup_sizes)
            if on_progress:
                on_progress(len(b))
            yield res
        return
    # rule regexes are compiled lazily in each worker (in parallel, and only those its files need),
    # not all up front in this process while the workers wait
    _WORKER = _Batch(engine, max_size, archives)
    ctx = mp.get_context("fork")
    try:
        with ctx.Pool(processes=min(jobs, len(batches))) as pool:
            for res in pool.imap_unordered(_work, [(b, dup_sizes) for b in batches], chunksize=1):
                if on_progress:
                    on_progress(res.files_scanned + res.files_skipped)
                yield res
    finally:
        _WORKER = None


def scan_stdin(engine: Engine, stream: BinaryIO, max_size: int, warnings: list[str]) -> StreamResult:
    """Standard input as a stream: at most `max_size` bytes are read (an endless pipe stops there)."""
    res = scan_stream(engine.scan, "<stdin>", stream, max_size)
    if res.invalid_utf8:
        warnings.append("<stdin>: not valid UTF-8; scanned with replacement characters")
    if res.truncated:
        warnings.append(f"<stdin>: more than --max-file-size ({max_size} bytes); the first {max_size} bytes "
                        "were scanned, the rest was not read")
    return res


def cpu_jobs(requested: int) -> int:
    return requested if requested > 0 else (os.cpu_count() or 1)
