"""`keysweep sweep TARGET...`: sweep many repositories, remembering what was seen in the store."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner.cli import EXIT_FINDINGS, EXIT_OK, EXIT_RUNTIME
from scanner.cli.common import (
    bar,
    confidence_option,
    is_quiet,
    no_progress_option,
    progress_wanted,
    setup,
    verbose_option,
    verify_settings,
    verify_timeout_option,
)
from scanner.cli.sweep_common import (
    REPORT_FORMATS,
    context,
    emit,
    engine_spec,
    local_repositories,
    open_store,
    render,
    store_options,
)
from scanner.engine.confidence import shown

if TYPE_CHECKING:
    from scanner.models import Finding
    from scanner.store import RepoOutcome, StoredOccurrence
    from scanner.sweep import SweepResult


@click.command()
@click.argument("targets", nargs=-1)
@click.option("--repos", "repos_file", type=click.Path(dir_okay=False),
              help="File listing repository paths or clone URLs, one a line ('#' comments).")
@store_options
@click.option("--new-only", is_flag=True,
              help="Report only what appeared since the previous sweep; exit 1 only when something did.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Repositories swept in parallel (default: all cores).")
@click.option("--dask-scheduler", metavar="ADDRESS",
              help="Run each repository as a task on this Dask scheduler (e.g. tcp://10.0.0.5:8786).")
@click.option("--full", is_flag=True, help="Sweep every commit again, ignoring what the store remembers.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (default: .keysweep.toml in the current folder; never one from a swept "
                   "repository unless --trust-repo-config).")
@click.option("--trust-repo-config", is_flag=True,
              help="Use .keysweep.toml in the current folder even when it lies inside a swept repository.")
@click.option("--verify", is_flag=True, help="Ask each new secret's provider whether it is live.")
@verify_timeout_option
@click.option("--revalidate", is_flag=True,
              help="Do not sweep: ask the providers again about every secret in the store (open, removed from "
                   "HEAD or rejected before), read back from where it was seen; record each change.")
@click.option("--older-than", metavar="AGE", default=None,
              help="With --revalidate: only secrets last checked longer ago than AGE (30m, 12h, 7d, 2w).")
@click.option("--iam-report", "iam_file", type=click.Path(dir_okay=False),
              help="`keysweep iam report --format json`: keys it lists as Inactive or Deleted are resolved.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--clone-dir", type=click.Path(file_okay=False),
              help="Where clone URLs are mirrored (default: 'clones' beside the store).")
@click.option("--clone-timeout", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Seconds allowed for one clone or fetch.")
@confidence_option
@no_progress_option
@verbose_option
def sweep(targets: tuple[str, ...], repos_file: str | None, store_path: str | None, lock_timeout: float,
          new_only: bool, jobs: int, dask_scheduler: str | None, full: bool, config_path: str | None,
          trust_repo_config: bool, verify: bool, revalidate: bool, older_than: str | None,
          iam_file: str | None, fmt: str, output: str | None, clone_dir: str | None, clone_timeout: float,
          min_confidence: str, verbose: int) -> int:
    """Sweep the history of many repositories: paths, folders of repositories, clone URLs.

    Each sweep is recorded in the store; the next one scans only commits it has not seen, and
    --new-only reports only what appeared since. Without it, every open finding is reported
    (resolved ones, no longer at HEAD or deactivated, are left out). Secrets are always masked.

    Exit codes: 0 nothing to report, 1 findings (with --new-only: new ones), 2 usage error,
    3 no repository could be swept or the store is unusable. A repository that cannot be reached
    is one line on stderr; the others are swept."""
    from scanner import __version__
    from scanner.errors import ConfigError
    from scanner.sweep import SweepOptions, read_repos_file, resolve
    from scanner.sweep import sweep as run_sweep

    setup(verbose)
    args = list(targets) + (read_repos_file(repos_file) if repos_file else [])
    if older_than and not revalidate:
        raise click.UsageError("--older-than goes with --revalidate")
    if revalidate:
        return _revalidate(args, store_path, lock_timeout, config_path, older_than, new_only, fmt, output,
                           clone_dir, min_confidence, trust_repo_config)
    if not args:
        raise click.UsageError("give repositories to sweep: paths, folders of repositories, URLs, or --repos FILE")
    statuses = _key_statuses(iam_file) if iam_file else {}
    store = open_store(store_path, lock_timeout, create=True)
    assert store is not None
    with store:
        repos, problems = resolve(args, store.repositories())
        for p in problems:
            _say(p)
        if not repos:
            raise ConfigError("nothing to sweep: " + "; ".join(problems))
        options = SweepOptions(jobs=jobs, dask_scheduler=dask_scheduler, full=full, clone_root=clone_dir or "",
                               clone_timeout=clone_timeout)
        spec = engine_spec(config_path, [] if trust_repo_config else
                            [r.location for r in repos if not r.is_url])
        with _Tracker(len(repos)) as tell:
            result = run_sweep(store, repos, spec, options, verify=_verifier(spec) if verify else None,
                               on_outcome=tell, tool_version=__version__, key_status=statuses)
        reported = result.new if new_only else result.open
        findings, hidden = shown(_as_findings(reported, result.run_id, fmt), min_confidence)
        emit(render(fmt, findings, context(f"store {store.path}, run {result.run_id}", (), hidden, min_confidence,
                                           _nothing_found(result, new_only))), output)
    if not is_quiet():
        _summary(result)
    if result.status == "failed":
        return EXIT_RUNTIME
    return EXIT_FINDINGS if findings else EXIT_OK


def _revalidate(args: list[str], store_path: str | None, lock_timeout: float, config_path: str | None,
                older_than: str | None, new_only: bool, fmt: str, output: str | None, clone_dir: str | None,
                min_confidence: str, trust_repo_config: bool) -> int:
    from datetime import UTC, datetime

    from scanner import __version__
    from scanner.errors import ConfigError
    from scanner.models import VerificationStatus
    from scanner.sweep import resolve
    from scanner.sweep.revalidate import parse_age, reported, revalidate

    try:
        age = parse_age(older_than) if older_than else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--older-than") from e
    store = open_store(store_path, lock_timeout, create=False)
    if store is None:
        raise ConfigError("no sweep store yet: run `keysweep sweep` first, or give --store")
    with store:
        repos = None
        if args:
            targets, problems = resolve(args, store.repositories())
            for p in problems:
                _say(p)
            repos = [t.location for t in targets]
        spec = engine_spec(config_path, [] if trust_repo_config else local_repositories(store))
        result = revalidate(store, spec, _verifier(spec), clone_dir or str(store.path.parent / "clones"), age,
                            datetime.now(UTC), repos, __version__)
        findings, hidden = shown(reported(result.checked, result.changes, new_only), min_confidence)
        empty = ("No secret changed status." if new_only else "No secret in the store was due for a check.")
        emit(render(fmt, findings, context(f"store {store.path}, run {result.run_id}", (), hidden, min_confidence,
                                           empty)), output)
    for line in result.problems:
        _say(line)
    if not is_quiet():
        counts: dict[str, int] = {}
        for _, v in result.checked:
            counts[v.status.value] = counts.get(v.status.value, 0) + 1
        turned = {after: sum(1 for c in result.changes if c.after == after) for after in ("valid", "invalid")}
        recent = f"; {result.skipped_recent} checked more recently, left alone" if result.skipped_recent else ""
        _say(f"revalidation #{result.run_id}: {len(result.checked)} secrets checked ("
             + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none")
             + f"); {turned['valid']} turned valid, {turned['invalid']} turned invalid{recent}")
    live = any(f.verification and f.verification.status is VerificationStatus.VALID for f in findings)
    return EXIT_FINDINGS if live else EXIT_OK


def _verifier(spec: Any) -> Any:
    """Verification of new findings, one request per distinct secret over the whole sweep."""
    from scanner.verify import OutcomeCache, verify_findings

    settings = verify_settings()
    cache = OutcomeCache()
    return lambda findings: verify_findings(findings, settings, spec.get().rules, cache=cache)


def _key_statuses(path: str) -> Mapping[str, str]:
    from scanner.exposure import load_iam_report

    return {str(c["access_key_id"]): str(c.get("status") or "Unknown") for c in load_iam_report(path)}


def _say(line: str) -> None:
    click.echo(f"keysweep: {line}", err=True)


class _Tracker:
    """Says each repository that could not be swept; on a terminal, a bar of repositories done and
    findings so far (the error lines are written above the bar, not through it)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None
        self.findings = 0

    def __enter__(self) -> _Tracker:
        if progress_wanted() and self.total > 1:
            self.bar = bar(self.total, "repo", "sweep")
        return self

    def __exit__(self, *_: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, o: RepoOutcome) -> None:
        if o.status in ("error", "missing"):
            line = f"keysweep: {o.location}: {o.error}"
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                click.echo(line, err=True)
        self.findings += len(o.findings)
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.findings} findings", refresh=False)
            self.bar.update(1)


