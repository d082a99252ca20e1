"""The library face: build an engine from config and scan targets into findings."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from scanner.config import FileConfig, ScanOptions
from scanner.engine import Engine
from scanner.models import Finding, Rule
from scanner.rules import merge_rules
from scanner.sources.archives import ArchiveLimits
from scanner.sources.files import FileResult, scan_entries, scan_stdin
from scanner.sources.walk import FileEntry, walk

log = logging.getLogger(__name__)


class Progress(Protocol):
    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


def _scan_files(engine: Engine, entries: Sequence[FileEntry], options: ScanOptions,
                tick: Callable[[int], object] | None) -> Iterator[FileResult]:
    limits = (ArchiveLimits(depth=options.archive_depth, max_bytes=options.archive_max_bytes)
              if options.archives else None)
    yield from scan_entries(engine, entries, options.workers, options.max_file_size, tick, limits)


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    files_scanned: int = 0
    files_skipped: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0
    warnings: tuple[str, ...] = field(default=())
    checksum_dropped: int = 0
    timed_out: int = 0  # rule searches that ran out of their time budget


def ruleset(config: FileConfig | None = None) -> list[Rule]:
    from scanner.rulecache import cached_builtin_rules  # parsing the pack's TOML costs more than start-up

    cfg = config or FileConfig()
    return merge_rules(cached_builtin_rules(), cfg.rules, cfg.disabled_rules)


def catalogue(config: FileConfig | None = None) -> list[Rule]:
    """Every rule a scan can report: the engine's, plus the structure-aware Terraform rules."""
    from scanner.iac.rules import IAC_RULES

    cfg = config or FileConfig()
    off = set(cfg.disabled_rules)
    return ruleset(cfg) + [r for r in IAC_RULES if r.id not in off]


def build_engine(config: FileConfig | None = None, options: ScanOptions | None = None) -> Engine:
    from scanner.prepare import build_engine as build

    return build(config or FileConfig(), (options or ScanOptions()).decode)


def sort_findings(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.path, f.commit or "", f.line, f.column, f.rule_id)))


def scan(targets: Sequence[str], engine: Engine, options: ScanOptions,
         warn: Callable[[str], None] | None = None, stdin: BinaryIO | None = None,
         progress: Callable[[int, int], Progress | None] | None = None) -> ScanResult:
    """Scan files, folders and '-' (stdin). Warnings go to `warn` and into the result."""
    t0 = time.perf_counter()
    warnings: list[str] = []

    def _warn(msg: str) -> None:
        warnings.append(msg)
        if warn:
            warn(msg)

    findings: list[Finding] = []
    scanned = skipped = nbytes = 0
    before_stdin = engine.checksum_dropped
    timed_before = engine.timed_out
    paths = [t for t in targets if t != "-"]
    if len(paths) != len(targets) and stdin is not None:
        stdin_warnings: list[str] = []
        piped = scan_stdin(engine, stdin, options.max_file_size, stdin_warnings)
        for w in stdin_warnings:
            _warn(w)
        findings.extend(piped.findings)
        scanned += 1
        nbytes += piped.bytes_read
    dropped = engine.checksum_dropped - before_stdin  # batches (here or in workers) report their own
    timed = engine.timed_out - timed_before
    entries = list(walk(paths, options.exclude, _warn, options.follow_symlinks))
    bar = progress(len(entries), sum(e.size for e in entries)) if progress else None
    tick = bar.update if bar is not None else None
    try:
        results = list(_scan_files(engine, entries, options, tick))
    finally:
        if bar is not None:
            bar.close()
    for res in results:
        findings.extend(res.findings)
        for w in res.warnings:
            _warn(w)
        for n in res.notes:
            log.info("%s", n)
        scanned += res.files_scanned
        skipped += res.files_skipped
        nbytes += res.bytes_scanned
        dropped += res.checksum_dropped
        timed += res.timed_out
    return ScanResult(sort_findings(findings), scanned, skipped, nbytes, time.perf_counter() - t0,
                      tuple(warnings), dropped, timed)
