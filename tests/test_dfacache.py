"""The keyword automaton's tables survive runs: read back they are the tables a build gives; a file
others could write, a damaged or foreign file, or KEYSWEEP_NO_CACHE build them again."""

from __future__ import annotations

import os
import pickle
from dataclasses import astuple
from pathlib import Path

import pytest

from scanner import dfacache
from scanner.engine import dfa

WORDS = [b"password", b"ghp_", b"akia", b"secret", b"word"]


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("KEYSWEEP_NO_CACHE", raising=False)
    return tmp_path


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    real = dfa.build

    def counted(words: list[bytes]) -> dfa.Dfa:
        built.append(len(words))
        return real(words)

    monkeypatch.setattr(dfa, "build", counted)
    return built


def test_tables_are_built_once_and_read_back_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _counting(monkeypatch)
    first = dfacache.build(WORDS)
    again = dfacache.build(WORDS)
    assert built == [len(WORDS)]
    assert again == first == dfa.build(WORDS)
    assert dfa.find_py(again, b"my password is ghp_x") == dfa.find_py(first, b"my password is ghp_x")
    assert os.stat(dfacache.cache_file(WORDS)).st_mode & 0o077 == 0
    dfacache.build([*WORDS, b"token"])  # other keywords: other tables, in their own file
    assert built == [len(WORDS), len(WORDS), len(WORDS) + 1]


def test_a_file_others_can_write_or_a_damaged_one_is_built_again(monkeypatch: pytest.MonkeyPatch) -> None:
    dfacache.build(WORDS)
    path = dfacache.cache_file(WORDS)
    built = _counting(monkeypatch)
    path.chmod(0o666)
    assert dfacache.build(WORDS) == dfa.build(WORDS)
    assert len(built) == 2  # not trusted: built (and written again, this user's only)
    for damage in (path.read_bytes()[:100], pickle.dumps(("not", "tables")),
                   pickle.dumps(astuple(dfa.build(WORDS[:2])))):  # torn; foreign; another automaton's
        path.write_bytes(damage)
        assert dfacache.build(WORDS) == dfa.build(WORDS)


def test_no_cache_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSWEEP_NO_CACHE", "1")
    built = _counting(monkeypatch)
    dfacache.build(WORDS)
    dfacache.build(WORDS)
    assert built == [len(WORDS)] * 2 and not dfacache.cache_file(WORDS).exists()


def test_only_a_few_automata_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(dfacache.KEEP + 3):
        dfacache.build([*WORDS, f"extra{n}".encode()])
    assert len(list(dfacache.cache_file(WORDS).parent.glob("dfa-*.pickle"))) == dfacache.KEEP
