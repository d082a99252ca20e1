"""Compiled patterns that survive runs.

`regex` parses a pattern in Python before its C engine gets the compiled program; for the built-in
pack that is about a second of CPU (more than the keyword automaton's pass over a large tree), and
every process pays again for the patterns its texts need. The compiled program, the arguments
`regex` hands its C `compile`, is plain data: it is appended to a file under the user cache folder,
named by the `regex` and Python versions, and a pattern seen before is built from it directly.

Anything unexpected (no cache folder, a file another user could have written, a torn tail, another
`regex` whose internals differ) falls back to `regex.compile`; the cache is never required. Only a
file this user owns and nobody else can write is read, since it is unpickled. `KEYSWEEP_NO_CACHE=1`
turns it off.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import Any

import regex

from scanner.cachedir import cache_dir, caches_off, trusted

log = logging.getLogger(__name__)

MAX_BYTES = 32 * 1024 * 1024  # past this the file starts over (user rules that keep changing)
_lock = threading.Lock()
_local = threading.local()
_entries: dict[tuple[str, int], tuple[Any, ...]] | None = None


class _Recorder:
    """Stands in for regex's C module inside `regex._main`: notes the arguments of each compile
    (per thread) and passes everything through."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def compile(self, *args: Any) -> Any:
        _local.last = args
        return self._real.compile(*args)


def _main_module() -> Any:
    return sys.modules.get("regex._main") or getattr(regex, "_main", None)


def _c_module() -> Any | None:
    """regex's C module (`_regex`), or None when this `regex` is not laid out as expected."""
    main = _main_module()
    mod = getattr(main, "_regex", None)
    if isinstance(mod, _Recorder):
        return mod._real
    return mod if callable(getattr(mod, "compile", None)) else None


def cache_file() -> Path:
    v = sys.version_info
    return cache_dir() / f"regex-{regex.__version__}-py{v.major}{v.minor}.pickles"


def _off() -> bool:
    return caches_off()


def _load() -> dict[tuple[str, int], tuple[Any, ...]]:
    global _entries
    with _lock:
        if _entries is not None:
            return _entries
        entries: dict[tuple[str, int], tuple[Any, ...]] = {}
        path = cache_file()
        try:
            with open(path, "rb") as fh:
                if trusted(fh.fileno()) and os.fstat(fh.fileno()).st_size <= MAX_BYTES:
                    while True:
                        try:
                            key, args = pickle.load(fh)
                        except EOFError:
                            break
                        if isinstance(key, tuple) and isinstance(args, tuple) and args and args[0] == key[0]:
                            entries[key] = args
        except FileNotFoundError:
            pass
        except (OSError, pickle.PickleError, AttributeError, ImportError, TypeError, ValueError,
                IndexError, KeyError) as e:
            log.debug("compiled pattern cache %s not read (%s): patterns are compiled", path, e)
        _entries = entries
        return entries


def _append(key: tuple[str, int], args: tuple[Any, ...]) -> None:
    path = cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps((key, args), protocol=pickle.HIGHEST_PROTOCOL)
        full = path.exists() and path.stat().st_size + len(data) > MAX_BYTES
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if full else os.O_APPEND), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)  # one write on an O_APPEND file: entries of parallel workers do not interleave
    except OSError as e:
        log.debug("compiled pattern cache %s not written: %s", path, e)


def compile_pattern(pattern: str, flags: int = 0) -> Any:
    """`regex.compile(pattern, flags)`, from the cache when this pattern was compiled before."""
    c_mod = None if _off() else _c_module()
    if c_mod is None:
        return regex.compile(pattern, flags)
    key = (pattern, flags)
    entries = _load()
    args = entries.get(key)
    if args is not None:
        try:
            return c_mod.compile(*args)
        except Exception as e:  # a stale or damaged entry: compile it afresh
            log.debug("cached pattern not usable (%s): compiled again", e)
            entries.pop(key, None)
    main = _main_module()
    if not isinstance(main._regex, _Recorder):
        main._regex = _Recorder(c_mod)
    _local.last = None
    compiled = regex.compile(pattern, flags)
    got = getattr(_local, "last", None)
    _local.last = None
    if got is not None and got[0] == pattern:
        entries[key] = got
        _append(key, got)
    return compiled


def reset() -> None:
    """Forget what was loaded (tests; a changed cache folder)."""
    global _entries
    with _lock:
        _entries = None
