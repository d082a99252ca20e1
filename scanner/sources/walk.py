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
    """Yield every regular file under the targets, in a stable (sorted) order.

    Each real folder and file is visited once however many symlinks lead to it (folders linking to
    each other would otherwise multiply the paths), and the walk keeps its own stack: depth is not
    limited by Python's recursion limit."""
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[int] = set()  # (device, inode) folded into one int: a million files cost ~60 MB, not ~150
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
            yield from _walk_dir(base, exclude, warn, follow_symlinks, (st.st_dev, st.st_ino), seen_dirs, seen_files)
        elif stat.S_ISREG(st.st_mode):
            if (fkey := _file_key(st)) not in seen_files:
                seen_files.add(fkey)
                yield FileEntry(path=target, real=target, size=st.st_size)
        else:
            warn(f"{target}: not a regular file (FIFO, socket or device); skipped")


@dataclass(frozen=True)
class _Frame:
    rel: str
    key: tuple[int, int]
    parent: _Frame | None

    def has_ancestor(self, key: tuple[int, int]) -> bool:
        f: _Frame | None = self
        while f is not None:
            if f.key == key:
                return True
            f = f.parent
        return False


def _walk_dir(base: str, exclude: Sequence[str], warn: Warn, follow: bool, root: tuple[int, int],
              seen_dirs: set[tuple[int, int]], seen_files: set[int]) -> Iterator[FileEntry]:
    if root in seen_dirs:
        log.info("%s: already scanned through another path; skipped", base)
        return
    seen_dirs.add(root)
    stack = [_Frame("", root, None)]
    while stack:
        frame = stack.pop()
        rel = frame.rel
        folder = os.path.join(base, rel) if rel else base
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            warn(f"{folder}: permission denied; skipped")
            continue
        except OSError as e:
            warn(f"{folder}: cannot list folder: {e.strerror}")
            continue
        subdirs: list[_Frame] = []
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
            key = (st.st_dev, st.st_ino)
            if stat.S_ISDIR(st.st_mode):
                if entry.name in SKIP_DIRS or excluded(child_rel, exclude):
                    continue
                if frame.has_ancestor(key):
                    warn(f"{os.path.join(base, child_rel)}: symlink loop; skipped")
                    continue
                if key in seen_dirs:
                    log.info("%s: already scanned through another path; skipped", os.path.join(base, child_rel))
                    continue
                seen_dirs.add(key)
                subdirs.append(_Frame(child_rel, key, frame))
            elif stat.S_ISREG(st.st_mode):
                if excluded(child_rel, exclude):
                    continue
                fkey = _file_key(st)
                if fkey in seen_files and (is_link or st.st_nlink == 1):  # hard links are files of their own
                    log.info("%s: already scanned through another path; skipped", os.path.join(base, child_rel))
                    continue
                seen_files.add(fkey)
                shown = child_rel if base == "." else os.path.join(base, child_rel)
                yield FileEntry(path=shown, real=os.path.join(base, child_rel), size=st.st_size)
            else:
                warn(f"{os.path.join(base, child_rel)}: not a regular file (FIFO, socket or device); skipped")
        stack.extend(reversed(subdirs))


def _file_key(st: os.stat_result) -> int:
    return (st.st_dev << 64) | st.st_ino
