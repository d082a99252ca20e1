"""Shared by `sweep`, `exposure` and `report`: the --store option, opening the store, writing reports."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from scanner.models import Finding
    from scanner.report.base import ReportContext
    from scanner.store import Store

REPORT_FORMATS = ("text", "json", "jsonl", "sarif", "csv", "html")

F = TypeVar("F", bound=Callable[..., Any])


def store_options(f: F) -> F:
    for deco in reversed([
        click.option("--store", "store_path", type=click.Path(dir_okay=False),
                     help="The sweep datastore (default: $XDG_DATA_HOME/keysweep/keysweep.db, "
                          "else ~/.local/share/keysweep/keysweep.db)."),
        click.option("--lock-timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
                     help="Seconds to wait for another keysweep process holding the store."),
    ]):
        f = deco(f)
    return f


def store_path(explicit: str | None) -> Path:
    from scanner.store import default_store_path

    return Path(explicit) if explicit else default_store_path()


def open_store(explicit: str | None, lock_timeout: float, create: bool) -> Store | None:
    """Open the store; when `create` is false a missing default store is None, a missing --store an error."""
    from scanner.errors import ConfigError
    from scanner.store import Store

    path = store_path(explicit)
    if not create and not os.path.exists(path):
        if explicit:
            raise ConfigError(f"{path}: no such store")
        return None
    return Store(path, lock_timeout=lock_timeout)


def render(fmt: str, findings: Sequence[Finding], ctx: ReportContext) -> str:
    if fmt == "html":
        from scanner.report.base import encodable
        from scanner.report.html import render as render_html

        return encodable(fmt, render_html(findings, ctx))
    from scanner.report import render as render_any

    return render_any(fmt, findings, ctx)


def emit(text: str, output: str | None) -> None:
    """Write to --output FILE or stdout."""
    import sys

    from scanner.errors import ConfigError

    if not output:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as e:
        raise ConfigError(f"{output}: cannot write report: {e.strerror}") from e


def context(source: str, iam: Sequence[Mapping[str, Any]] = (), hidden: int = 0,
            min_confidence: str = "medium", nothing_found: str | None = None) -> ReportContext:
    """Reports from the store are always masked (it holds no plaintext)."""
    from datetime import UTC, datetime

    from scanner import __version__
    from scanner.report.base import ReportContext

    return ReportContext(redact=True, tool_version=__version__, hidden=hidden, min_confidence=min_confidence,
                         nothing_found=nothing_found, extra={
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "source": source,
        "iam_credentials": list(iam)})


def local_repositories(store: Store) -> list[str]:
    """The store's repositories that are paths here (a config inside one of them is theirs, not ours)."""
    from scanner.sweep.targets import is_url

    return [r for r in store.repositories() if not is_url(r)]


def engine_spec(config_path: str | None, swept: list[str]) -> Any:
    """The rules are parsed only if a repository has to be scanned; the config is checked now. A config
    found in the current folder that lies inside a swept repository belongs to that repository: it is
    ignored (other people's repositories do not get to configure the sweep of themselves)."""
    from scanner import __version__
    from scanner.config import DEFAULT_MAX_FILE_SIZE, find_config, load_config
    from scanner.rules import builtin_rule_files
    from scanner.sweep import EngineSpec, LazySpec
    from scanner.sweep.spec import files_digest
    from scanner.trust import inside

    path = find_config(config_path, [])
    if path is not None and not config_path and inside(path, swept):
        click.echo(f"keysweep: {path}: inside a swept repository; ignored (pass --config or --trust-repo-config "
                   "to use it)", err=True)
        path = None
    config = load_config(path)

    def load() -> EngineSpec:
        from scanner import api

        return EngineSpec(rules=tuple(api.ruleset(config)), allowlist=config.allowlist,
                          max_file_size=config.max_file_size or DEFAULT_MAX_FILE_SIZE, exclude=config.exclude,
                          disabled=config.disabled_rules)

    return LazySpec(files_digest(__version__, builtin_rule_files(), path), load)
