"""`.keysweep.toml` loading, merged with command-line options into a frozen ScanOptions."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import ruledecl
from scanner.engine.matcher import Allowlist
from scanner.errors import ConfigError
from scanner.models import Rule
from scanner.rules import check_backtracking, check_verifiers, load_rules_file, parse_rule

CONFIG_NAME = ".keysweep.toml"
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "k": 1024, "mb": 1024**2, "m": 1024**2, "gb": 1024**3, "g": 1024**3}
_TOP_LEVEL = {"rules", "prefixed", "context", "disabled_rules", "rules_files", "allowlist", "scan", "verify"}


@dataclass(frozen=True)
class FileConfig:
    """What a .keysweep.toml says. Verification URLs are never taken from here."""

    path: str | None = None
    rules: tuple[Rule, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    allowlist: Allowlist = field(default_factory=Allowlist)
    exclude: tuple[str, ...] = ()
    max_file_size: int | None = None


@dataclass(frozen=True)
class ScanOptions:
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    jobs: int = 0  # 0 = all cores
    progress: bool = False
    decode: bool = True
    follow_symlinks: bool = True
    archives: bool = True  # look inside zip/tar/gz/... files (--no-archives turns it off)
    archive_depth: int = 3
    archive_max_bytes: int = 256 * 1024 * 1024  # decompressed, per outermost archive

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


def parse_size(value: str | int) -> int:
    if isinstance(value, int):
        return value
    s = value.strip().lower().replace(" ", "")
    num = s.rstrip("kmgb")
    unit = s[len(num):]
    try:
        return int(float(num) * _SIZE_UNITS[unit])
    except (ValueError, KeyError) as e:
        raise ConfigError(f"invalid size '{value}' (use e.g. 500KB, 10MB, 1GB)") from e


def find_config(explicit: str | None, targets: Sequence[str]) -> Path | None:
    """--config FILE wins; else .keysweep.toml in the first folder target, else in the cwd."""
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        return p
    for t in targets:
        if t != "-" and Path(t).is_dir() and (Path(t) / CONFIG_NAME).is_file():
            return Path(t) / CONFIG_NAME
        break
    cwd = Path.cwd() / CONFIG_NAME
    return cwd if cwd.is_file() else None


def load_config(path: Path | None) -> FileConfig:
    if path is None:
        return FileConfig()
    src = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{src}: cannot read config: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{src}: config is not valid UTF-8") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{src}: invalid TOML: {e}") from e
    unknown = set(data) - _TOP_LEVEL
    if unknown:
        raise ConfigError(f"{src}: unknown setting '{sorted(unknown)[0]}'")
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{src}: 'rules' must be an array of tables ([[rules]])")
    rules = [parse_rule(r, src) for r in [*raw_rules, *ruledecl.expand(data, src)]]
    check_verifiers(rules)
    check_backtracking(rules)
    for extra in _strings(data, "rules_files", src):
        rules.extend(load_rules_file(path.parent / extra))
    scan = _table(data, "scan", src)
    size = scan.get("max_file_size")
    return FileConfig(
        path=src,
        rules=tuple(rules),
        disabled_rules=_strings(data, "disabled_rules", src),
        allowlist=_allowlist(_table(data, "allowlist", src), src),
        exclude=_strings(scan, "exclude", src),
        max_file_size=parse_size(size) if size is not None else None,
    )


def _allowlist(t: Mapping[str, Any], src: str) -> Allowlist:
    import regex

    paths = _strings(t, "paths", src)
    regexes = _strings(t, "regexes", src)
    for name, pats in (("paths", paths), ("regexes", regexes)):
        for p in pats:
            try:
                regex.compile(p)
            except regex.error as e:
                raise ConfigError(f"{src}: allowlist.{name}: invalid regex '{p}': {e}") from e
    return Allowlist(paths=paths, regexes=regexes, stopwords=_strings(t, "stopwords", src))


def _table(data: Mapping[str, Any], name: str, src: str) -> Mapping[str, Any]:
    v = data.get(name, {})
    if not isinstance(v, Mapping):
        raise ConfigError(f"{src}: '{name}' must be a table")
    return v


def _strings(data: Mapping[str, Any], name: str, src: str) -> tuple[str, ...]:
    v = data.get(name, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(f"{src}: '{name}' must be a list of strings")
    return tuple(v)
