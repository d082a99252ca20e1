"""Parse `git diff -p -U1 --full-index` output (plain and combined) into the added lines of each
file (used for the staged changes of a pre-commit run; history sweeps diff blobs, see gitblobs).

No Python loop walks the lines of a plain diff: the stream is cut into records at commit and file
headers, and the lines of the new version that a hunk shows (added lines and one line of context
each side) are taken out by one regular expression (in C), with their line numbers from the hunk
headers (a hunk's new-side lines are consecutive). The context lets a match that starts or ends on
an unchanged line (a private key whose BEGIN line git aligned with an older key) be seen whole;
`marks` tells added lines from context so that findings lying only on context can be dropped.
Only combined (merge) hunks, which are rare, are walked line by line. Pure functions, no I/O beyond
reading the given stream.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO

from scanner.models import Finding
from scanner.sources.gitcmd import NULL_SHA, decode_path, unquote_path

COMMIT_MARK = b"\x01"  # diff-tree --format=%x01%H puts this before each commit id
_RECORD_SPLIT = re.compile(rb"\n(?=\x01|diff --(?:git|cc|combined) )")
_HUNK = re.compile(rb"^@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)(?:,([0-9]+))? @@", re.M)
_COMBINED_HUNK = re.compile(rb"^(@@@+) .*? \+([0-9]+)(?:,([0-9]+))? @@@")
_SHOWN = re.compile(rb"^[+ ](.*)", re.M)
_MARK = re.compile(rb"^([+ ])", re.M)
_REMOVED = re.compile(rb"^-(.*)", re.M)
_INDEX = re.compile(rb"([0-9a-f,]+)\.\.([0-9a-f]+)(?: ([0-7]+))?$")
_HEADER = re.compile(rb"^(\+\+\+ |index |new file mode |Binary files |rename to |copy to )(.*)$", re.M)
READ_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileDiff:
    """One file of one diff: its path in the new version and the lines the diff shows of it (added
    lines and their context). Line numbers are worked out on demand (see `numbering`)."""

    path: str
    text: str  # the lines shown (added, and context around them), joined with "\n"
    new_blob: str | None
    old_blobs: tuple[str, ...]  # the previous version(s); one per parent for a merge
    removals: bool = False  # the diff also removes lines
    binary: bool = False  # git would not diff it (binary, or over core.bigFileThreshold)
    new_file: bool = False
    submodule: bool = False
    path_ok: bool = True  # the path is valid UTF-8
    text_ok: bool = True  # the shown text is valid UTF-8
    combined: bool = False
    body: bytes = field(default=b"", repr=False)  # the hunks, for numbering
    numbers: tuple[tuple[int, ...], bytes] | None = field(default=None, repr=False)  # combined: worked out


def records(stream: IO[bytes], block: int = READ_BLOCK) -> Iterator[bytes]:
    """Cut a diff stream into commit headers (starting with COMMIT_MARK) and file sections, reading
    in large blocks; memory holds one block plus the largest section."""
    pending = b""
    while True:
        data = stream.read(block)
        if not data:
            break
        whole = pending + data if pending else data
        starts = [0, *(m.end() for m in _RECORD_SPLIT.finditer(whole))]
        if len(starts) == 1:
            pending = whole
            continue
        done, pending = whole[:starts[-1] - 1], whole[starts[-1]:]
        yield from _cut(done, starts[:-1])
    if pending.strip():
        yield from _cut(pending, [0])


def _cut(done: bytes, starts: list[int]) -> Iterator[bytes]:
    bounds = [*starts[1:], len(done) + 1]
    for i, st in enumerate(starts):
        rec = done[st:bounds[i] - 1]
        if rec:
            yield rec


def parse_section(rec: bytes) -> FileDiff:
    cut = rec.find(b"\n@@")
    header = rec if cut < 0 else rec[:cut]
    body = b"" if cut < 0 else rec[cut + 1:]
    first = header.split(b"\n", 1)[0]
    combined = not first.startswith(b"diff --git ")
    raw_path: bytes | None = None
    renamed_to: bytes | None = None
    new_file = binary = submodule = False
    old_blobs: tuple[str, ...] = ()
    new_blob: str | None = None
    for m in _HEADER.finditer(header):
        key, value = m.group(1), m.group(2)
        if key == b"+++ ":
            name = value.rstrip(b"\t")
            if name != b"/dev/null":
                raw_path = _strip_prefix(unquote_path(name), b"b/")
        elif key == b"index ":
            im = _INDEX.match(value)
            if im:
                old_blobs = tuple(x for x in im.group(1).decode().split(",") if x != NULL_SHA)
                new = im.group(2).decode()
                new_blob = None if new == NULL_SHA else new
                submodule = submodule or im.group(3) == b"160000"
        elif key == b"new file mode ":
            new_file = True
            submodule = submodule or value == b"160000"
        elif key == b"Binary files ":
            binary = True
        else:  # rename to / copy to
            renamed_to = unquote_path(value)
    if raw_path is None:
        raw_path = renamed_to if renamed_to is not None else _path_from_diff_line(first, combined)
    path, path_ok = decode_path(raw_path)
    numbers = None
    if combined:
        shown, line_map, marks, removals = _walk_hunks(body, 0)
        numbers = (tuple(line_map), marks)
    else:
        shown, removals = _SHOWN.findall(body), _removes_lines(body)
    raw_text = b"\n".join(shown)
    try:
        text, text_ok = raw_text.decode("utf-8"), True
    except UnicodeDecodeError:
        text, text_ok = raw_text.decode("utf-8", "replace"), False
    return FileDiff(path=path, text=text, new_blob=new_blob, old_blobs=old_blobs, removals=removals, binary=binary,
                    new_file=new_file, submodule=submodule, path_ok=path_ok, text_ok=text_ok, combined=combined,
                    body=body, numbers=numbers)


def numbering(fd: FileDiff) -> tuple[tuple[int, ...], bytes]:
    """(line number in the new version of each shown line, one mark per shown line: b"+" added,
    b" " context). From the hunk headers: a hunk's new-side lines are consecutive."""
    if fd.numbers is not None:
        return fd.numbers
    line_map: list[int] = []
    for m in _HUNK.finditer(fd.body):
        start = int(m.group(1))
        count = 1 if m.group(2) is None else int(m.group(2))
        line_map.extend(range(start, start + count))
    marks = b"".join(_MARK.findall(fd.body))
    if len(line_map) != len(marks):  # not the usual shape; number the lines one by one
        _, walked, marks, _ = _walk_hunks(fd.body, 1)
        return tuple(walked), marks
    return tuple(line_map), marks


