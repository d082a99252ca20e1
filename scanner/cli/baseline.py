"""`keysweep baseline create|update|audit|add`: record known findings, so `--baseline` fails only on new ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from scanner.cli.common import is_quiet, no_progress_option, progress_factory, setup, verbose_option, warn_line

if TYPE_CHECKING:
    from scanner.models import Finding

DEFAULT_BASELINE = ".keysweep-baseline.json"
F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def baseline() -> None:
    """Baselines: fingerprints of known findings (rule and secret hash; no plaintext, no line numbers).
    An entry covers its secret whichever rule finds it."""


def scan_options(f: F) -> F:
    for deco in reversed([
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--git", "git_repo", metavar="REPO", type=click.Path(file_okay=False),
                     help="Take the findings from the history of REPO (every ref) instead of files."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable)."),
        click.option("--max-file-size", default=None, metavar="SIZE",
                     help="Skip files larger than SIZE (default 10MB)."),
        click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
                     help="Parallel workers (default: all cores)."),
        no_progress_option,
        verbose_option,
    ]):
        f = deco(f)
    return f


def _scan(paths: tuple[str, ...], git_repo: str | None, config_path: str | None, exclude: tuple[str, ...],
          max_file_size: str | None, jobs: int) -> list[Finding]:
    """Everything found, at every confidence level: a baseline records what is known, not what is shown."""
    from scanner import api
    from scanner.errors import ConfigError
    from scanner.prepare import Overrides, prepare

    if git_repo and paths:
        raise ConfigError("give PATHS or --git REPO, not both")
    targets = [git_repo] if git_repo else (list(paths) or ["."])
    prepared = prepare(targets, Overrides(config_path, tuple(exclude), max_file_size, jobs), warn_line)
    engine, options = prepared.engine, prepared.options
    if git_repo:
        from scanner.sources.git import GitOptions, scan_history

        found = scan_history(git_repo, engine, GitOptions(max_file_size=options.max_file_size,
                                                          exclude=options.exclude, jobs=jobs),
                             warn=warn_line, progress=progress_factory(False, "commits")).findings
    else:
        found = api.scan(targets, engine, options, warn=warn_line, progress=progress_factory(False)).findings
    return prepared.finish(found)


def _file_option(default_help: str) -> Callable[[F], F]:
    return click.option("--output", "-o", "baseline_file", default=DEFAULT_BASELINE, show_default=True,
                        type=click.Path(dir_okay=False), help=default_help)


@baseline.command("create")
@scan_options
@_file_option("Baseline file to write.")
def create(paths: tuple[str, ...], git_repo: str | None, config_path: str | None, exclude: tuple[str, ...],
           max_file_size: str | None, jobs: int, verbose: int, baseline_file: str) -> None:
    """Scan PATHS (default: the current folder), or a repository's history with --git, and write the
    fingerprints of everything found to the baseline file (replacing it; `update` keeps audit marks)."""
    from scanner.baseline import write_baseline

    setup(verbose)
    found = _scan(paths, git_repo, config_path, exclude, max_file_size, jobs)
    n = write_baseline(found, baseline_file)
    if not is_quiet():
        click.echo(f"keysweep: wrote {n} fingerprint(s) ({len(found)} finding(s)) to {baseline_file}", err=True)


@baseline.command("update")
@scan_options
@_file_option("Baseline file to update (created when missing).")
def update(paths: tuple[str, ...], git_repo: str | None, config_path: str | None, exclude: tuple[str, ...],
           max_file_size: str | None, jobs: int, verbose: int, baseline_file: str) -> None:
    """Scan again and update the baseline: new secrets are added, secrets no longer found are dropped,
    audit marks are kept."""
    from pathlib import Path

    from scanner.baseline import Baseline, read_baseline, save, updated

    setup(verbose)
    old = read_baseline(baseline_file) if Path(baseline_file).exists() else Baseline.of(())
    found = _scan(paths, git_repo, config_path, exclude, max_file_size, jobs)
    new, added, dropped = updated(old, found)
    save(new, baseline_file)
    if not is_quiet():
        click.echo(f"keysweep: {baseline_file}: {added} secret(s) added, {dropped} entr(ies) dropped, "
                   f"{len(new.entries)} fingerprint(s)", err=True)


@baseline.command("add")
@click.argument("fingerprints", nargs=-1, required=True)
@click.option("--baseline", "baseline_file", default=DEFAULT_BASELINE, show_default=True,
              type=click.Path(dir_okay=False), help="Baseline file (created when missing).")
@click.option("--mark", type=click.Choice(["real", "false-positive", "accepted-risk"]), default="accepted-risk",
              show_default=True, help="Audit mark for the added entries.")
@click.option("--note", help="Why (kept in the baseline next to the mark).")
def add(fingerprints: tuple[str, ...], baseline_file: str, mark: str, note: str | None) -> None:
    """Accept the findings with these FINGERPRINTS (as reports and the pre-commit hook print them) without
    scanning anything: only these secrets are added, nothing else in the tree."""
    from pathlib import Path

    from scanner.baseline import Baseline, read_baseline, save, with_added

    old = read_baseline(baseline_file) if Path(baseline_file).exists() else Baseline.of(())
    new = with_added(old, fingerprints, mark, note)
    save(new, baseline_file)
    click.echo(f"keysweep: {baseline_file}: {len(new.entries) - len(old.entries)} fingerprint(s) added "
               f"as {mark}", err=True)


def _parse_marks(marks: tuple[str, ...]) -> dict[str, str]:
    from scanner.errors import ConfigError

    out = {}
    for m in marks:
        fp, sep, value = m.rpartition("=")
        if not sep or not fp:
            raise ConfigError(f"--mark {m!r}: expected FINGERPRINT=real|false-positive|accepted-risk")
        out[fp] = value
    return out


CHOICES = {"r": "real", "f": "false-positive", "a": "accepted-risk"}


@baseline.command("audit")
@scan_options
@click.option("--baseline", "baseline_file", default=DEFAULT_BASELINE, show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="Baseline file to audit.")
@click.option("--mark", "marks", multiple=True, metavar="FINGERPRINT=MARK",
              help="Mark an entry without asking (real, false-positive or accepted-risk; repeatable).")
@click.option("--note", help="Why (kept next to the marks given with --mark).")
@click.option("--all", "redo", is_flag=True, help="Ask about entries that already have a mark too.")
def audit(paths: tuple[str, ...], git_repo: str | None, config_path: str | None, exclude: tuple[str, ...],
          max_file_size: str | None, jobs: int, verbose: int, baseline_file: str, marks: tuple[str, ...],
          note: str | None, redo: bool) -> None:
    """Mark each baseline entry as real, false positive or accepted risk. With --mark, non-interactive;
    otherwise PATHS (or --git REPO) are scanned to show where each unmarked secret is (masked) and you are
    asked, one entry at a time."""
    from scanner.baseline import marked, read_baseline, save

    setup(verbose)
    old = read_baseline(baseline_file)
    if marks:
        save(marked(old, _parse_marks(marks), note), baseline_file)
        click.echo(f"keysweep: {baseline_file}: {len(marks)} entr(ies) marked", err=True)
        return
    todo = [e for e in old.entries if redo or not e.audit]
    if not todo:
        click.echo(f"keysweep: {baseline_file}: every entry has a mark (--all asks again)", err=True)
        return
    found = _scan(paths, git_repo, config_path, exclude, max_file_size, jobs)
    chosen = _ask(todo, found)
    save(marked(old, chosen), baseline_file)
    click.echo(f"keysweep: {baseline_file}: {len(chosen)} entr(ies) marked", err=True)


def _ask(todo: list[Any], found: list[Finding]) -> dict[str, str]:
    from scanner.baseline import hash_part
    from scanner.report.base import mask

    where: dict[str, list[Finding]] = {}
    for f in found:
        where.setdefault(hash_part(f.fingerprint), []).append(f)
    chosen: dict[str, str] = {}
    for i, e in enumerate(todo, 1):
        seen = where.get(e.hash20, [])
        click.echo(f"[{i}/{len(todo)}] {e.fingerprint}" + (f" (now {e.audit})" if e.audit else ""))
        for f in seen[:5]:
            at = f"{f.path}:{f.line}" + (f" @ {f.commit[:10]}" if f.commit else "")
            click.echo(f"    {f.rule_id}  {at}  {mask(f.secret)}")
        if not seen:
            click.echo("    (not found by this scan)")
        answer = click.prompt("    [r]eal, [f]alse positive, [a]ccepted risk, [s]kip, [q]uit",
                              type=click.Choice(["r", "f", "a", "s", "q"]), show_choices=False)
        if answer == "q":
            break
        if answer in CHOICES:
            chosen[e.fingerprint] = CHOICES[answer]
    return chosen
