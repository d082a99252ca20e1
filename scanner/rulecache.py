"""A cache of the parsed built-in rule pack, for short runs such as the pre-commit hook.

Parsing every rules/*.toml with tomllib costs more than the rest of a small staged scan; the parsed
rules are pickled under the user cache folder, keyed by the keysweep version, the fields of a Rule,
and the name, size and modification time of every rule file. Any doubt (no real rule folder,
unreadable or foreign cache file, pickle error) falls back to parsing; the cache is never required.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import fields
from importlib import resources
from pathlib import Path

from scanner import __version__
from scanner.cachedir import cache_dir, read_pickle, write_pickle
from scanner.models import Rule
from scanner.rules import load_builtin_rules

PREFIX = "rules-"


def _key() -> str | None:
    root = resources.files("scanner.builtin_rules")
    if not isinstance(root, Path):
        return None
    parts = [__version__, ",".join(f.name for f in fields(Rule))]  # (a Rule with other fields: parse again)
    try:
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                st = entry.stat()
                parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        return None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _read(path: Path) -> list[Rule] | None:
    rules = read_pickle(path)
    if isinstance(rules, list) and all(isinstance(r, Rule) for r in rules):
        return rules
    return None


def cached_builtin_rules() -> list[Rule]:
    """The built-in rules, from the cache when it matches the rule files, else parsed (and cached)."""
    key = _key()
    if key is None:
        return load_builtin_rules()
    folder = cache_dir()
    name = f"{PREFIX}{key}.pickle"
    rules = _read(folder / name)
    if rules is not None:
        return rules
    rules = load_builtin_rules()
    write_pickle(folder / name, rules, PREFIX + "*.pickle")
    return rules
