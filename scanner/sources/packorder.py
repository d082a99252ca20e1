"""Blob ids in the order a repository's packs store them.

git stores most versions of a file as a delta against another version (a clone or a `git gc` packs
them so), in chains up to 50 deep. `cat-file` rebuilds a version by applying the chain from its
base, and keeps recent bases in a small cache: asked for versions in history order, it walks most
of a chain again for each one (on benchmarks/projectrepo.py repacked, 10 s of CPU for 91k blobs);
asked in the order the pack stores them, each base has just been rebuilt (1 s). The offsets come
from the packs' .idx files, mapped read-only and searched in C (`_blobdiff.pack_keys`).

The order only makes reading cheaper, it never decides what is read: an id in no pack (a loose
object, an alternate this does not follow, an index it cannot read) sorts last, and without the C
module, or any pack, the ids keep the order they came in.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from collections.abc import Sequence

from scanner.errors import ConfigError, SourceError
from scanner.sources.gitcmd import run_git

try:
    from scanner.sources._blobdiff import pack_keys
except ImportError:  # built without a compiler: ids keep their order
    pack_keys = None  # type: ignore[assignment]

ALTERNATES_DEPTH = 5  # as git: alternates of alternates, this deep


def object_dirs(cwd: str) -> list[str]:
    """The repository's object directory and its alternates (objects/info/alternates), or [] when
    git cannot tell."""
    try:
        out = os.fsdecode(run_git(cwd, "rev-parse", "--git-path", "objects").strip())
    except (ConfigError, SourceError, OSError):  # the order is an optimisation: reading reports what is wrong
        return []
    first = os.path.normpath(os.path.join(cwd, out))
    dirs: list[str] = []
    todo = [(first, 0)]
    while todo:
        d, depth = todo.pop(0)
        if d in dirs or not os.path.isdir(d):
            continue
        dirs.append(d)
        if depth >= ALTERNATES_DEPTH:
            continue
        with contextlib.suppress(OSError, UnicodeDecodeError), \
                open(os.path.join(d, "info", "alternates"), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    todo.append((os.path.normpath(os.path.join(d, line)), depth + 1))
    return dirs


class PackOrder:
    """The packs' indexes of a repository, mapped; `sort` puts blob ids in pack order."""

    def __init__(self, dirs: Sequence[str]) -> None:
        self._maps: list[mmap.mmap] = []
        found: list[tuple[float, str]] = []
        for d in dirs:
            pack = os.path.join(d, "pack")
            with contextlib.suppress(OSError):
                for name in os.listdir(pack):
                    if name.endswith(".idx"):
                        path = os.path.join(pack, name)
                        with contextlib.suppress(OSError):
                            found.append((os.stat(path).st_mtime, path))
        for _mtime, path in sorted(found, reverse=True):  # newest first, as git looks
            with contextlib.suppress(OSError, ValueError), open(path, "rb") as f:
                self._maps.append(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))

    def keys(self, shas: Sequence[str]) -> list[int]:
        """For each id, a number that sorts it in pack order (the same for all ids when there is
        no order to follow)."""
        if pack_keys is None or not self._maps:
            return [0] * len(shas)
        return pack_keys(list(self._maps), list(shas))

    def sort(self, shas: Sequence[str]) -> list[str]:
        """`shas` in pack order (ids in no pack last, in the order given)."""
        keys = self.keys(shas)
        return [s for _k, s in sorted(zip(keys, shas, strict=True), key=lambda ks: ks[0])]

    def close(self) -> None:
        for m in self._maps:
            m.close()
        self._maps = []