def has_added(fd: FileDiff) -> bool:
    """Whether the diff adds any line (merges: any line new to every parent)."""
    if fd.combined:
        return fd.numbers is not None and b"+" in fd.numbers[1]
    return b"\n+" in fd.body


def on_added_lines(found: Iterable[Finding], fd: FileDiff) -> list[Finding]:
    """Findings from scanning `fd.text` (numbered from 1) moved to their lines in the file; those
    lying only on context lines are dropped (they were not added)."""
    line_map, marks = numbering(fd)
    out = []
    for f in found:
        first, last = f.line - 1, min(f.end_line, len(line_map)) - 1
        if 0 <= first < len(line_map) and b"+" in marks[first:last + 1]:
            out.append(replace(f, line=line_map[first], end_line=line_map[max(first, last)]))
    return out


def removed_lines(rec: bytes) -> list[bytes]:
    """The lines a file section removes (any parent, for a combined diff)."""
    cut = rec.find(b"\n@@")
    if cut < 0:
        return []
    body = rec[cut + 1:]
    if rec.startswith(b"diff --git "):
        return _REMOVED.findall(body)
    out = []
    width = 0
    for ln in body.split(b"\n"):
        if ln.startswith(b"@@@"):
            m = _COMBINED_HUNK.match(ln)
            width = len(m.group(1)) - 1 if m else 0
        elif width and b"-" in ln[:width]:
            out.append(ln[width:])
    return out


