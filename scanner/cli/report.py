"""`keysweep report`: render findings from the sweep store or a findings file (HTML by default)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from scanner.cli import EXIT_OK
from scanner.cli.common import confidence_option, setup, verbose_option
from scanner.cli.sweep_common import (
    REPORT_FORMATS,
    context,
    emit,
    open_store,
    render,
    store_options,
)
from scanner.engine.confidence import shown

if TYPE_CHECKING:
    from scanner.models import Finding


@click.command()
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE (default: stdout).")
@click.option("--findings", "findings_files", multiple=True, type=click.Path(dir_okay=False),
              help="Report this findings file (`keysweep scan|git --format json`) instead of the store "
                   "(repeatable).")
@store_options
@click.option("--all", "include_resolved", is_flag=True, help="Store: include resolved findings too.")
@click.option("--changes", is_flag=True,
              help="Store: the secrets whose verdict changed (turned valid or invalid) in the latest run "
                   "that changed any, or since --since.")
@click.option("--since", metavar="WHEN", help="With --changes: every change since this UTC time (2026-12-01, "
                                               "2026-12-01T08:00:00Z).")
@click.option("--iam-report", "iam_file", type=click.Path(dir_okay=False),
              help="`keysweep iam report --format json` output: owners and ages of live leaked keys.")
@confidence_option
@verbose_option
def report(fmt: str, output: str | None, findings_files: tuple[str, ...], store_path: str | None,
           lock_timeout: float, include_resolved: bool, changes: bool, since: str | None, iam_file: str | None,
           min_confidence: str, verbose: int) -> int:
    """Report findings from the sweep store (open ones unless --all) or from findings files.

    Secrets are always masked: the store keeps only their hash and a mask. Exit codes: 0 the report
    was written (whatever it holds), 2 bad input, 3 the store cannot be read."""
    from scanner.exposure import load_iam_report

    setup(verbose)
    if since and not changes:
        raise click.UsageError("--since goes with --changes")
    findings: list[Finding]
    if findings_files:
        from scanner.report.json import load_findings

        findings = [f for path in findings_files for f in load_findings(path)]
        source = ", ".join(findings_files)
    elif changes:
        findings, source = _changes(store_path, lock_timeout, since)
    else:
        findings, source = _from_store(store_path, lock_timeout, include_resolved)
    iam = load_iam_report(iam_file) if iam_file else []
    findings, hidden = shown(findings, min_confidence)
    ctx = context(source, iam, hidden, min_confidence)
    emit(render(fmt, findings, ctx), output)
    if output:
        from scanner.report.text import distinct_secrets, summary

        click.echo(f"keysweep: {summary(findings, ctx, distinct_secrets(findings))} Report written to {output}.",
                   err=True)
    return EXIT_OK


def _from_store(path: str | None, lock_timeout: float, include_resolved: bool) -> tuple[list[Finding], str]:
    from scanner.errors import ConfigError
    from scanner.store import OccurrenceQuery, to_finding

    store = open_store(path, lock_timeout, create=False)
    if store is None:
        raise ConfigError("no sweep store yet: run `keysweep sweep` first, or give --store or --findings")
    with store:
        occurrences = store.occurrences(OccurrenceQuery(open_only=not include_resolved))
        return [to_finding(o) for o in occurrences], f"store {store.path}"


def _changes(path: str | None, lock_timeout: float, since: str | None) -> tuple[list[Finding], str]:
    from dataclasses import replace

    from scanner.errors import ConfigError
    from scanner.store import OccurrenceQuery, to_finding

    store = open_store(path, lock_timeout, create=False)
    if store is None:
        raise ConfigError("no sweep store yet: run `keysweep sweep` first, or give --store")
    with store:
        run = None if since else store.last_run_with_changes()
        events = store.verification_changes(run, since) if (run is not None or since) else []
        first: dict[str, Finding] = {}
        for o in store.occurrences(OccurrenceQuery(fingerprints=[e.fingerprint for e in events])):
            first.setdefault(o.secret.fingerprint, to_finding(o))
        out = []
        for e in events:
            if e.fingerprint in first:
                f = first[e.fingerprint]
                out.append(replace(f, extra={**f.extra, "previous_status": e.before or "not_checked",
                                             "changed_at": e.at, "status": "changed"}))
        where = f"since {since}" if since else (f"run {run}" if run is not None else "no run changed any")
        return out, f"store {store.path}, verdict changes ({where})"
