"""`keysweep exposure KEY [PATH ...]`: everything known about one credential, for incident response."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from scanner.cli import EXIT_FINDINGS, EXIT_OK
from scanner.cli.common import setup, verbose_option, warn_line
from scanner.cli.sweep_common import emit, open_store, store_options

if TYPE_CHECKING:
    from scanner.exposure import Exposure, KeyQuery
    from scanner.models import Finding


@click.command()
@click.argument("args", nargs=-1, metavar="KEY [PATH]...")
@click.option("--secret-file", type=click.Path(dir_okay=False),
              help="Read the secret itself from FILE (then every argument is a PATH).")
@store_options
@click.option("--iam-report", "iam_file", type=click.Path(dir_okay=False),
              help="`keysweep iam report --format json` output, for the key's IAM record.")
@click.option("--live", is_flag=True, help="Read the key's IAM record from AWS now (standard credential chain).")
@click.option("--profile", help="With --live: AWS profile.")
@click.option("--region", help="With --live: AWS region for STS.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@verbose_option
def exposure(args: tuple[str, ...], secret_file: str | None, store_path: str | None, lock_timeout: float,
             iam_file: str | None, live: bool, profile: str | None, region: str | None, fmt: str,
             output: str | None, verbose: int) -> int:
    """Where a credential appears and what it can still do.

    KEY is an AWS access key id or a fingerprint (rule:20 hex, as in reports and baselines), or '-'
    to read the secret itself from stdin. A secret is never taken from the command line and never
    printed: it is hashed at once. Every place it appears in the sweep store is listed, and PATHs
    (repositories, whose whole history is read, or files and folders) are scanned now.

    Exit codes: 0 not found anywhere, 1 found, 2 bad input, 3 the store cannot be read."""
    from scanner.exposure import build, parse_query, render_text

    setup(verbose)
    key, paths = (None, list(args)) if secret_file else (args[0] if args else None, list(args[1:]))
    secret = _read_secret(secret_file, key)
    query = parse_query(None if secret is not None else key, secret)
    del secret
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stored, own = _from_store(query, store_path, lock_timeout)
    scanned = _scan_now(paths)
    iam = _iam_records(iam_file)
    result = build(query, stored, scanned, own, iam, now)
    if live and result.key_ids:
        result = replace(result, iam=tuple(_live_records(result, profile, region)))
    if fmt == "json":
        import json

        emit(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", output)
    else:
        emit(render_text(result), output)
    return EXIT_FINDINGS if result.found else EXIT_OK


def _read_secret(secret_file: str | None, key: str | None) -> str | None:
    from scanner.errors import ConfigError

    if secret_file:
        try:
            with open(secret_file, encoding="utf-8") as fh:
                return fh.read()
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{secret_file}: cannot read the secret ({e})") from e
    if key == "-":
        return sys.stdin.read()
    return None


def _from_store(q: KeyQuery, path: str | None, lock_timeout: float) -> tuple[list[Any], list[str]]:
    from scanner.store import OccurrenceQuery

    store = open_store(path, lock_timeout, create=False)
    if store is None:
        return [], []
    with store:
        own = store.fingerprints_for(hash20=q.hash20, public_id=q.key_id, with_linked=False)
        fps = store.fingerprints_for(hash20=q.hash20, public_id=q.key_id)
        return store.occurrences(OccurrenceQuery(fingerprints=fps)), own


def _scan_now(paths: Sequence[str]) -> list[Finding]:
    """Repositories: their whole history; anything else: the files as they are."""
    if not paths:
        return []
    from pathlib import Path

    from scanner import api
    from scanner.errors import ConfigError
    from scanner.prepare import prepare
    from scanner.sweep.gitutil import is_repository
    from scanner.sweep.history import scan_history

    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    prepared = prepare(list(paths), warn=warn_line)
    engine, options = prepared.engine, prepared.options
    found: list[Finding] = []
    repos = [p for p in paths if is_repository(p)]
    for repo in repos:
        where = str(Path(repo).resolve())
        found += [replace(f, extra={**f.extra, "repository": where})
                  for f in scan_history(Path(repo), engine, ()).findings]
    others = [p for p in paths if p not in repos]
    if others:
        found += api.scan(others, engine, options, warn=warn_line).findings
    return prepared.finish(found)


def _iam_records(path: str | None) -> list[Mapping[str, Any]]:
    if not path:
        return []
    from scanner.exposure import load_iam_report

    return load_iam_report(path)


def _live_records(x: Exposure, profile: str | None, region: str | None) -> list[dict[str, Any]]:
    """The key's record from a live IAM inventory, joined with where it leaked."""
    from scanner.cloud.aws_iam import AwsOptions, collect_inventories
    from scanner.cloud.crosscheck import CrosscheckOptions, crosscheck
    from scanner.engine import fingerprint
    from scanner.models import Finding, Severity

    leaks = [Finding(rule_id="aws-access-key-id", description="", severity=Severity.HIGH, path=s.path, line=s.line,
                     end_line=s.line, column=1, end_column=1, secret=kid, match=kid, fingerprint=s.fingerprint,
                     entropy=0.0, commit=s.commit, author_email=s.author_email, date=s.date)
             for kid in x.key_ids for s in x.sightings if s.fingerprint == fingerprint("aws-access-key-id", kid)]
    inventories = collect_inventories(AwsOptions(profile=profile, region=region))
    report = crosscheck(inventories, leaks, None, CrosscheckOptions(now=datetime.now(UTC)))
    return [c.to_dict() for c in report.credentials if c.access_key_id in x.key_ids]
