"""Run the console entry point in-process, as the installed `keysweep` would run."""

from __future__ import annotations

from click.testing import CliRunner

from scanner.cli import main


def keysweep(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `keysweep ARGS...` through main()'s error mapping."""
    code: int | str | None = 0
    with CliRunner().isolation() as (out, err, _):
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code
    return int(code or 0), out.getvalue().decode(), err.getvalue().decode()
