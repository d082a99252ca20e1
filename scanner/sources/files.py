"""Filesystem source: read files, skip binary and oversize ones, scan each distinct content once,
in parallel over files (forked workers share the compiled engine)."""

from __future__ import annotations

import collections
import hashlib
import itertools
import logging
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

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
    decode_utf8,
    is_binary,
    scan_text,
    stream_into,
)
from scanner.sources.interface import Blob, Progress, Run, Skipped, SourceResult
from scanner.sources.walk import FileEntry, walk

__all__ = ["FileSource", "StdinSource", "decode_text", "is_binary", "scan_entries", "scan_text"]

log = logging.getLogger(__name__)

BATCH_BYTES = 4 * 1024 * 1024
BATCH_FILES = 256
WINDOW_FILES = 20_000  # entries walked ahead and grouped by size at a time
FIRST_WINDOW_BYTES = 32 * 1024 * 1024  # the first window ends here too: workers start once it is walked
IN_FLIGHT_PER_WORKER = 3  # batches handed out and not yet collected, per worker
CACHE_ENTRIES = 50_000  # contents remembered per worker for duplicate files, then forgotten
HEAD_BYTES = 4096  # read to tell apart files of one size when many share it
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
        self.first_sig: dict[bytes, tuple[bool, ...]] = {}  # the first path's signature, once worked out

    def cached(self, digest: bytes, path: str) -> list[Finding] | None:
        """Findings of an identical file already scanned whose path does not change the result."""
        seen = self.first.get(digest)
        if seen is None:
            return None
        if digest not in self.first_sig:  # (a path signature costs ~20 us: once per content, not per copy)
            first_path, first_found = seen
            sig = self.first_sig[digest] = self.engine.path_signature(first_path)
            self.cache.setdefault((digest, sig), first_found)
        return self.cache.get((digest, self.engine.path_signature(path)))

    def remember(self, digest: bytes, path: str, found: list[Finding]) -> None:
        if len(self.first) >= CACHE_ENTRIES:  # a worker lives for the whole walk: its memory must not grow with it
            self.first.clear()
            self.cache.clear()
            self.first_sig.clear()
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
        text, utf8 = decode_utf8(data, e.path, tally.warnings)
        found = scan_text(self.engine, e.path, text, utf8=utf8)
        if digest is not None:
            self.remember(digest, e.path, found)
        tally.findings.extend(found)

    @staticmethod
    def read(e: FileEntry, limit: int, tally: Tally) -> bytes | None:
        try:
            return read_upto(e.real, limit + 1, e.size)
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


