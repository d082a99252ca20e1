"""Scan a run of commits: the lines each commit adds, as raw hits (attribution happens later).

Fast path: one `git diff-tree --stdin -p -U0 -c -M` per run of commits, read in large blocks and
cut into files by gitdiff; each file's added lines are one chunk for the engine. A merge shows only
lines that differ from every parent (-c), so a line added while resolving a merge is scanned and
lines merely taken from one side are not. A hit whose secret the same commit also removes (a moved,
re-indented or edited line) is not new and is dropped.

Blob path (rare): files git will not diff (binary, over the size limit, marked binary by
.gitattributes), commits git cannot diff (a corrupt or missing object) and every commit of a
partial clone are read blob by blob with `git cat-file`; their added lines are the lines absent
from every previous version. An object that cannot be read is one warning line; the sweep goes on.
"""

from __future__ import annotations

import io
import logging
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from scanner.engine import Engine
from scanner.models import Chunk, Finding, Origin
from scanner.sources.gitcmd import (
    DIFF_OPTIONS,
    NULL_SHA,
    CatFile,
    ObjectUnreadable,
    decode_path,
    first_error_line,
    git_argv,
    git_env,
    run_git,
    stdin_feeder,
)
from scanner.sources.gitdiff import (
    commit_id,
    has_added,
    lines_not_in,
    marked_records,
    new_side_path,
    on_added_lines,
    parse_section,
    probe_bytes,
    records,
    removed_lines,
    removes_lines,
)
from scanner.sources.walk import excluded

log = logging.getLogger(__name__)

SNIFF_BYTES = 8192
GITLINK = b"160000"
DIFF_TREE = ("diff-tree", "--stdin", "-r", "-c", "-M", "--root", *DIFF_OPTIONS, "--format=%x01%H")
RAW_TREE = ("diff-tree", "--stdin", "-r", "-z", "--raw", "--no-abbrev", "-c", "--no-renames", "--root",
            "--format=%x01%H")


@dataclass(frozen=True)
class ScanContext:
    """What every worker needs; built once, inherited by forked workers."""

    cwd: str
    engine: Engine
    max_size: int
    exclude: tuple[str, ...] = ()
    missing: frozenset[str] = frozenset()  # objects a partial clone lacks (never asked for)
    blob_level: bool = False  # read every commit blob by blob (partial clones)


@dataclass
class TaskResult:
    hits: list[tuple[int, Finding]] = field(default_factory=list)  # (topological position, finding)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bytes_scanned: int = 0
    skipped: int = 0
    commits: int = 0


@dataclass
class _Commit:
    sha: str
    order: int
    hits: list[Finding] = field(default_factory=list)
    removals: bool = False
    deferred: list[tuple[str, str | None, tuple[str, ...]]] = field(default_factory=list)  # blob path


