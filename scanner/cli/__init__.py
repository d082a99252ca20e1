"""The `keysweep` command: a lazy click group (sub-commands are imported only when used)."""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from typing import Any

import click

from scanner import __version__

# name -> "module:attribute"; each command lives in its own module.
COMMANDS: dict[str, str] = {
    "scan": "scanner.cli.scan:scan",
    "image": "scanner.cli.image:image",
    "rules": "scanner.cli.rules:rules",
    "sweep": "scanner.cli.sweep:sweep",
    "exposure": "scanner.cli.exposure:exposure",
    "report": "scanner.cli.report:report",
    "iam": "scanner.cli.iam:iam",
    "iac": "scanner.cli.iac:iac",
    "git": "scanner.cli.git:git",
    "baseline": "scanner.cli.baseline:baseline",
    "revoke": "scanner.cli.revoke:revoke",
}

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_RUNTIME = 0, 1, 2, 3


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keysweep")
def cli() -> None:
    """keysweep: find leaked credentials in files, git history and infrastructure code,
    and check them against live cloud IAM.

    Exit codes: 0 no findings, 1 findings, 2 usage or configuration error, 3 runtime error."""


@cli.result_callback()
def _exit_with(rv: Any, **_: Any) -> None:
    """Commands return their exit code; this makes it the process exit code in every mode."""
    if isinstance(rv, int) and rv != EXIT_OK:
        click.get_current_context().exit(rv)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg, unused-ignore]
    """Writes to whatever sys.stderr is at the time of each record (click's test runner swaps it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(verbosity: int) -> None:
    level = (logging.ERROR if verbosity < 0 else logging.WARNING if verbosity == 0
             else logging.INFO if verbosity == 1 else logging.DEBUG)
    root = logging.getLogger()
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("keysweep: %(levelname)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("botocore", "boto3", "urllib3", "git", "distributed", "asyncio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: maps errors to one-line messages and contract exit codes. Called as
    the program (no `argv`), it ends the process."""
    from scanner.memtune import tune_allocator

    tune_allocator()
    configure_logging(0)
    try:
        _run(argv)
    finally:
        if argv is None:
            # the heap goes with the process: spare the collector its last pass over all of it at
            # interpreter exit (about 40 ms after a history sweep)
            gc.freeze()


def _run(argv: list[str] | None) -> None:
    from scanner.errors import KeysweepError

    try:
        rv = cli.main(args=argv, prog_name="keysweep", standalone_mode=False)
    except click.exceptions.UsageError as e:
        e.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("keysweep: aborted", err=True)
        sys.exit(EXIT_RUNTIME)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeysweepError as e:
        click.echo(f"keysweep: error: {e}", err=True)
        sys.exit(e.exit_code)
    except BrokenPipeError:
        sys.exit(EXIT_RUNTIME)
    except KeyboardInterrupt:
        click.echo("keysweep: interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - last resort: one line, no traceback
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise
        click.echo(f"keysweep: internal error: {type(e).__name__}: {e} (run with -vv for details)", err=True)
        sys.exit(EXIT_RUNTIME)
    sys.exit(rv if isinstance(rv, int) else EXIT_OK)
