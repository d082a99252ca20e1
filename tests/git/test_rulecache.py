"""The parsed-rule cache used by short runs (pre-commit): right rules, rebuilt when files change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner import rulecache
from scanner.rules import load_builtin_rules


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "keysweep"


def test_second_run_reads_the_cache(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = rulecache.cached_builtin_rules()
    assert first == load_builtin_rules()
    (cached,) = cache_home.glob("rules-*.pickle")
    assert cached.stat().st_mode & 0o022 == 0

    def fail() -> list[object]:
        raise AssertionError("parsed again")

    monkeypatch.setattr(rulecache, "load_builtin_rules", fail)
    assert rulecache.cached_builtin_rules() == first


def test_changed_rule_files_or_a_foreign_cache_mean_parsing(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rulecache.cached_builtin_rules()
    monkeypatch.setattr(rulecache, "_key", lambda: "other-key")
    calls: list[int] = []
    real = rulecache.load_builtin_rules
    monkeypatch.setattr(rulecache, "load_builtin_rules", lambda: calls.append(1) or real())
    rulecache.cached_builtin_rules()
    assert calls == [1] and [p.name for p in cache_home.glob("rules-*.pickle")] == ["rules-other-key.pickle"]
    os.chmod(cache_home / "rules-other-key.pickle", 0o666)  # anyone could have written it: not trusted
    rulecache.cached_builtin_rules()
    assert calls == [1, 1]
    (cache_home / "rules-other-key.pickle").write_bytes(b"not a pickle")
    os.chmod(cache_home / "rules-other-key.pickle", 0o600)
    assert rulecache.cached_builtin_rules() == real()