def added_lines(fd: FileDiff) -> frozenset[int]:
    """Line numbers of the added (not context) lines of a file diff."""
    line_map, marks = numbering(fd)
    return frozenset(n for n, m in zip(line_map, marks, strict=True) if m == 0x2B)


def _walk_hunks(body: bytes, width: int) -> tuple[list[bytes], list[int], bytes, bool]:
    """Lines of the new version shown by the hunks, their numbers, and which were added against
    every parent. `width` 0 reads the number of parents from each hunk header ('@' count - 1)."""
    shown: list[bytes] = []
    line_map: list[int] = []
    marks = bytearray()
    removals = False
    cur = 0
    n = width
    for ln in body.split(b"\n"):
        if ln.startswith(b"@@"):
            m = _COMBINED_HUNK.match(ln) if not width else _HUNK.match(ln)
            if m is None:
                n = 0
                continue
            if width:
                cur = int(m.group(1))
            else:
                n, cur = len(m.group(1)) - 1, int(m.group(2))
            continue
        if not n or len(ln) < n or ln.startswith(b"\\"):
            continue
        head = ln[:n]
        if b"-" in head:
            removals = True
            continue
        shown.append(ln[n:])
        line_map.append(cur)
        marks.append(0x2B if head == b"+" * n else 0x20)
        cur += 1
    return shown, line_map, bytes(marks), removals


@dataclass(frozen=True)
class NewLines:
    text: str
    line_map: tuple[int, ...]
    text_ok: bool


def lines_not_in(new: bytes, olds: Iterable[bytes]) -> NewLines | None:
    """The non-blank lines of `new` found in none of `olds`, numbered: a blob-level diff for files
    git would not diff (marked binary, or unreadable history)."""
    seen: set[bytes] = set()
    for old in olds:
        seen.update(old.split(b"\n"))
    numbered = [(i, ln) for i, ln in enumerate(new.split(b"\n"), 1) if ln not in seen and ln.strip()]
    if not numbered:
        return None
    raw = b"\n".join(ln for _, ln in numbered)
    try:
        text, ok = raw.decode("utf-8"), True
    except UnicodeDecodeError:
        text, ok = raw.decode("utf-8", "replace"), False
    return NewLines(text, tuple(i for i, _ in numbered), ok)


def _removes_lines(body: bytes) -> bool:
    """Whether two-sided hunks remove any line."""
    return body.startswith(b"-") or body.find(b"\n-") >= 0


def probe(secret: str) -> str:
    """The part of a secret to look for in other text: its longest line (diffs and grep are by line)."""
    return max(secret.split("\n"), key=len)


def probe_bytes(secret: str) -> bytes:
    return probe(secret).encode("utf-8", "surrogatepass")


def _strip_prefix(name: bytes, prefix: bytes) -> bytes:
    return name[len(prefix):] if name.startswith(prefix) else name


def _path_from_diff_line(line: bytes, combined: bool) -> bytes:
    """The new path from 'diff --git a/X b/Y' or 'diff --cc X' (used when there is no +++ line)."""
    rest = line.split(b" ", 2)[2] if line.count(b" ") >= 2 else b""
    if combined:
        return unquote_path(rest)
    if rest.startswith(b'"'):
        end = rest.find(b'" ', 1)
        while end > 0 and rest[end - 1:end] == b"\\":
            end = rest.find(b'" ', end + 1)
        second = rest[end + 2:] if end > 0 else rest
        return _strip_prefix(unquote_path(second), b"b/")
    if rest.endswith(b'"') and b' "' in rest:
        return _strip_prefix(unquote_path(rest[rest.rfind(b' "') + 1:]), b"b/")
    half = (len(rest) - 1) // 2  # "a/P b/P": both halves have the same length when P is unchanged
    return _strip_prefix(rest[half + 1:], b"b/")
