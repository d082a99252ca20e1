"""What decides a sweep's findings (rules, allowlist, limits), and its digest: when the digest
changes, every commit is swept again.

The rules are parsed only when a repository has to be scanned: an unchanged sweep compares the
digest of the rule and config files (LazySpec) and never builds an engine.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner.models import Rule

if TYPE_CHECKING:
    from scanner.engine import Allowlist

DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


@dataclass(frozen=True)
class EngineSpec:
    """Everything that decides what the engine finds; workers build (and cache) the engine from it."""

    rules: tuple[Rule, ...]
    allowlist: Allowlist | None = None
    decode: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    label: str = ""  # a digest of the files the rules came from; empty: hash the rules themselves
    exclude: tuple[str, ...] = ()  # the configuration's `[scan] exclude`: paths not scanned
    disabled: tuple[str, ...] = ()  # the configuration's disabled rules (the Terraform ones are not in `rules`)

    @cached_property
    def digest(self) -> str:
        if self.label:
            return self.label
        what = (self.rules, self.allowlist, self.decode, self.exclude, self.disabled)
        return hashlib.sha256(repr(what).encode()).hexdigest()[:16]

    def get(self) -> EngineSpec:
        return self


class SpecSource(Protocol):
    """An EngineSpec, or the promise of one: its digest is known before its rules are parsed."""

    @property
    def digest(self) -> str: ...

    def get(self) -> EngineSpec: ...


class LazySpec:
    def __init__(self, digest: str, load: Callable[[], EngineSpec]) -> None:
        self._digest = digest
        self._load = load
        self._spec: EngineSpec | None = None

    @property
    def digest(self) -> str:
        return self._digest

    def get(self) -> EngineSpec:
        if self._spec is None:
            self._spec = replace(self._load(), label=self._digest)
        return self._spec


def files_digest(version: str, builtin: list[tuple[str, str]], config: Path | None) -> str:
    """The tool version, the built-in rule files, the config file and the rule files it names."""
    h = hashlib.sha256(version.encode())
    for name, text in builtin:
        h.update(f"\0{name}\0".encode() + text.encode("utf-8", "surrogatepass"))
    if config is not None:
        data = _read(config)
        h.update(b"\0config\0" + data)
        try:
            extra = tomllib.loads(data.decode("utf-8")).get("rules_files", [])
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            extra = []  # loading the config will say what is wrong with it
        for name in extra if isinstance(extra, list) else []:
            h.update(f"\0{name}\0".encode() + _read(config.parent / str(name)))
    return h.hexdigest()[:16]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"
