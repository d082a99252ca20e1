"""Filesystem source: read files, skip binary and oversize ones, scan each distinct content once,
in parallel over files (forked workers share the compiled engine)."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from scanner.config import ScanOptions
from scanner.engine import Engine
from scanner.iac import file_kind
from scanner.models import Finding
from scanner.sources.archives import ArchiveLimits, kind_of
from scanner.sources.artefacts import own_artefact
from scanner.sources.blobs import (
    SNIFF_BYTES,
    BlobScanner,
    Tally,
    archive_limits,
    decode_text,
    is_binary,
    scan_text,
    stream_into,
)
from scanner.sources.interface import Blob, Run, Skipped, SourceResult
from scanner.sources.walk import FileEntry, walk

__all__ = ["FileSource", "StdinSource", "decode_text", "is_binary", "scan_entries", "scan_text"]

log = logging.getLogger(__name__)

BATCH_BYTES = 4 * 1024 * 1024
BATCH_FILES = 256
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
STREAM_MIN_BYTES = 16 * 1024 * 1024  # larger files are read in windows, not whole (Terraform files excepted)


FileResult = SourceResult  # a batch of files' share of the result


class _Batch:
    """Scans a batch of files; identical contents (same size, same hash) are scanned once."""

    def __init__(self, engine: Engine, max_size: int, archives: ArchiveLimits | None = None) -> None:
        self.engine = engine
        self.max_size = max_size
        self.blobs = BlobScanner(engine, max_size, archives)
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
        tally = Tally()
        dropped_before = self.engine.checksum_dropped
        timed_before = self.engine.timed_out
        for e in entries:
            tally.findings.extend(self.engine.scan_path(e.path))
            if (e.size > self.max_size or e.size > STREAM_MIN_BYTES) and self._archive_file(e):
                self.whole(e, self.blobs.archives.max_bytes if self.blobs.archives else self.max_size, tally)
                continue
            if e.size > self.max_size:
                tally.skip(self.blobs.too_large(e.path, e.size))
                continue
            if e.size > STREAM_MIN_BYTES and file_kind(e.path) is None:
                self.stream(e, tally)
                continue
            data = self.read(e, self.max_size, tally)
            if data is None:
                continue
            if len(data) > self.max_size:
                tally.skip(Skipped(e.path, f"over --max-file-size ({self.max_size} bytes); skipped"))
                continue
            if is_binary(data) or own_artefact(data) is not None or (self.blobs.archives and kind_of(data)):
                self.blobs.content(Blob(e.path, data), tally)
                continue
            self.text(e, data, e.size in dup_sizes, tally)
        return tally.result(self.engine, dropped_before, timed_before)

    def text(self, e: FileEntry, data: bytes, maybe_dup: bool, tally: Tally) -> None:
        tally.scanned += 1
        digest = None
        if maybe_dup:
            digest = hashlib.blake2b(data, digest_size=16).digest()
            cached = self.cached(digest, e.path)
            if cached is not None:
                tally.findings.extend(replace(f, path=e.path) for f in cached)
                return
        tally.nbytes += len(data)
        found = scan_text(self.engine, e.path, decode_text(data, e.path, tally.warnings))
        if digest is not None:
            self.remember(digest, e.path, found)
        tally.findings.extend(found)

    @staticmethod
    def read(e: FileEntry, limit: int, tally: Tally) -> bytes | None:
        try:
            with open(e.real, "rb") as fh:
                return fh.read(limit + 1)
        except OSError as err:
            tally.skip(Skipped(e.path, f"cannot read: {err.strerror or err}", warning=True))
            return None

    def whole(self, e: FileEntry, limit: int, tally: Tally) -> None:
        """A file over the size limits that is an archive: read whole and opened."""
        data = self.read(e, limit, tally)
        if data is not None:
            self.blobs.content(Blob(e.path, data), tally)

    def _archive_file(self, e: FileEntry) -> bool:
        """A file too large to read whole that is an archive within the archive bound."""
        if self.blobs.archives is None or e.size > self.blobs.archives.max_bytes:
            return False
        try:
            with open(e.real, "rb") as fh:
                return kind_of(fh.read(512)) is not None
        except OSError:
            return False

    def stream(self, e: FileEntry, tally: Tally) -> None:
        """A large file, read and scanned window by window (memory stays near the window size)."""
        try:
            with open(e.real, "rb") as fh:
                if is_binary(fh.read(SNIFF_BYTES)):
                    tally.skip(Skipped(e.path, "binary file; skipped"))
                    return
                fh.seek(0)
                stream_into(self.engine, e.path, fh, self.max_size, tally)
        except OSError as err:
            tally.skip(Skipped(e.path, f"cannot read: {err.strerror or err}", warning=True))


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


@dataclass(frozen=True)
class StdinSource:
    """Standard input as a stream: at most --max-file-size bytes are read (an endless pipe stops there)."""

    def scan(self, engine: Engine, options: ScanOptions, run: Run) -> SourceResult:
        if run.stdin is None:
            return SourceResult()
        t0 = time.perf_counter()
        tally = Tally()
        dropped, timed = engine.checksum_dropped, engine.timed_out
        stream_into(engine, "<stdin>", run.stdin, options.max_file_size, tally, grew="more than")
        for w in tally.warnings:
            run.warning(w)
        return tally.result(engine, dropped, timed, time.perf_counter() - t0)


@dataclass(frozen=True)
class FileSource:
    """Files and folders: walked (excludes, symlinks), batched by size, scanned over worker processes."""

    paths: tuple[str, ...]

    def scan(self, engine: Engine, options: ScanOptions, run: Run) -> SourceResult:
        t0 = time.perf_counter()
        walk_warnings: list[str] = []

        def _warn(msg: str) -> None:
            walk_warnings.append(msg)
            run.warning(msg)

        entries = list(walk(self.paths, options.exclude, _warn, options.follow_symlinks))
        bar = run.progress(len(entries), sum(e.size for e in entries)) if run.progress else None
        total = SourceResult(warnings=tuple(walk_warnings))
        try:
            for res in scan_entries(engine, entries, options.workers, options.max_file_size,
                                    bar.update if bar is not None else None, archive_limits(options)):
                for w in res.warnings:
                    run.warning(w)
                total += res
        finally:
            if bar is not None:
                bar.close()
        return replace(total, seconds=time.perf_counter() - t0)


def cpu_jobs(requested: int) -> int:
    return requested if requested > 0 else (os.cpu_count() or 1)
