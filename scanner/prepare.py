"""The one place a command turns its targets and options into an engine (the source seam's
`prepare`): the configuration found for the targets — trusted or not (scanner.trust) — its excludes,
size limit, decoders and rules, and what is left to apply to the findings afterwards.

`scan`, `git` (history and --staged), `baseline create`, `iam report` and `exposure` call it, so a
`.keysweep.toml` means the same to all of them; `Prepared.finish` applies the suppressions an
untrusted config may still make.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from scanner.config import DEFAULT_MAX_FILE_SIZE, FileConfig, ScanOptions, find_config, load_config, parse_size
from scanner.engine import Allowlist, Engine
from scanner.models import Finding, Rule
from scanner.trust import Trusted, apply, protect, trust


@dataclass(frozen=True)
class Overrides:
    """What the command line says on top of the configuration."""

    config_path: str | None = None  # --config: the user's own, trusted
    exclude: tuple[str, ...] = ()
    max_file_size: str | None = None
    jobs: int = 0
    decode: bool = True
    archives: bool = True
    archive_depth: int = 3
    archive_max_bytes: str | None = None  # default 256 MB


@dataclass(frozen=True)
class Prepared:
    engine: Engine
    options: ScanOptions
    trusted: Trusted

    def finish(self, findings: Sequence[Finding]) -> list[Finding]:
        """The findings with what the configuration may still suppress taken out."""
        return apply(findings, self.trusted.suppressions).findings


def trusted_config(config_path: str | None, targets: Sequence[str],
                   warn: Callable[[str], None] | None = None) -> Trusted:
    """The config for these targets, with what it may suppress split off."""
    config = load_config(find_config(config_path, targets))
    ids: frozenset[str] = frozenset()
    if config.rules:
        from scanner.rulecache import cached_builtin_rules

        ids = frozenset(r.id for r in cached_builtin_rules())
    t = protect(config, trust(config, bool(config_path), targets), ids, [t for t in targets if os.path.isdir(t)])
    for n in t.notes:
        if warn:
            warn(n)
    return t


def build_engine(config: FileConfig, decode: bool = True) -> Engine:
    """The engine for a configuration: built-in rules (cached) merged with the config's own. No
    file-scanning machinery is imported, so the pre-commit path stays short."""
    from scanner.rulecache import cached_builtin_rules
    from scanner.rules import merge_rules

    rules = merge_rules(cached_builtin_rules(), config.rules, config.disabled_rules)
    return make_engine(rules, config.allowlist, decode, config.disabled_rules)


def make_engine(rules: Sequence[Rule], allowlist: Allowlist | None = None, decode: bool = True,
                disabled: Sequence[str] = ()) -> Engine:
    """Every scanning engine is built here (a command's, or a sweep worker's from its spec): the
    disabled rules reach the structure-aware Terraform rules too, which are not in `rules`."""
    return Engine(list(rules), allowlist=allowlist, decode=decode, disabled=disabled)


def prepare(targets: Sequence[str], overrides: Overrides = Overrides(),
            warn: Callable[[str], None] | None = None) -> Prepared:
    trusted = trusted_config(overrides.config_path, targets, warn)
    config = trusted.config
    size = (parse_size(overrides.max_file_size) if overrides.max_file_size
            else (config.max_file_size or DEFAULT_MAX_FILE_SIZE))
    options = ScanOptions(exclude=tuple(overrides.exclude) + config.exclude, max_file_size=size, jobs=overrides.jobs,
                          decode=overrides.decode, archives=overrides.archives, archive_depth=overrides.archive_depth)
    if overrides.archive_max_bytes:
        options = replace(options, archive_max_bytes=parse_size(overrides.archive_max_bytes))
    return Prepared(build_engine(config, options.decode), options, trusted)
