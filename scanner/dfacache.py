"""The keyword automaton's tables, kept between runs.

Building the table DFA of the built-in pack's 1,700 keywords (scanner.engine.dfa.build) costs about
0.3 s of CPU in every process that searches bytes: a pre-commit hook, each worker of a sweep. The
tables are plain bytes and numbers, written once under the user cache folder, named by a hash of the
keywords (and of this format), and read back in a few milliseconds.

As with the other caches, anything unexpected (no cache folder, a file another user could have
written, a torn or foreign file) builds the tables again; the cache is never required.
`KEYSWEEP_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import astuple, fields
from pathlib import Path

from scanner.cachedir import cache_dir, caches_off, read_pickle, write_pickle
from scanner.engine import dfa

PREFIX = "dfa-"
FORMAT = "1"  # bump when scanner.engine.dfa lays its tables out differently
KEEP = 4  # automata kept (the built-in pack's and a few rule sets of the user's own)


def cache_file(words: Sequence[bytes]) -> Path:
    h = hashlib.sha256(FORMAT.encode() + b"".join(len(w).to_bytes(4, "big") + w for w in words))
    return cache_dir() / f"{PREFIX}{h.hexdigest()[:24]}.pickle"


def _read(path: Path, words: int) -> dfa.Dfa | None:
    got = read_pickle(path)
    kinds = [f.type for f in fields(dfa.Dfa)]
    if not isinstance(got, tuple) or len(got) != len(kinds):
        return None
    if not all(isinstance(v, bytes if k == "bytes" else int) for v, k in zip(got, kinds, strict=True)):
        return None
    table = dfa.Dfa(*got)
    return table if table.words == words else None


def build(words: Sequence[bytes]) -> dfa.Dfa:
    """dfa.build(words), from the cache when it has these words' tables."""
    if caches_off():
        return dfa.build(words)
    path = cache_file(words)
    table = _read(path, len(words))
    if table is None:
        table = dfa.build(words)
        write_pickle(path, astuple(table), PREFIX + "*.pickle", KEEP)
    return table
