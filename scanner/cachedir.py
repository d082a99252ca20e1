"""Where keysweep keeps its caches (parsed rules, compiled patterns, keyword automata): never
required, always rebuildable. A cache file is unpickled, so only one this user owns and nobody else
can write is read."""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "keysweep"


def caches_off() -> bool:
    """KEYSWEEP_NO_CACHE=1 (any value but empty or 0) turns the caches off."""
    return os.environ.get("KEYSWEEP_NO_CACHE", "") not in ("", "0")


def trusted(fd: int) -> bool:
    """Whether the open file is this user's and nobody else can change it."""
    st = os.fstat(fd)
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def read_pickle(path: Path) -> Any | None:
    """The object pickled in `path`, or None: no file, not a trusted one, or not a whole pickle."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh) if trusted(fh.fileno()) else None
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def write_pickle(path: Path, obj: Any, family: str, keep: int = 1) -> None:
    """Pickle `obj` to `path` (written whole, then renamed: a reader never sees half a file); of the
    files of its folder matching the glob `family`, it and the `keep` - 1 newest others stay."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name.split("-", 1)[0] + "-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        others = sorted((p for p in path.parent.glob(family) if p != path), key=lambda p: p.stat().st_mtime_ns,
                        reverse=True)
        for old in others[keep - 1:]:
            old.unlink(missing_ok=True)
    except OSError as e:
        log.debug("cache file %s not written: %s", path, e)
