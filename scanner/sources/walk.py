"""Walk files and folders: skip .git, excluded globs, non-regular files; no symlink loops."""

from __future__ import annotations

import fnmatch
import logging
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class FileEntry:
    path: str  # as reported (relative to the target when the target is a folder, else as given)
    real: str  # path to open
    size: int


Warn = Callable[[str], None]


def excluded(rel: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    name = rel.rsplit("/", 1)[-1]
    for p in patterns:
        if fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p):
            return True
        if p.endswith("/**") and (rel + "/").startswith(p[:-2]):
            return True
        if fnmatch.fnmatchcase(rel, p.rstrip("/") + "/*"):
            return True
    return False


def walk(targets: Sequence[str], exclude: Sequence[str], warn: Warn,
         follow_symlinks: bool = True) -> Iterator[FileEntry]:
    """Yield every regular file under the targets, in a stable (sorted) order."""
    for target in targets:
        try:
            st = os.stat(target)
        except FileNotFoundError:
            warn(f"{target}: no such file or folder")
            continue
        except OSError as e:
            warn(f"{target}: cannot access: {e.strerror}")
            continue
        if stat.S_ISDIR(st.st_mode):
            base = target.rstrip("/") or "/"
            yield from _walk_dir(base, "", exclude, warn, follow_symlinks, {(st.st_dev, st.st_ino)})
        elif stat.S_ISREG(st.st_mode):
            yield FileEntry(path=target, real=target, size=st.st_size)
        else:
            warn(f"{target}: not a regular file (FIFO, socket or device); skipped")


def _walk_dir(base: str, rel: str, exclude: Sequence[str], warn: Warn, follow: bool,
              ancestors: set[tuple[int, int]]) -> Iterator[FileEntry]:
    folder = os.path.join(base, rel) if rel else base
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except PermissionError:
        warn(f"{folder}: permission denied; skipped")
        return
    except OSError as e:
        warn(f"{folder}: cannot list folder: {e.strerror}")
        return
    for entry in entries:
        child_rel = f"{rel}/{entry.name}" if rel else entry.name
        try:
            is_link = entry.is_symlink()
            if is_link and not follow:
                continue
            st = entry.stat(follow_symlinks=True)
        except FileNotFoundError:
            if entry.is_symlink():
                log.info("%s: broken symlink; skipped", os.path.join(base, child_rel))
            continue
        except OSError as e:
            warn(f"{os.path.join(base, child_rel)}: cannot stat: {e.strerror}")
            continue
        if stat.S_ISDIR(st.st_mode):
            if entry.name in SKIP_DIRS or excluded(child_rel, exclude):
                continue
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                warn(f"{os.path.join(base, child_rel)}: symlink loop; skipped")
                continue
            yield from _walk_dir(base, child_rel, exclude, warn, follow, ancestors | {key})
        elif stat.S_ISREG(st.st_mode):
            if excluded(child_rel, exclude):
                continue
            shown = child_rel if base == "." else os.path.join(base, child_rel)
            yield FileEntry(path=shown, real=os.path.join(base, child_rel), size=st.st_size)
        else:
            warn(f"{os.path.join(base, child_rel)}: not a regular file (FIFO, socket or device); skipped")
