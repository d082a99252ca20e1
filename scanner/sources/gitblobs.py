"""Blob-level history diffing, pure functions: the file changes of each commit (from `git diff-tree
--raw`) and, for one change, the part of the new version that differs from the old.

A history sweep does not ask git for patches. Computing every patch is most of what `git log -p`
costs; instead each changed file's two versions are compared here, in C-speed steps: the common
prefix and suffix are cut off by comparing large slices, and what is left (the changed region, as
whole lines) goes through the keyword automaton. Only a region with a keyword is split into lines
and compared with the old version's region line by line; its lines absent from the old region are
the lines the commit added.

The cutting (`bounds`: region and context in one call) comes from the C module _blobdiff when
`pip install` could build it (one pass of word comparisons instead of a bisection of slice
comparisons: about a tenth of a sweep's time); `region_bounds` is the same function in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scanner.sources.gitcmd import NULL_SHA

COMMIT_MARK = b"\x01"  # diff-tree --format=%x01%H puts this before each commit id
GITLINK = b"160000"
_NULL = NULL_SHA.encode()
_STEP = 4096


@dataclass(frozen=True)
class Change:
    """One file of one commit: the new version and the version(s) it replaces (one per parent
    that differs, for a merge; the source of a rename)."""

    path: bytes  # path in the new version (the old path for a deletion)
    new: str | None  # None for a deletion
    olds: tuple[str, ...]  # empty for an added file


def parse_raw(raw: bytes) -> Iterator[tuple[str, list[Change]]]:
    """(commit, changes) from `diff-tree -z -r --raw --no-abbrev [-c] [-M] --format=%x01%H`.
    Submodule entries are left out; deletions are kept (with new None)."""
    sha: str | None = None
    changes: list[Change] = []
    tokens = raw.split(b"\0")
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        i += 1
        if tok[:1] == b"\n":
            tok = tok.lstrip(b"\n")
        if tok[:1] == b":" and tok[1:2] != b":":  # one parent (nearly every change): its own quick path
            fields = tok[1:].split(b" ", 4)
            if len(fields) < 5:  # not git's shape: step over its path too, to stay in step
                i += 1
                continue
            old_mode, new_mode, old_sha, new_sha, status = fields
            path = tokens[i] if i < n else b""
            i += 1
            if status[:1] in (b"R", b"C"):  # the first path was the source
                path = tokens[i] if i < n else b""
                i += 1
            if new_mode == GITLINK or (new_sha == _NULL and old_mode == GITLINK):
                continue
            changes.append(Change(path, None if new_sha == _NULL else new_sha.decode("ascii"),
                                  () if old_sha == _NULL or old_mode == GITLINK else (old_sha.decode("ascii"),)))
        elif tok.startswith(COMMIT_MARK):
            if sha is not None:
                yield sha, changes
            sha, changes = tok[1:].split(b"\n", 1)[0].decode("ascii"), []
        elif tok.startswith(b":"):  # a merge's combined entry: one mode and id per parent
            colons = len(tok) - len(tok.lstrip(b":"))
            parts = tok[colons:].split()
            modes, shas = parts[:colons + 1], [p.decode("ascii") for p in parts[colons + 1:2 * colons + 2]]
            path = tokens[i] if i < n else b""
            i += 1
            if len(shas) != colons + 1 or modes[-1] == GITLINK or (shas[-1] == NULL_SHA and modes[0] == GITLINK):
                continue
            olds = tuple(s for s, m in zip(shas[:-1], modes[:-1], strict=True) if s != NULL_SHA and m != GITLINK)
            changes.append(Change(path, None if shas[-1] == NULL_SHA else shas[-1], olds))
    if sha is not None:
        yield sha, changes


def common_prefix(a: bytes, b: bytes) -> int:
    """Length of the longest common prefix (slices compared with memcmp, then bisected)."""
    n = min(len(a), len(b))
    i = 0
    step = _STEP
    while i + step <= n and a[i:i + step] == b[i:i + step]:
        i += step
        step *= 2
    hi = min(n, i + step)
    while i < hi:  # a[:i] == b[:i]; the first difference is before hi (or there is none up to n)
        mid = (i + hi + 1) // 2
        if a[i:mid] == b[i:mid]:
            i = mid
        else:
            hi = mid - 1
    return i


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the longest common suffix, at most `limit`."""
    la, lb = len(a), len(b)
    n = min(la, lb, limit)
    i = 0
    step = _STEP
    while i + step <= n and a[la - i - step:la - i] == b[lb - i - step:lb - i]:
        i += step
        step *= 2
    hi = min(n, i + step)
    while i < hi:
        mid = (i + hi + 1) // 2
        if a[la - mid:la - i] == b[lb - mid:lb - i]:
            i = mid
        else:
            hi = mid - 1
    return i


@dataclass(frozen=True)
class Region:
    """The changed part of a new version, as whole lines: new[start:end] replaced old[old_start:old_end]
    (the same start in both: what comes before is common)."""

    start: int
    end: int
    old_start: int
    old_end: int


