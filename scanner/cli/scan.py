"""`keysweep scan [PATH ...]`: files, folders, and '-' for stdin."""

from __future__ import annotations

import os
import sys

import click

from scanner.cli import EXIT_USAGE
from scanner.cli.common import (
    Finish,
    content_options,
    finding_options,
    finish,
    output_options,
    progress_factory,
    setup,
    warn_line,
)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@output_options
@finding_options
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@content_options
@click.option("--endpoint-url", default=None, metavar="URL",
              help="S3 endpoint for s3:// targets (default: boto3's own, e.g. AWS_ENDPOINT_URL).")
def scan(paths: tuple[str, ...], fmt: str, output: str | None, redact: bool, show_secrets: bool,
         config_path: str | None, baseline_path: str | None, verify: bool, only_verified: bool,
         min_confidence: str, jobs: int, no_progress: bool, verbose: int, exclude: tuple[str, ...],
         max_file_size: str | None, no_decode: bool, no_archives: bool, archive_depth: int,
         archive_max_bytes: str, endpoint_url: str | None) -> int:
    """Scan files and folders (default: the current folder); '-' reads stdin; s3://BUCKET/PREFIX reads
    the objects under a prefix."""
    from scanner import api
    from scanner.prepare import Overrides, prepare

    setup(verbose)
    targets = list(paths) or ["."]
    prepared = prepare(targets, Overrides(config_path, tuple(exclude), max_file_size, jobs, not no_decode,
                                          not no_archives, archive_depth, archive_max_bytes), warn_line)
    trusted, options, engine = prepared.trusted, prepared.options, prepared.engine
    if not any(t == "-" or t.startswith("s3://") or os.path.lexists(t) for t in targets):
        click.echo(f"keysweep: error: no such file or folder: {', '.join(targets)}", err=True)
        return EXIT_USAGE
    result = api.scan(targets, engine, options, warn=warn_line, stdin=sys.stdin.buffer,
                      progress=progress_factory(no_progress), endpoint_url=endpoint_url)
    how = Finish(fmt, output, redact, show_secrets, baseline_path, verify, only_verified, min_confidence,
                 trusted.suppressions)
    stats = {"files_scanned": result.files_scanned, "bytes_scanned": result.bytes_scanned,
             "seconds": result.seconds, "checksum_dropped": result.checksum_dropped,
             "timed_out": result.timed_out, "warnings": result.warnings}
    return finish(result.findings, how, engine.rules, stats)