def read_upto(path: str, most: int, size: int) -> bytes:
    """At most `most` bytes of a file, read with one system call in the usual case: the size the
    walk saw plus one byte is asked for; when that is exactly what comes back, the file is read. A
    file that has grown since (or says size 0, as /proc does) or a short read goes on being read to
    its end or `most`. A buffered `open().read(most)` sets up a buffer of `most` bytes for a file of
    any size; this costs about half as much per small file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        first = os.read(fd, max(0, min(most, size + 1)))
        if len(first) == size or len(first) >= most:
            return first
        parts, got = [first], len(first)
        while got < most:
            piece = os.read(fd, min(most - got, 1 << 20))
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
        return b"".join(parts)
    finally:
        os.close(fd)


_WORKER: _Batch | None = None


def _work(args: tuple[Sequence[FileEntry], frozenset[int]]) -> FileResult:
    assert _WORKER is not None
    return _WORKER.run(*args)


def _batches(entries: Sequence[FileEntry]) -> tuple[list[list[FileEntry]], frozenset[int]]:
    """Group by size so identical files land in the same batch (and worker cache). A size shared by
    many different files (fixed-size data, generated chunks) is split by the files' first bytes, so
    it does not become one batch that a single worker scans alone."""
    by_size: dict[int, list[FileEntry]] = {}
    for e in entries:
        by_size.setdefault(e.size, []).append(e)
    dup_sizes = frozenset(s for s, group in by_size.items() if len(group) > 1)
    batches: list[list[FileEntry]] = []
    cur: list[FileEntry] = []
    cur_bytes = 0
    for size in sorted(by_size, reverse=True):
        for group in _alike(by_size[size], size):
            cur.extend(group)
            cur_bytes += size * (1 if size in dup_sizes else len(group))
            if cur_bytes >= BATCH_BYTES or len(cur) >= BATCH_FILES:
                batches.append(cur)
                cur, cur_bytes = [], 0
    if cur:
        batches.append(cur)
    return batches, dup_sizes


def _alike(group: list[FileEntry], size: int) -> list[list[FileEntry]]:
    """Files of one size that may be identical: all of them while they are little to read; above
    that, sub-groups by a digest of their first bytes (files that differ there differ)."""
    if len(group) < 2 or size * len(group) <= BATCH_BYTES:
        return [group]
    heads: dict[bytes, list[FileEntry]] = {}
    for e in group:
        try:
            with open(e.real, "rb") as fh:
                key = hashlib.blake2b(fh.read(HEAD_BYTES), digest_size=16).digest()
        except OSError:
            key = b""  # the batch reports why it cannot be read
        heads.setdefault(key, []).append(e)
    return list(heads.values())


def scan_entries(engine: Engine, entries: Iterable[FileEntry], jobs: int, max_size: int,
                 on_progress: Callable[[int], object] | None = None,
                 archives: ArchiveLimits | None = None,
                 on_start: Callable[[int | None, int | None], object] | None = None) -> Iterator[FileResult]:
    """Scan files as the walk yields them, one result per batch as it completes; memory stays bounded
    whatever the number of files (a window of entries at a time, a few batches in flight).
    `on_start` gets the number of files and bytes when the walk ended within the first window, else
    (None, None); `on_progress` gets file counts."""
    global _WORKER
    it = iter(entries)
    first, complete = _first_window(it)
    first_bytes = sum(e.size for e in first)
    if on_start is not None:
        on_start(len(first) if complete else None, first_bytes if complete else None)
    first_batches = _batches(first)
    grouped = itertools.chain([first_batches], map(_batches, _windows_of(it)))
    small = complete and (first_bytes < PARALLEL_MIN_BYTES or len(first_batches[0]) <= 1)
    if jobs <= 1 or small or "fork" not in mp.get_all_start_methods():
        runner = _Batch(engine, max_size, archives)
        for batches, dup_sizes in grouped:
            for b in batches:
                res = runner.run(b, dup_sizes)
                if on_progress:
                    on_progress(len(b))
                yield res
        return
    # rule regexes are compiled lazily in each worker (in parallel, and only those its files need),
    # not all up front in this process while the workers wait; workers are forked before the walk goes
    # on, so they do not inherit its memory
    _WORKER = _Batch(engine, max_size, archives)
    ctx = mp.get_context("fork")
    try:
        with ctx.Pool(processes=jobs) as pool:
            pending: collections.deque[Any] = collections.deque()
            for batches, dup_sizes in grouped:
                for b in batches:
                    pending.append(pool.apply_async(_work, ((b, dup_sizes),)))
                    while len(pending) >= IN_FLIGHT_PER_WORKER * jobs:
                        yield _collect(pending.popleft().get(), on_progress)
            while pending:
                yield _collect(pending.popleft().get(), on_progress)
    finally:
        _WORKER = None


def _collect(res: FileResult, on_progress: Callable[[int], object] | None) -> FileResult:
    if on_progress:
        on_progress(res.files_scanned + res.files_skipped)
    return res


def _first_window(entries: Iterator[FileEntry]) -> tuple[list[FileEntry], bool]:
    """The first window of the walk, and whether the walk ended within it. It is cut at
    FIRST_WINDOW_BYTES as well as WINDOW_FILES: the workers wait for it (a real tree of 20k files
    takes 0.17 s to walk, one core idle), and 32 MB is enough to tell a scan worth parallel workers."""
    first: list[FileEntry] = []
    nbytes = 0
    for e in entries:
        first.append(e)
        nbytes += e.size
        if len(first) >= WINDOW_FILES or nbytes >= FIRST_WINDOW_BYTES:
            return first, False
    return first, True


def _windows_of(entries: Iterator[FileEntry]) -> Iterator[list[FileEntry]]:
    """The walk in windows of WINDOW_FILES entries: identical files within a window (grouped by size)
    are scanned once; the window bounds what is held at a time."""
    while True:
        window = list(itertools.islice(entries, WINDOW_FILES))
        if not window:
            return
        yield window


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
        bars: list[Progress] = []

        def _warn(msg: str) -> None:
            walk_warnings.append(msg)
            run.warning(msg)

        def _start(files: int | None, nbytes: int | None) -> None:
            made = run.progress(files, nbytes or 0) if run.progress else None
            if made is not None:
                bars.append(made)

        def results() -> Iterator[SourceResult]:
            for res in scan_entries(engine, walk(self.paths, options.exclude, _warn, options.follow_symlinks),
                                    options.workers, options.max_file_size, lambda n: [b.update(n) for b in bars],
                                    archive_limits(options), _start):
                for w in res.warnings:
                    run.warning(w)
                yield res

        try:
            total = SourceResult.total(results())
        finally:
            for b in bars:
                b.close()
        return replace(total, warnings=tuple(walk_warnings) + total.warnings, seconds=time.perf_counter() - t0)


def cpu_jobs(requested: int) -> int:
    return requested if requested > 0 else (os.cpu_count() or 1)
