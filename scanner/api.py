"""The library face: build an engine from config and scan targets into findings."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import BinaryIO

from scanner.config import FileConfig, ScanOptions
from scanner.engine import Engine
from scanner.models import Finding, Rule
from scanner.rules import merge_rules
from scanner.sources.files import FileSource
from scanner.sources.interface import Progress, ProgressFactory, Run, SourceResult, sources_for

log = logging.getLogger(__name__)
__all__ = ["Progress", "ScanResult", "build_engine", "catalogue", "ruleset", "scan", "sort_findings"]


ScanResult = SourceResult  # what a scan of any targets gives back


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
         progress: ProgressFactory | None = None, endpoint_url: str | None = None) -> ScanResult:
    """Scan targets — files, folders, '-' (stdin), s3://bucket/prefix — each through its source.
    Warnings go to `warn` as they happen and into the result; notes are logged."""
    t0 = time.perf_counter()
    run = Run(warn, progress, stdin, endpoint_url)
    total = SourceResult.total(source.scan(engine, options, run)
                               for source in sources_for(targets, lambda paths: FileSource(tuple(paths))))
    for n in total.notes:
        log.info("%s", n)
    return replace(total, findings=sort_findings(total.findings), seconds=time.perf_counter() - t0)
