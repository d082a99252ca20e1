"""`keysweep git [REPO]`: history of all refs (or a selection), or `--staged` for a pre-commit hook."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from scanner.cli import EXIT_RUNTIME
from scanner.cli.common import Finish, finding_options, finish, finish_with, output_options, setup

if TYPE_CHECKING:
    from scanner.config import ScanOptions
    from scanner.engine import Engine
    from scanner.models import Finding

WAYS_OUT = """\
keysweep: commit blocked: the staged changes add {n} secret(s) (listed above, masked).
Ways out:
  1. remove it: edit the file, `git add` it again, and rotate the secret if it was ever shared;
  2. not a secret (test value, example)? mark the line with a `keysweep:allow` comment;
  3. a secret you accept? record it in the baseline (only these fingerprints, nothing else in the tree):
       {python} -m scanner baseline add {fingerprints} --baseline {baseline}
       git add {baseline}
     {hook_args}
  4. commit anyway, this once: `SKIP=keysweep git commit ...` (pre-commit skips this hook only)
     or `git commit --no-verify` (skips every hook).
"""
HOOK_ARGS_SET = "(the hook already reads it: only secrets not in it block a commit)"
HOOK_ARGS_UNSET = ("and give the hook the baseline: `args: [--baseline, {baseline}]` in .pre-commit-config.yaml "
                   "(only new secrets then block)")
DEFAULT_HOOK_BASELINE = ".keysweep-baseline.json"


def ways_out(shown: list[Finding], baseline_path: str | None) -> str:
    """The hook's advice, counted after the baseline, with a command that works inside pre-commit's own
    environment (where `keysweep` may not be on PATH): this interpreter runs keysweep."""
    import shlex

    fps = sorted({f.fingerprint for f in shown})
    baseline = baseline_path or DEFAULT_HOOK_BASELINE
    hook_args = HOOK_ARGS_SET if baseline_path else HOOK_ARGS_UNSET.format(baseline=shlex.quote(baseline))
    return WAYS_OUT.format(n=len({fp.rsplit(":", 1)[-1] for fp in fps}), python=shlex.quote(sys.executable),
                           fingerprints=" ".join(fps), baseline=shlex.quote(baseline), hook_args=hook_args)


@click.command("git")
@click.argument("repo", required=False, default=".", type=click.Path(file_okay=False))
@output_options
@finding_options
@click.option("--branch", "branches", multiple=True, metavar="REF",
              help="Scan the history of REF only (repeatable; default: every ref, stash included).")
@click.option("--since-commit", metavar="REF",
              help="Only commits not reachable from REF (of HEAD, or of --branch).")
@click.option("--range", "commit_range", metavar="A..B", help="Only the commits of a revision range.")
@click.option("--max-commits", type=click.IntRange(min=1), metavar="N", help="Only the N most recent commits.")
@click.option("--staged", is_flag=True, help="Scan only the lines added in the index (pre-commit hook).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--max-file-size", default=None, metavar="SIZE",
              help="Skip file versions larger than SIZE (e.g. 10MB, the default).")
@click.option("--no-decode", is_flag=True, help="Do not decode and rescan base64 values.")
@click.option("--archives", is_flag=True,
              help="Also open the archives (zip, jar, tar, gz...) that commits add, and scan their members.")
@click.option("--allow-partial", is_flag=True,
              help="Accept a history that could not be read in full (corrupt objects): exit by the findings "
                   "instead of 3.")
def git(repo: str, fmt: str, output: str | None, redact: bool, show_secrets: bool, config_path: str | None,
        baseline_path: str | None, verify: bool, only_verified: bool, min_confidence: str, jobs: int,
        no_progress: bool, verbose: int,
        branches: tuple[str, ...], since_commit: str | None, commit_range: str | None, max_commits: int | None,
        staged: bool, exclude: tuple[str, ...], max_file_size: str | None, no_decode: bool,
        archives: bool, allow_partial: bool) -> int:
    """Scan a repository's history: every line any commit added, on every ref (branches, tags,
    remotes, stash), attributed to the commit that introduced it. With --staged, only what the
    next commit would add."""
    from scanner.cli.common import warn_line
    from scanner.errors import ConfigError
    from scanner.prepare import Overrides, prepare

    setup(verbose)
    if staged and (branches or since_commit or commit_range or max_commits):
        raise ConfigError("--staged cannot be combined with --branch, --since-commit, --range or --max-commits")
    prepared = prepare([repo], Overrides(config_path, tuple(exclude), max_file_size, jobs, not no_decode, archives),
                       warn_line)
    how = Finish(fmt, output, redact, show_secrets, baseline_path, verify, only_verified, min_confidence,
                 prepared.trusted.suppressions)
    if staged:
        return _staged(repo, prepared.engine, prepared.options, how)
    return _history(repo, prepared.engine, prepared.options, how, no_progress,
                    branches, since_commit, commit_range, max_commits, allow_partial)


def _staged(repo: str, engine: Engine, options: ScanOptions, how: Finish) -> int:
    from scanner.cli.common import warn_line
    from scanner.sources.blobs import archive_limits
    from scanner.sources.staged import scan_staged

    result = scan_staged(repo, engine, options.max_file_size, options.exclude, archive_limits(options))
    for w in result.warnings:
        warn_line(w)
    code, shown = finish_with(result.findings, how, engine.rules, {"bytes_scanned": result.bytes_scanned,
                                                                  "checksum_dropped": engine.checksum_dropped,
                                                                  "timed_out": engine.timed_out,
                                                                  "warnings": tuple(result.warnings)})
    if code:
        sys.stderr.write(ways_out(shown, how.baseline_path))
    return code


def _history(repo: str, engine: Engine, scan: ScanOptions, how: Finish, no_progress: bool,
             branches: tuple[str, ...], since_commit: str | None, commit_range: str | None,
             max_commits: int | None, allow_partial: bool) -> int:
    import logging

    from scanner.api import sort_findings
    from scanner.cli.common import progress_factory, warn_line
    from scanner.sources.archives import ArchiveLimits
    from scanner.sources.git import GitOptions, scan_history
    from scanner.sources.gitrepo import Selection

    selection = Selection(refs=branches, since_commit=since_commit, commit_range=commit_range,
                          max_commits=max_commits)
    limits = ArchiveLimits(scan.archive_depth, scan.archive_max_bytes) if scan.archives else None
    options = GitOptions(selection=selection, max_file_size=scan.max_file_size, exclude=scan.exclude, jobs=scan.jobs,
                         archives=limits)
    result = scan_history(repo, engine, options, warn=warn_line, progress=progress_factory(no_progress, "commits"))
    logging.getLogger(__name__).info("swept %d commit(s), %.1f MB of added lines, in %.2fs", result.commits,
                                     result.bytes_scanned / 1e6, result.seconds)
    code = finish(sort_findings(result.findings), how, engine.rules,
                  {"seconds": result.seconds, "checksum_dropped": result.checksum_dropped,
                   "timed_out": result.timed_out, "incomplete": result.incomplete,
                   "warnings": tuple(result.warnings)})
    if result.incomplete and not allow_partial:
        sys.stderr.write(f"keysweep: the history of {repo} could not be read in full ({'; '.join(result.incomplete)})"
                         "; exit 3 (--allow-partial accepts a partial scan)\n")
        return EXIT_RUNTIME
    return code