def changed_region(old: bytes, new: bytes) -> Region | None:
    """Where `new` differs from `old`, widened to whole lines; None when the lines are the same."""
    if old == new:
        return None
    p = common_prefix(old, new)
    s = common_suffix(old, new, min(len(old), len(new)) - p)
    start = new.rfind(b"\n", 0, p) + 1  # back to the start of the line holding the first difference
    qn, qo = len(new) - s, len(old) - s  # where the common suffix starts in each
    if _at_line_start(new, qn) and _at_line_start(old, qo):
        end, old_end = qn, qo
    else:  # forward to the end of the line holding the last difference (the same place in both)
        nl = new.find(b"\n", qn)
        end = len(new) if nl < 0 else nl + 1
        old_end = qo + (end - qn)
    if end <= start and old_end <= start:
        return None
    return Region(start, end, start, old_end)


def _at_line_start(data: bytes, pos: int) -> bool:
    return pos == 0 or data[pos - 1:pos] == b"\n"


def region_bounds(old: bytes, new: bytes, context: int) -> tuple[int, int, int, int, int] | None:
    """changed_region and its context in one: (start, end, old_end, context start, context end),
    where new[start:end] replaced old[start:old_end] and the context adds up to `context` whole
    lines each side (widen); None when the lines are the same."""
    r = changed_region(old, new)
    if r is None:
        return None
    ws, we = widen(new, r.start, r.end, context)
    return r.start, r.end, r.old_end, ws, we


def widen(data: bytes, start: int, end: int, lines: int) -> tuple[int, int]:
    """[start, end) grown by up to `lines` whole lines on each side."""
    for _ in range(lines):
        if start <= 0:
            break
        start = data.rfind(b"\n", 0, start - 1) + 1
    for _ in range(lines):
        if end >= len(data):
            break
        nl = data.find(b"\n", end)
        end = len(data) if nl < 0 else nl + 1
    return start, end


def lines_added(old: bytes, new: bytes, ws: int, we: int, start: int, end: int) -> list[int]:
    """Numbers (from 0) of the lines of new[ws:we] that start in the changed region new[start:end],
    are not blank and are no line of `old` (the old region): the lines a change added, as
    positions in its context window."""
    old_lines = set(old.split(b"\n"))
    out = []
    at = ws
    for i, line in enumerate(new[ws:we].split(b"\n")):
        if at >= end:
            break
        if at >= start and line.strip() and line not in old_lines:
            out.append(i)
        at += len(line) + 1
    return out


def around_lines(data: bytes, ws: int, we: int, hit: list[int], context: int) -> tuple[bytes, list[int]]:
    """The lines of data[ws:we] (numbered from 0; a final newline ends the last line) within
    `context` lines of one numbered in `hit` (ascending, from 0), joined with newlines, and their numbers."""
    lines = data[ws:we].split(b"\n")
    if data[we - 1:we] == b"\n":
        lines.pop()
    n = len(lines)
    keep = sorted({j for i in hit for j in range(i - context, i + context + 1) if 0 <= j < n})
    return b"\n".join(lines[i] for i in keep), keep


def keyword_windows_py(data: bytes, ends: list[int] | list[tuple[int, str]]) -> frozenset[int]:
    """The hashes (this process's hash of bytes) of the lines around each keyword: for each end
    (offset just past a keyword, or an (end, keyword) pair as Engine.keyword_ends gives them), the
    line before the keyword's, its own and the one after, with their newlines. A change whose new
    version has no such window that an old version lacks adds no line with a keyword on it or next
    to it: nothing of it needs reading again (scanner.sources.gitscan)."""
    return frozenset(window_hashes_py(data, ends))


def window_hashes_py(data: bytes, ends: list[int] | list[tuple[int, str]]) -> list[int]:
    """keyword_windows_py, as a list: the hash of each end's window, in order."""
    n = len(data)
    out = []
    for item in ends:
        e = item[0] if isinstance(item, tuple) else item
        if not 1 <= e <= n:
            raise ValueError("keyword_windows: an end outside 1..len(data)")
        pos = e - 1
        ls = data.rfind(b"\n", 0, pos) + 1
        a = data.rfind(b"\n", 0, ls - 1) + 1 if ls > 0 else 0
        nl = data.find(b"\n", pos)
        le = n if nl < 0 else nl + 1
        nl = data.find(b"\n", le) if le < n else -1
        b = n if nl < 0 else nl + 1
        out.append(hash(data[a:b]))
    return out


# The same numbers from the C module when it was built (setup.py): one call instead of a bisection
# in Python per file change of a history sweep, and one hash table instead of lists and sets.
Bounds = Callable[[bytes, bytes, int], "tuple[int, int, int, int, int] | None"]
Added = Callable[[bytes, bytes, int, int, int, int], list[int]]
Around = Callable[[bytes, int, int, list[int], int], tuple[bytes, list[int]]]
Hashes = Callable[[bytes, "list[int] | list[tuple[int, str]]"], list[int]]
bounds: Bounds
added_lines: Added
lines_around: Around
window_hashes: Hashes
try:
    from scanner.sources._blobdiff import added_lines, lines_around, window_hashes
    from scanner.sources._blobdiff import changed_region as bounds
except ImportError:  # built without a compiler: the Python versions above
    bounds = region_bounds
    added_lines = lines_added
    lines_around = around_lines
    window_hashes = window_hashes_py


def keyword_windows(data: bytes, ends: list[int] | list[tuple[int, str]]) -> frozenset[int]:
    """keyword_windows_py, the hashes from the C module when it was built."""
    return frozenset(window_hashes(data, ends))
