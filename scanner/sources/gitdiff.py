"""Parse `git diff -p -U1 --full-index` output (plain and combined) into the added lines of each file.

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
from dataclasses import dataclass
from typing import IO

from scanner.sources.gitcmd import NULL_SHA, decode_path, unquote_path

COMMIT_MARK = b"\x01"  # diff-tree --format=%x01%H puts this before each commit id
_RECORD_SPLIT = re.compile(rb"\n(?=\x01|diff --(?:git|cc|combined) )")
_HUNK = re.compile(rb"^@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)(?:,([0-9]+))? @@", re.M)
_COMBINED_HUNK = re.compile(rb"^(@@@+) .*? \+([0-9]+)(?:,([0-9]+))? @@@")
_SHOWN = re.compile(rb"^[+ ](.*)", re.M)
_MARK = re.compile(rb"^([+ ])", re.M)
_REMOVED = re.compile(rb"^-(.*)", re.M)
_INDEX = re.compile(rb"^index ([0-9a-f,]+)\.\.([0-9a-f]+)(?: ([0-7]+))?$", re.M)
READ_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileDiff:
    """One file of one diff: its path in the new version and the lines the diff adds."""

    path: str
    text: str  # the lines shown (added, and context around them), joined with "\n"
    line_map: tuple[int, ...]  # line number (in the new version) of each shown line
    marks: bytes  # one byte per shown line: b"+" added, b" " context
    new_blob: str | None
    old_blobs: tuple[str, ...]  # the previous version(s); one per parent for a merge
    removals: bool = False  # the diff also removes lines
    binary: bool = False  # git would not diff it (binary, or over core.bigFileThreshold)
    new_file: bool = False
    submodule: bool = False
    path_ok: bool = True  # the path is valid UTF-8
    text_ok: bool = True  # the added text is valid UTF-8
    combined: bool = False


def records(stream: IO[bytes], block: int = READ_BLOCK) -> Iterator[bytes]:
    """Cut a diff stream into commit headers (starting with COMMIT_MARK) and file sections, reading
    in large blocks; memory holds one block plus the largest section."""
    pending = b""
    while True:
        data = stream.read(block)
        if not data:
            break
        parts = _RECORD_SPLIT.split(pending + data if pending else data)
        pending = parts.pop()
        for p in parts:
            if p:
                yield p
    if pending.strip():
        yield pending


def commit_id(record: bytes) -> str | None:
    """The commit id of a commit header record, else None."""
    if not record.startswith(COMMIT_MARK):
        return None
    return record[1:].split(b"\n", 1)[0].strip().decode("ascii", "replace")


def parse_section(rec: bytes) -> FileDiff:
    cut = rec.find(b"\n@@")
    header = rec if cut < 0 else rec[:cut]
    body = b"" if cut < 0 else rec[cut + 1:]
    lines = header.split(b"\n")
    combined = not lines[0].startswith(b"diff --git ")
    raw_path: bytes | None = None
    new_file = binary = submodule = False
    old_blobs: tuple[str, ...] = ()
    new_blob: str | None = None
    for ln in lines[1:]:
        if ln.startswith(b"+++ "):
            name = ln[4:].rstrip(b"\t")
            if name != b"/dev/null":
                raw_path = _strip_prefix(unquote_path(name), b"b/")
        elif ln.startswith((b"rename to ", b"copy to ")) and raw_path is None:
            raw_path = unquote_path(ln.split(b" to ", 1)[1])
        elif ln.startswith(b"new file mode"):
            new_file = True
            submodule = submodule or ln.endswith(b"160000")
        elif ln.startswith(b"index "):
            m = _INDEX.match(ln)
            if m:
                old_blobs = tuple(s for s in m.group(1).decode().split(",") if s != NULL_SHA)
                new_blob = None if m.group(2).decode() == NULL_SHA else m.group(2).decode()
                submodule = submodule or m.group(3) == b"160000"
        elif ln.startswith(b"Binary files "):
            binary = True
    if raw_path is None:
        raw_path = _path_from_diff_line(lines[0], combined)
    path, path_ok = decode_path(raw_path)
    shown, line_map, marks, removals = _walk_hunks(body, 0) if combined else _plain_shown(body)
    raw_text = b"\n".join(shown)
    try:
        text, text_ok = raw_text.decode("utf-8"), True
    except UnicodeDecodeError:
        text, text_ok = raw_text.decode("utf-8", "replace"), False
    return FileDiff(path=path, text=text, line_map=tuple(line_map), marks=marks, new_blob=new_blob,
                    old_blobs=old_blobs,
                    removals=removals, binary=binary, new_file=new_file, submodule=submodule,
                    path_ok=path_ok, text_ok=text_ok, combined=combined)


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
    return frozenset(n for n, m in zip(fd.line_map, fd.marks, strict=True) if m == 0x2B)


def _plain_shown(body: bytes) -> tuple[list[bytes], list[int], bytes, bool]:
    if not body:
        return [], [], b"", False
    shown = _SHOWN.findall(body)
    line_map: list[int] = []
    for m in _HUNK.finditer(body):
        start = int(m.group(1))
        count = 1 if m.group(2) is None else int(m.group(2))
        line_map.extend(range(start, start + count))
    if len(line_map) != len(shown):  # not the usual shape; number the lines one by one
        return _walk_hunks(body, 1)
    return shown, line_map, b"".join(_MARK.findall(body)), b"\n-" in body


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