def _as_findings(occurrences: Sequence[StoredOccurrence], run_id: int, fmt: str) -> list[Finding]:
    from scanner.store import to_finding

    out = [to_finding(o, run_id) for o in occurrences]
    if fmt == "text":  # the text report has no repository column: lead the path with it
        out = [replace(f, path=f"{Path(str(f.extra['repository'])).name}/{f.path}") for f in out]
    return out


def _nothing_found(r: SweepResult, new_only: bool) -> str:
    """An empty report says why it is empty: nothing could be swept, nothing new, or nothing open."""
    swept = sum(1 for o in r.outcomes if o.status in ("scanned", "unchanged"))
    if not swept:
        return "Nothing was swept: no repository could be read (see the errors above)."
    failed = len(r.outcomes) - swept
    tail = f" ({failed} repositories could not be swept.)" if failed else ""
    if new_only:
        return f"No new secrets since the last sweep; {len(r.open)} open secret occurrence(s) remain." + tail
    return "No open secrets in the swept repositories." + tail


def _summary(r: SweepResult) -> None:
    counts: dict[str, int] = {}
    for o in r.outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    commits = sum(len(o.new_commits) for o in r.outcomes)
    suppressed = sum(o.suppressed for o in r.outcomes)
    hidden = f"; {suppressed} suppressed by the configuration's allowlist" if suppressed else ""
    click.echo(f"keysweep: sweep #{r.run_id}: {len(r.outcomes)} repositories ({parts}), {commits} new commits; "
               f"{len(r.new)} new findings, {len(r.open)} open{hidden}", err=True)
