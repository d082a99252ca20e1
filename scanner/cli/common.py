"""Options and steps shared by the commands that report findings (scan, git, ...)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from scanner import __version__
from scanner.cli import EXIT_FINDINGS, EXIT_OK, configure_logging
from scanner.engine.confidence import shown
from scanner.models import Confidence, Finding, Rule, VerificationStatus

if TYPE_CHECKING:
    from scanner.trust import Suppressions, Trusted

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("text", "json", "jsonl", "sarif", "csv")
CONFIDENCE_LEVELS = tuple(c.value for c in reversed(Confidence))  # low, medium, high
log = logging.getLogger(__name__)


def output_options(f: F) -> F:
    for deco in reversed([
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="Report format."),
        click.option("--output", "-o", "output", type=click.Path(dir_okay=False, writable=True),
                     help="Write the report to FILE instead of stdout."),
        click.option("--redact", is_flag=True, help="Mask secrets in machine-readable formats too."),
        click.option("--show-secrets", is_flag=True, help="Print secrets in clear in the text report."),
    ]):
        f = deco(f)
    return f


def confidence_option(f: F) -> F:
    return click.option(
        "--min-confidence", type=click.Choice(CONFIDENCE_LEVELS), default="medium", show_default=True,
        help="Report only findings at this confidence or above (low shows weak and test-context values too).",
    )(f)


def finding_options(f: F) -> F:
    f = confidence_option(f)
    for deco in reversed([
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="Config file (default: .keysweep.toml in the target or current folder)."),
        click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False),
                     help="Report only findings whose fingerprint is not in this baseline."),
        click.option("--verify", is_flag=True, help="Ask each secret's own provider whether it is live."),
        click.option("--only-verified", is_flag=True, help="Keep only findings verified as valid."),
        verify_timeout_option,
        click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
                     help="Parallel workers (default: all cores)."),
        click.option("--no-progress", is_flag=True, help="Never show a progress bar."),
        verbose_option,
    ]):
        f = deco(f)
    return f


QUIET = "keysweep.quiet"
NO_PROGRESS = "keysweep.no_progress"
VERIFY_TIMEOUT = "keysweep.verify_timeout"


def _store_timeout(ctx: click.Context, _: click.Parameter, value: float | None) -> float | None:
    if value is not None:
        ctx.meta[VERIFY_TIMEOUT] = value
    return value


verify_timeout_option = click.option(
    "--verify-timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS", expose_value=False,
    callback=_store_timeout, help="Seconds one provider request may take before its verdict is unknown (default 10).")


def verify_settings() -> Any:
    """The verification settings (user config < environment < --verify-timeout)."""
    from scanner.verify import VerifySettings, user_config_path

    settings = VerifySettings.load(os.environ, user_config_path())
    ctx = click.get_current_context(silent=True)
    timeout = ctx.meta.get(VERIFY_TIMEOUT) if ctx is not None else None
    return settings if timeout is None else replace(settings, timeout=timeout)


def _remember(key: str) -> Callable[[click.Context, click.Parameter, bool], bool]:
    def store(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
        if value:
            ctx.meta[key] = True
        return value

    return store


def _said(key: str) -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(key))


def is_quiet() -> bool:
    return _said(QUIET)


def verbose_option(f: F) -> F:
    """-v/-vv, and -q/--quiet (only errors on stderr), for every command."""
    f = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_remember(QUIET),
                     help="Only errors on stderr: no warnings, notes, summary or progress bar.")(f)
    return click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")(f)


def no_progress_option(f: F) -> F:
    """--no-progress for the long-running commands whose functions do not take it themselves."""
    return click.option("--no-progress", is_flag=True, expose_value=False, callback=_remember(NO_PROGRESS),
                        help="Never show a progress bar.")(f)


def progress_wanted(no_progress: bool = False) -> bool:
    """A bar only on a terminal stderr, and not when told otherwise."""
    return not (no_progress or _said(NO_PROGRESS) or is_quiet() or not sys.stderr.isatty())


def content_options(f: F) -> F:
    """How content is read, for the commands that read files or blobs (scan, image)."""
    for deco in reversed([
        click.option("--max-file-size", default=None, metavar="SIZE",
                     help="Skip files larger than SIZE (e.g. 10MB, the default)."),
        click.option("--no-decode", is_flag=True, help="Do not decode and rescan base64 values."),
        click.option("--no-archives", is_flag=True, help="Do not look inside zip, jar, wheel, tar, gz, bz2, xz files."),
        click.option("--archive-depth", type=click.IntRange(min=1), default=3, show_default=True,
                     help="Archives inside archives: how many levels to open."),
        click.option("--archive-max-bytes", default="256MB", show_default=True, metavar="SIZE",
                     help="Decompressed bytes read from one archive at most (the rest is a note)."),
    ]):
        f = deco(f)
    return f


@dataclass(frozen=True)
class Finish:
    fmt: str
    output: str | None
    redact: bool
    show_secrets: bool
    baseline_path: str | None
    verify: bool
    only_verified: bool
    min_confidence: str = "medium"
    suppress: Suppressions | None = None  # the config's allowlist, applied after the scan (see scanner.trust)


def load_trusted(config_path: str | None, targets: Sequence[str]) -> Trusted:
    """The config for these targets, with what it may suppress split off (scanner.trust)."""
    from scanner.prepare import trusted_config

    return trusted_config(config_path, targets, warn_line)


def finish(findings: Sequence[Finding], how: Finish, rules: Sequence[Rule] = (),
           stats: dict[str, Any] | None = None) -> int:
    """Baseline, verification, render, write; returns the exit code (0 none, 1 findings)."""
    return finish_with(findings, how, rules, stats)[0]


def finish_with(findings: Sequence[Finding], how: Finish, rules: Sequence[Rule] = (),
                stats: dict[str, Any] | None = None) -> tuple[int, list[Finding]]:
    """`finish`, also returning the findings reported (after the baseline, verification and confidence)."""
    out = list(findings)
    if how.baseline_path:
        from scanner.baseline import load_baseline, without_baseline

        out = without_baseline(out, load_baseline(how.baseline_path))
    if how.verify or how.only_verified:
        from scanner.verify import verify_findings

        out = verify_findings(out, verify_settings(), rules or None)
        if how.only_verified:
            out = [f for f in out if f.verification and f.verification.status == VerificationStatus.VALID]
    suppressed = 0
    if how.suppress is not None:
        from scanner.trust import apply

        applied = apply(out, how.suppress)
        out, suppressed = applied.findings, applied.suppressed
    out, hidden = shown(out, how.min_confidence)
    if hidden:
        log.info("%d finding(s) below %s confidence not reported", hidden, how.min_confidence)
    extra = {"hidden": hidden, "min_confidence": how.min_confidence, "config_suppressed": suppressed,
             "config_source": how.suppress.source if how.suppress else None}
    write_report(out, how, rules, {**(stats or {}), **extra})
    return (EXIT_FINDINGS if out else EXIT_OK), out


def write_report(findings: Sequence[Finding], how: Finish, rules: Sequence[Rule], stats: dict[str, Any]) -> None:
    from scanner.report import render
    from scanner.report.base import ReportContext

    ctx = ReportContext(redact=how.redact, show_secrets=how.show_secrets, rules=rules,
                        tool_version=__version__, **stats)
    text = render(how.fmt, findings, ctx)
    if how.output:
        try:
            with open(how.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as e:
            from scanner.errors import ConfigError

            raise ConfigError(f"{how.output}: cannot write report: {e.strerror}") from e
        if is_quiet():
            return
        from scanner.report.text import distinct_secrets, summary

        # the report went to a file: the one-line summary still reaches whoever ran the command
        sys.stderr.write(f"keysweep: {summary(findings, ctx, distinct_secrets(findings))} "
                         f"Report written to {how.output}.\n")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def setup(verbose: int) -> None:
    configure_logging(-1 if is_quiet() else verbose)


class Progress(Protocol):
    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


def progress_factory(no_progress: bool, what: str = "files") -> Callable[[int | None, int], Progress | None]:
    """Returns a factory making a tqdm bar on a terminal stderr; nothing when piped. A total of None (a
    walk still going) makes a bar that counts without an end."""

    def make(total_files: int | None, total_bytes: int) -> Progress | None:
        if not progress_wanted(no_progress) or (total_files is not None and total_files < 50):
            return None
        return bar(total_files, what[:-1] if what.endswith("s") else what)

    return make


def bar(total: int | None, unit: str, desc: str | None = None) -> Any:
    """A tqdm bar on stderr, cleared when done (callers decide whether one is wanted)."""
    import shutil

    from tqdm import tqdm

    size = shutil.get_terminal_size((100, 24))  # a pty may report 0x0: tqdm then hides the bar
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, leave=False, ncols=size.columns or 100,
                nrows=size.lines or 24, mininterval=0.2)


def warn_line(msg: str) -> None:
    log.warning("%s", msg)