class _Task:
    def __init__(self, ctx: ScanContext) -> None:
        self.ctx = ctx
        self.out = TaskResult()
        self._cat: CatFile | None = None
        self._warned: set[str] = set()

    @property
    def cat(self) -> CatFile:
        if self._cat is None:
            self._cat = CatFile(self.ctx.cwd, self.ctx.max_size, self.ctx.missing)
        return self._cat

    def close(self) -> None:
        if self._cat is not None:
            self._cat.close()

    def warn_once(self, key: str, msg: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.out.warnings.append(msg)

    # -- fast path ----------------------------------------------------------------------

    def diff_run(self, shas: Sequence[str], base: int) -> tuple[int, str | None]:
        """Diff `shas` with one git process. Returns (commits fully handled, git's error or None);
        on error the commit being read is dropped (the caller tries it again on its own)."""
        err = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
        proc = subprocess.Popen(git_argv(self.ctx.cwd, *DIFF_TREE, big_file_threshold=self.ctx.max_size),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=git_env())
        feeder = threading.Thread(target=stdin_feeder, args=(proc, shas), daemon=True)
        feeder.start()
        index = {s: i for i, s in enumerate(shas)}
        cur: _Commit | None = None
        assert proc.stdout is not None
        try:
            for rec, keyword in marked_records(proc.stdout, self.ctx.engine.keyword_ends):
                sha = commit_id(rec)
                if sha is not None:
                    if cur is not None:
                        self.finish(cur)
                    cur = _Commit(sha, base + index.get(sha, 0))
                elif cur is not None:
                    self.section(cur, rec, keyword)
        finally:
            proc.stdout.close()
            rc = proc.wait()
            feeder.join()
            err.seek(0)
            message = first_error_line(err.read())
            err.close()
        if rc == 0:
            if cur is not None:
                self.finish(cur)
            return len(shas), None
        return (cur.order - base if cur is not None else 0), message

    def section(self, c: _Commit, rec: bytes, keyword: bool = True) -> None:
        if not keyword and self.quiet(rec):
            c.removals = c.removals or removes_lines(rec)
            return
        fd = parse_section(rec)
        if fd.submodule or excluded(fd.path, self.ctx.exclude):
            return
        if not fd.path_ok:
            self.warn_once("path:" + fd.path, f"{fd.path}: path is not valid UTF-8 (shown with replacement characters)")
        if fd.new_file:
            c.hits.extend(self.ctx.engine.scan_path(fd.path))
        if fd.binary:
            c.deferred.append((fd.path, fd.new_blob, fd.old_blobs))
            return
        c.removals = c.removals or fd.removals
        if not has_added(fd):
            return
        if not fd.text_ok:
            self.warn_once("text:" + fd.path, f"{fd.path}: not valid UTF-8; scanned with replacement characters")
        found = self.scan_added(c, fd.path, fd.text, None)
        if found:
            c.hits.extend(on_added_lines(found, fd))

    def quiet(self, rec: bytes) -> bool:
        """True for a keyword-free file section that can produce neither a finding nor a warning: a
        plain-ASCII, non-binary, two-sided diff of a file no rule is bound to by name. Most sections
        of a history are like this; they are not parsed at all."""
        if not rec.startswith(b"diff --git ") or not rec.isascii():
            return False
        text = rec.decode("ascii")
        if "\nBinary files " in text or "\nGIT binary patch" in text:
            return False
        path = new_side_path(text)
        return path is not None and not self.ctx.engine.path_matters(path)

    def scan_added(self, c: _Commit, path: str, text: str, line_map: tuple[int, ...] | None) -> list[Finding]:
        self.out.bytes_scanned += len(text)
        return self.ctx.engine.scan(Chunk(text=text, origin=Origin(path=path, commit=c.sha), line_map=line_map))

    def finish(self, c: _Commit) -> None:
        for path, new, olds in c.deferred:
            self.blob_file(c, path, new, olds)
        hits = c.hits
        if hits and c.removals:
            hits = self.not_moved(c.sha, hits)
        self.out.hits.extend((c.order, f) for f in hits)

    def not_moved(self, sha: str, hits: list[Finding]) -> list[Finding]:
        """Drop hits whose secret the commit also removes (moved, re-indented or edited lines)."""
        try:
            patch = run_git(self.ctx.cwd, "diff-tree", "-r", "-c", "-M", "--root", "--no-commit-id",
                            *DIFF_OPTIONS, sha)
        except Exception as e:  # noqa: BLE001 - keep the hits when the check cannot run
            log.debug("moved-line check for %s failed: %s", sha, e)
            return hits
        removed = b"\n".join(ln for rec in records(io.BytesIO(patch)) for ln in removed_lines(rec))
        return [f for f in hits if probe_bytes(f.secret) not in removed]

    # -- blob path ----------------------------------------------------------------------

    def blob_file(self, c: _Commit, path: str, new: str | None, olds: Sequence[str],
                  old_texts: list[bytes] | None = None) -> None:
        """Scan the lines of blob `new` absent from every blob in `olds`."""
        if new is None:
            return
        short = c.sha[:12]
        try:
            blob = self.cat.read(new)
        except ObjectUnreadable as e:
            self.out.warnings.append(f"object {e.sha} ({path} in commit {short}): {e.reason}; skipped")
            self.out.skipped += 1
            return
        if blob.data is None:
            self.warn_once("big:" + new, f"{path} in commit {short}: {blob.size} bytes is over --max-file-size "
                                          f"({self.ctx.max_size}); skipped")
            self.out.skipped += 1
            return
        if b"\0" in blob.data[:SNIFF_BYTES]:
            self.out.notes.append(f"{path} in commit {short}: binary; skipped")
            self.out.skipped += 1
            return
        olds_data: list[bytes] = []
        for o in olds:
            try:
                old = self.cat.read(o)
            except ObjectUnreadable as e:
                self.out.warnings.append(f"object {e.sha} (previous {path} in commit {short}): {e.reason}; "
                                         "every line of the new version counts as added")
                continue
            if old.data is not None:
                olds_data.append(old.data)
        if old_texts is not None:
            old_texts.extend(olds_data)
        new_lines = lines_not_in(blob.data, olds_data)
        if new_lines is None:
            return
        if not new_lines.text_ok:
            self.warn_once("text:" + path, f"{path}: not valid UTF-8; scanned with replacement characters")
        c.hits.extend(self.scan_added(c, path, new_lines.text, new_lines.line_map))

    def blob_commits(self, shas: Sequence[str], base: int) -> None:
        """Every file of every commit through the blob path (git diffs no contents)."""
        raw = run_git(self.ctx.cwd, *RAW_TREE, stdin="".join(f"{s}\n" for s in shas).encode())
        index = {s: i for i, s in enumerate(shas)}
        for sha, entries in raw_entries(raw):
            c = _Commit(sha, base + index.get(sha, 0))
            old_texts: list[bytes] = []
            for raw_path, olds, new in entries:
                path, ok = decode_path(raw_path)
                if not ok:
                    self.warn_once("path:" + path, f"{path}: path is not valid UTF-8 (shown with replacement "
                                                   "characters)")
                if excluded(path, self.ctx.exclude):
                    continue
                if not olds:
                    c.hits.extend(self.ctx.engine.scan_path(path))
                self.blob_file(c, path, new, olds, old_texts)
            removed = b"\n".join(old_texts)
            self.out.hits.extend((c.order, f) for f in c.hits if probe_bytes(f.secret) not in removed)


def raw_entries(raw: bytes) -> Iterator[tuple[str, list[tuple[bytes, tuple[str, ...], str]]]]:
    """(commit, [(path, old blobs, new blob)]) from `diff-tree -z --raw -c --format=%x01%H`;
    deletions and submodules are left out."""
    sha: str | None = None
    entries: list[tuple[bytes, tuple[str, ...], str]] = []
    tokens = iter(raw.split(b"\0"))
    for tok in tokens:
        tok = tok.lstrip(b"\n")
        if tok.startswith(b"\x01"):
            if sha is not None:
                yield sha, entries
            sha, entries = tok[1:].split(b"\n", 1)[0].decode("ascii"), []
            continue
        if not tok.startswith(b":"):
            continue
        colons = len(tok) - len(tok.lstrip(b":"))
        parts = tok[colons:].split()
        modes, shas = parts[:colons + 1], [p.decode() for p in parts[colons + 1:2 * colons + 2]]
        path = next(tokens, b"")
        if shas[-1] == NULL_SHA or modes[-1] == GITLINK:
            continue
        olds = tuple(s for s, m in zip(shas[:-1], modes[:-1], strict=True) if s != NULL_SHA and m != GITLINK)
        entries.append((path, olds, shas[-1]))
    if sha is not None:
        yield sha, entries


def scan_commits(ctx: ScanContext, shas: Sequence[str], base: int) -> TaskResult:
    """Scan `shas` (their topological positions start at `base`); bad objects never stop it."""
    task = _Task(ctx)
    task.out.commits = len(shas)
    try:
        if ctx.blob_level:
            task.blob_commits(shas, base)
            return task.out
        pos = 0
        while pos < len(shas):
            done, error = task.diff_run(shas[pos:], base + pos)
            if error is None:
                break
            probe_at = pos + done
            _, error = task.diff_run([shas[probe_at]], base + probe_at)
            if error is not None:
                log.debug("git cannot diff commit %s (%s); reading its files one by one", shas[probe_at], error)
                task.out.notes.append(f"commit {shas[probe_at][:12]}: git cannot diff it ({error}); "
                                      "read blob by blob")
                task.blob_commits([shas[probe_at]], base + probe_at)
            pos = probe_at + 1
        return task.out
    finally:
        task.close()
