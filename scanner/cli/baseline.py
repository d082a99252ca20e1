"""`keysweep baseline create`: record today's findings as known, so `--baseline` fails only on new ones."""

from __future__ import annotations

import click

from scanner.cli.common import setup, warn_line

DEFAULT_BASELINE = ".keysweep-baseline.json"


@click.group()
def baseline() -> None:
    """Baselines: fingerprints of known findings (rule and secret hash; no plaintext, no line numbers)."""


@baseline.command("create")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--git", "git_repo", metavar="REPO", type=click.Path(file_okay=False),
              help="Take the findings from the history of REPO (every ref) instead of files.")
@click.option("--output", "-o", default=DEFAULT_BASELINE, show_default=True, type=click.Path(dir_okay=False),
              help="Baseline file to write.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--max-file-size", default=None, metavar="SIZE", help="Skip files larger than SIZE (default 10MB).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Parallel workers (default: all cores).")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")
def create(paths: tuple[str, ...], git_repo: str | None, output: str, config_path: str | None,
           exclude: tuple[str, ...], max_file_size: str | None, jobs: int, verbose: int) -> None:
    """Scan PATHS (default: the current folder), or a repository's history with --git, and write the
    fingerprints of everything found to the baseline file."""
    from scanner import api
    from scanner.baseline import write_baseline
    from scanner.config import DEFAULT_MAX_FILE_SIZE, ScanOptions, find_config, load_config, parse_size
    from scanner.errors import ConfigError

    setup(verbose)
    if git_repo and paths:
        raise ConfigError("give PATHS or --git REPO, not both")
    targets = [git_repo] if git_repo else (list(paths) or ["."])
    config = load_config(find_config(config_path, targets))
    size = parse_size(max_file_size) if max_file_size else (config.max_file_size or DEFAULT_MAX_FILE_SIZE)
    options = ScanOptions(exclude=tuple(exclude) + config.exclude, max_file_size=size, jobs=jobs)
    engine = api.build_engine(config, options)
    if git_repo:
        from scanner.sources.git import GitOptions, scan_history

        found = scan_history(git_repo, engine, GitOptions(max_file_size=size, exclude=options.exclude, jobs=jobs),
                             warn=warn_line).findings
    else:
        found = api.scan(targets, engine, options, warn=warn_line).findings
    try:
        n = write_baseline(found, output)
    except OSError as e:
        raise ConfigError(f"{output}: cannot write baseline: {e.strerror or e}") from e
    click.echo(f"keysweep: wrote {n} fingerprint(s) ({len(found)} finding(s)) to {output}", err=True)
