"""`keysweep image PATH|-`: a docker-save tarball or an OCI image layout, every layer and the config."""

from __future__ import annotations

import os
import sys

import click

from scanner.cli import EXIT_USAGE
from scanner.cli.common import Finish, content_options, finding_options, finish, output_options, setup, warn_line


@click.command()
@click.argument("target", metavar="PATH|-")
@output_options
@finding_options
@content_options
def image(target: str, fmt: str, output: str | None, redact: bool, show_secrets: bool, config_path: str | None,
          baseline_path: str | None, verify: bool, only_verified: bool, min_confidence: str, jobs: int,
          no_progress: bool, verbose: int, max_file_size: str | None, no_decode: bool, no_archives: bool,
          archive_depth: int, archive_max_bytes: str) -> int:
    """Scan a container image: a `docker save` tarball, an OCI image layout (folder or tar), or '-' for
    a tarball on stdin. Files that later layers delete or replace are scanned too (present_in_final
    says which), and so is the config (Env, Cmd, Entrypoint, Labels, history)."""
    from scanner.prepare import Overrides, prepare
    from scanner.sources.image import ImageError, ImageSource
    from scanner.sources.interface import Run

    setup(verbose)
    if target != "-" and not os.path.lexists(target):
        click.echo(f"keysweep: error: no such file or folder: {target}", err=True)
        return EXIT_USAGE
    prepared = prepare([target] if target != "-" else [], Overrides(
        config_path, (), max_file_size, jobs, not no_decode, not no_archives, archive_depth, archive_max_bytes),
        warn_line)
    try:
        result = ImageSource(target).scan(prepared.engine, prepared.options, Run(warn_line, None, sys.stdin.buffer))
    except ImageError as e:
        click.echo(f"keysweep: error: {'<stdin>' if target == '-' else target}: {e}", err=True)
        return EXIT_USAGE
    for n in result.notes:
        import logging

        logging.getLogger("scanner.sources.image").info("%s", n)
    from scanner.api import sort_findings

    how = Finish(fmt, output, redact, show_secrets, baseline_path, verify, only_verified, min_confidence,
                 prepared.trusted.suppressions)
    stats = {"files_scanned": result.files_scanned, "bytes_scanned": result.bytes_scanned,
             "seconds": result.seconds, "checksum_dropped": result.checksum_dropped, "timed_out": result.timed_out,
             "warnings": result.warnings}
    return finish(sort_findings(result.findings), how, prepared.engine.rules, stats)
