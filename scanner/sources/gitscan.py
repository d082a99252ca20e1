"""Scan a run of commits: the lines each commit adds, as raw hits (attribution happens later).

One `git diff-tree --raw -c -M` lists what each commit changed (no patches: computing them is most
of what `git log -p` costs). Then, per run of commits:

* every blob version the run needs is read once, in the order the packs store them
  (scanner.sources.packorder: git rebuilds each delta chain once instead of once per version), and
  reduced to its keyword windows: the lines around each rule keyword (gitblobs.window_hashes);
* a change whose new version has no window its old version(s) lack adds no line with a keyword on
  it or next to it: it is done (nearly every change). The others, changes of files a rule is bound
  to by name (Terraform's structure among them) and versions that are not plain text, are read
  again, in pack order of their new version, and scanned as follows.

For such a change the part of the new version that differs from the old is found by cutting off the
common prefix and suffix (scanner.sources.gitblobs); only a region with a rule keyword (or a file a
rule is bound to by name) is split into lines. Its lines absent from the old region are the
commit's added lines; the region is scanned with a line of context each side (a private key pasted
between existing BEGIN and END lines is seen whole) and findings that touch no added line are
dropped. The blobs are streamed by one `git cat-file --batch` while a worker keeps the versions a
later change needs again (scanner.sources.blobplan).

* A merge: lines of the result found in none of the parents (-c lists only files that differ from
  every parent), so a line added while resolving a merge is scanned, lines taken from one side are not.
* A rename (-M) is compared with its source, so the renamed file is not new.
* A hit whose secret the same commit removes elsewhere (a moved, re-indented or edited line, or a
  line moved to another file) is not new and is dropped.
* An object that cannot be read (corrupt, missing from a partial clone) is one warning line, a file
  over the size limit or binary one note; the sweep goes on.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from scanner.engine import Engine
from scanner.iac import file_kind, on_lines, scan_structured
from scanner.models import Chunk, Finding, Origin
from scanner.sources import blobplan
from scanner.sources.archives import ArchiveLimits, Skipped, archive_name, kind_of, members
from scanner.sources.artefacts import HEAD_BYTES, own_artefact, skip_note
from scanner.sources.gitblobs import (
    Change,
    added_lines,
    bounds,
    lines_around,
    parse_raw,
    window_hashes,
)
from scanner.sources.gitcmd import (
    Blob,
    BlobStream,
    CatFile,
    ListingStream,
    ObjectUnreadable,
    blob_sizes,
    decode_path,
    end_processes,
)
from scanner.sources.gitdiff import probe_bytes
from scanner.sources.packorder import PackOrder, object_dirs
from scanner.sources.walk import excluded

log = logging.getLogger(__name__)

SNIFF_BYTES = 8192
# (trees are read in history order, all over a pack: with git's 6 MB delta base cache a tree's delta
# chain is walked again and again; 12 MB takes diff-tree's CPU on a repacked benchmarks/projectrepo.py
# from 3.4 to ~2.6 s, for ~8 MB more per listing process; 16 and 24 MB were no faster in a sweep)
RAW_TREE = ("-c", "core.deltaBaseCacheLimit=12m", "diff-tree", "--stdin", "-r", "-z", "--raw", "--no-abbrev", "-c",
            "-M", "--root", "--always", "--format=%x01%H")  # --always: a commit with nothing to list still has its line
CACHE_BLOBS = 16384  # blob versions a worker keeps between the scanned changes that need them ...
# ... within this many bytes of content: only the changes `gate` lets through are scanned (3% of
# them on benchmarks/projectrepo.py), so 4 MB (was 16) costs no time there and 12 MB less per worker
CACHE_BYTES = 4 << 20
CACHE_BIG = 4 << 20  # larger ones are read again when needed rather than kept
LINES_FIRST = 64 << 10  # a changed region larger than this is cut to its added lines before any search
CONTEXT_LINES = 1
LISTER_COMMITS = 5000  # diff-tree keeps what it parses: a new one after this many commits (memory stays bounded)
SUMMARY_CARRY = 20_000  # keyword windows of the files' last versions a run leaves for the next one
BLOB_WINDOWS = 1000  # a version with more keyword windows is not summarised: its changes are scanned
RUN_WINDOWS = 200_000  # keyword windows a run holds at most (~10 MB); versions beyond are not summarised
SPOT_TEXT = 64 << 10  # a large version's window lines kept up to this (its changes are scanned without a read)
REMOVED_BYTES = 8 << 20  # what the open commits' scanned changes took out, kept up to this; read again beyond


@dataclass(frozen=True)
class ScanContext:
    """What every worker needs; built once, inherited by forked workers."""

    cwd: str
    engine: Engine
    max_size: int
    exclude: tuple[str, ...] = ()
    missing: frozenset[str] = frozenset()  # objects a partial clone lacks (never asked for)
    archives: ArchiveLimits | None = None  # open archive blobs (`git --archives`)


@dataclass
class TaskResult:
    hits: list[tuple[int, Finding]] = field(default_factory=list)  # (topological position, finding)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bytes_scanned: int = 0
    skipped: int = 0
    commits: int = 0
    checksum_dropped: int = 0
    timed_out: int = 0


@dataclass
class _Commit:
    sha: str
    order: int
    changes: list[tuple[str, Change]]  # (decoded path, change), excluded paths left out
    todo: list[tuple[str, Change]] = field(default_factory=list)  # the changes to read again and scan
    skipped: list[tuple[str, Change]] = field(default_factory=list)  # the others (deletions among them)
    # changes of a large version scanned only at its new keyword windows: (path, change, keyword ends)
    spotted: list[tuple[str, Change, list[int]]] = field(default_factory=list)
    hits: list[Finding] = field(default_factory=list)
    left: int = 0  # changes of `todo` not scanned yet
    removed: list[bytes] | None = field(default_factory=list)  # old-side regions of `todo` (None: read again)
    removed_bytes: int = 0


def blob_wants(change: Change) -> list[str]:
    """The blobs a change needs, in the order they are used: old version(s), then the new one."""
    if change.new is None:
        return []
    return [*change.olds, change.new]


class _Blobs:
    """Blobs in the planned order from a BlobStream, kept between their uses as planned.

    `plan` (scanner.sources.blobplan) decides ahead, for every use in order, whether the blob is at
    hand or comes from the stream, and which kept blobs to let go after it (the one needed again
    farthest ahead; within CACHE_BLOBS blobs and CACHE_BYTES, none over CACHE_BIG), with the blobs'
    sizes from git (`sizes`). The reader follows that. Should a size be wrong (git could not tell
    it), the reader still keeps within the budget on its own, and a kept blob it let go is read
    again on its own: slower (one round trip to git), never wrong."""

    def __init__(self, max_size: int = 1 << 62) -> None:
        self.max_size = max_size  # a blob over it comes without its data: it is kept at no cost
        self._decisions: list[bool] = []  # per use: True when the plan counts on it being kept
        self._drop: dict[int, list[str]] = {}  # per use: what to let go after it
        self._next = 0
        self._kept: OrderedDict[str, Blob | ObjectUnreadable] = OrderedDict()
        self._bytes = 0
        self._stream: Iterator[Blob | ObjectUnreadable] = iter(())
        self._again: CatFile | None = None

    def plan(self, changes: Sequence[Change],
             sizes: Callable[[list[str]], dict[str, int]] | None = None) -> list[str]:
        """The blob ids to stream, in the order `get` will need the ones it does not keep, for
        `changes` taken in that order. `sizes`: sha -> size for the given blobs (those it leaves out
        count as empty)."""
        wants = [sha for ch in changes for sha in blob_wants(ch)]
        known = sizes([s for s in dict.fromkeys(wants) if s not in self._kept]) if sizes and wants else {}
        known = {sha: 0 if size > self.max_size else size for sha, size in known.items()}  # (comes without data)
        held = {sha: _held(b) for sha, b in self._kept.items()}
        ahead = blobplan.plan(wants, known, held, CACHE_BYTES, CACHE_BLOBS, CACHE_BIG)
        self._decisions, self._drop, self._next = ahead.kept, ahead.drop, 0
        return ahead.stream

    def start(self, stream: Iterator[Blob | ObjectUnreadable], again: CatFile) -> None:
        self._stream, self._again = stream, again

    def get(self, sha: str) -> Blob | ObjectUnreadable:
        use = self._next
        self._next += 1
        if self._decisions[use]:
            got = self._kept.get(sha)
            if got is None:
                assert self._again is not None
                try:
                    got = self._again.read(sha)  # let go for the byte budget (a size git could not tell)
                except ObjectUnreadable as e:
                    got = e
            else:
                self._kept.move_to_end(sha)
            if use in self._drop:
                self._let_go(use)
            return got
        got = next(self._stream)
        size = _held(got)
        if size <= CACHE_BIG:
            old = self._kept.pop(sha, None)
            if old is not None:
                self._bytes -= _held(old)
            self._kept[sha] = got
            self._bytes += size
        if use in self._drop:
            self._let_go(use)
        while self._bytes > CACHE_BYTES or len(self._kept) > CACHE_BLOBS:  # only when a size was wrong
            self._bytes -= _held(self._kept.popitem(last=False)[1])
        return got

    def _let_go(self, use: int) -> None:
        for sha in self._drop[use]:
            gone = self._kept.pop(sha, None)
            if gone is not None:
                self._bytes -= _held(gone)


def _held(got: Blob | ObjectUnreadable) -> int:
    """The bytes a kept answer holds."""
    return len(got.data) if isinstance(got, Blob) and got.data is not None else 0


class _Readers:
    """What a process keeps from one run to the next for a repository: its git processes (a new one
    starts cold: no pack windows, no delta base cache), the blob versions recent runs ended with
    (the old side of the next run's changes) and what it learnt about paths."""

    def __init__(self, ctx: ScanContext) -> None:
        self.ctx = ctx
        self.lister = ListingStream(ctx.cwd, RAW_TREE, recycle=LISTER_COMMITS)
        self.stream = BlobStream(ctx.cwd, ctx.max_size, ctx.missing)
        self.blobs = _Blobs(ctx.max_size)
        self._cat: CatFile | None = None
        self._big: CatFile | None = None
        self.paths: dict[bytes, tuple[str | None, bool]] = {}  # raw path -> (path, or None if excluded; valid UTF-8)
        self.bound: dict[str, bool] = {}  # path -> whether a rule is bound to its file name
        # blob -> its keyword windows (None: it must be read again when a change needs it)
        self.summaries: dict[str, frozenset[int] | None] = {}
        # this run's large blobs -> (keyword's line, window, keyword) per keyword; and their window lines
        self.spots: dict[str, list[tuple[int, int, str]]] = {}
        self.spot_lines: dict[str, dict[int, bytes]] = {}
        self._order: PackOrder | None = None

    @property
    def order(self) -> PackOrder:
        """The repository's packs, to read blobs in the order they are stored."""
        if self._order is None:
            self._order = PackOrder(object_dirs(self.ctx.cwd))
        return self._order

    @property
    def cat(self) -> CatFile:
        """A reader for single objects (a kept blob let go, a deleted file's content)."""
        if self._cat is None:
            self._cat = CatFile(self.ctx.cwd, self.ctx.max_size, self.ctx.missing)
        return self._cat

    @property
    def big(self) -> CatFile:
        """A reader for archives over --max-file-size (read up to the archive budget)."""
        if self._big is None:
            assert self.ctx.archives is not None
            self._big = CatFile(self.ctx.cwd, self.ctx.archives.max_bytes, self.ctx.missing)
        return self._big

    def close(self) -> None:
        end_processes([self.lister.detach(), self.stream.detach(),
                       *[r.detach() for r in (self._cat, self._big) if r is not None]])
        if self._order is not None:
            self._order.close()


# Idle readers of this process, taken by a run and given back when it ends complete (one that
# stops half-way is closed: its plan and reads would no longer agree).
_IDLE: list[_Readers] = []


def _take_readers(ctx: ScanContext) -> _Readers:
    for i, r in enumerate(_IDLE):
        if r.ctx is ctx:
            return _IDLE.pop(i)
    return _Readers(ctx)


def close_readers(ctx: ScanContext) -> None:
    """Stop the git processes this process kept for `ctx` (at the end of a sweep)."""
    for r in [r for r in _IDLE if r.ctx is ctx]:
        _IDLE.remove(r)
        r.close()


class _Task:
    def __init__(self, ctx: ScanContext, readers: _Readers) -> None:
        self.ctx = ctx
        self.readers = readers
        self.out = TaskResult()
        self._warned: set[str] = set()
        self._paths = readers.paths
        self._bound = readers.bound
        self._removed = 0  # bytes of Commit.removed held by the open commits

    @property
    def cat(self) -> CatFile:
        return self.readers.cat

    def warn_once(self, key: str, msg: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.out.warnings.append(msg)

    # -- listing ------------------------------------------------------------------------

    def list_changes(self, shas: Sequence[str], base: int) -> list[_Commit]:
        """The changes of every commit in `shas`. A commit git cannot list (a corrupt commit or
        tree) is one warning; the others are listed."""
        commits: list[_Commit] = []
        failed: set[str] = set()
        pos = 0
        while pos < len(shas):
            got, error = self._raw(shas[pos:], base + pos)
            if error is None:
                commits.extend(got)
                break
            # the last commit listed may be cut short: list it again on its own, then go on after it
            at = (got[-1].order - base) if got else pos
            commits.extend(got[:-1] if got else [])
            alone, error = self._raw([shas[at]], base + at)
            if error is None:
                commits.extend(alone)
            else:
                failed.add(shas[at])
                self.out.warnings.append(f"commit {shas[at][:12]}: git cannot list its changes ({error}); skipped")
            pos = at + 1
        if len(commits) + len(failed) < len(shas):  # git passes over a commit it cannot find without a word
            listed = {c.sha for c in commits} | failed
            self.out.warnings.extend(f"commit {sha[:12]}: git cannot list its changes (not found); skipped"
                                     for sha in shas if sha not in listed)
        return commits

    def _raw(self, shas: Sequence[str], base: int) -> tuple[list[_Commit], str | None]:
        raw, message = self.readers.lister.listing(shas)
        index = {s: i for i, s in enumerate(shas)}
        commits = [_Commit(sha, base + index.get(sha, 0), self._keep(changes)) for sha, changes in parse_raw(raw)]
        return commits, message

    def _keep(self, changes: list[Change]) -> list[tuple[str, Change]]:
        out = []
        paths = self._paths
        for ch in changes:
            known = paths.get(ch.path)
            if known is None:
                path, ok = decode_path(ch.path)
                known = paths[ch.path] = (None if excluded(path, self.ctx.exclude) else path, ok)
            path, ok = known  # type: ignore[assignment]
            if path is None:
                continue
            if not ok and ch.new is not None:
                self.warn_once("path:" + path, f"{path}: path is not valid UTF-8 (shown with replacement characters)")
            out.append((path, ch))
        return out

    # -- scanning -----------------------------------------------------------------------

    def run(self, shas: Sequence[str], base: int) -> None:
        commits = self.list_changes(shas, base)
        self.gate(commits)
        # the changes left, in the order the packs store their new versions (git reads them cheaply
        # so, and a file's versions lie together); a commit is done when its last one is
        todo: list[tuple[_Commit, str, Change, list[int] | None]] = [
            *((c, path, ch, None) for c in commits for path, ch in c.todo),
            *((c, path, ch, ends) for c in commits for path, ch, ends in c.spotted)]
        if len(todo) > 1:
            news = [ch.new or "" for _c, _p, ch, _e in todo]
            keys = dict(zip(news, self.readers.order.keys(news), strict=True))
            todo.sort(key=lambda t: keys[t[2].new or ""])
        for c in commits:
            c.left = len(c.todo) + len(c.spotted)
            if not c.left:
                self.finish(c)
        blobs = self.readers.blobs
        ctx = self.ctx
        lines = self.readers.spot_lines
        wanted = [ch if ends is None else Change(ch.path, None if ch.new in lines else ch.new, ())
                  for _c, _p, ch, ends in todo]
        answers = self.readers.stream.blobs(blobs.plan(wanted, lambda shas: blob_sizes(ctx.cwd, shas, ctx.missing)))
        blobs.start(answers, self.cat)
        try:
            for c, path, ch, ends in todo:
                if ends is None:
                    self.change(c, path, ch, blobs)
                else:
                    self.spot(c, path, ch, blobs, ends)
                c.left -= 1
                if not c.left:
                    self.finish(c)
        finally:
            answers.close()  # type: ignore[attr-defined]

    def bound(self, path: str) -> bool:
        """Whether findings may come from this file without a keyword (a rule bound to its name,
        Terraform's structure)."""
        bound = self._bound.get(path)
        if bound is None:
            engine = self.ctx.engine
            bound = self._bound[path] = engine.path_matters(path) or file_kind(path) is not None
        return bound

    def gate(self, commits: Sequence[_Commit]) -> None:
        """Sort each commit's changes into those to read again and scan (`todo`) and those that add
        no keyword window (`skipped`): first every blob the run needs is read once, in the order the
        packs store them (scanner.sources.packorder: git rebuilds a delta chain once, not once per
        version), and reduced to its keyword windows. A change whose new version has no window
        that its old version(s) lack adds no line with a keyword on it or next to it, which is what
        `change` scans for. Bound files, and blobs that are not plain text (binary, too large,
        unreadable, an archive, a build artefact) are read again and treated as before."""
        summaries = self.readers.summaries
        self.readers.spots, self.readers.spot_lines = {}, {}
        latest: dict[bytes, str | None] = {}  # path -> its version after the run
        wanted: list[str] = []
        for c in commits:
            for path, ch in c.changes:
                latest[ch.path] = ch.new
                if ch.new is not None and not self.bound(path):
                    wanted.extend(s for s in blob_wants(ch) if s not in summaries)
        fresh = list(dict.fromkeys(wanted))
        if fresh:
            ordered = self.readers.order.sort(fresh)
            room = RUN_WINDOWS - sum(len(w) for w in summaries.values() if w)
            for sha, got in zip(ordered, self.readers.stream.blobs(ordered), strict=True):
                windows = self.summary(sha, got) if room > 0 else None
                room -= len(windows or ())
                summaries[sha] = windows
        engine = self.ctx.engine
        for c in commits:
            for path, ch in c.changes:
                if ch.new is None:
                    c.skipped.append((path, ch))
                    continue
                new = None if self.bound(path) else summaries.get(ch.new)
                known = [summaries.get(o) for o in ch.olds]
                olds = [o for o in known if o is not None]
                if new is None or len(olds) < len(known):
                    c.todo.append((path, ch))
                elif not olds:  # an added file: only what its name gives, unless it has a keyword
                    if new:
                        c.todo.append((path, ch))
                    else:
                        c.hits.extend(engine.scan_path(path))
                elif new <= (old := olds[0] if len(olds) == 1 else frozenset().union(*olds)):
                    c.skipped.append((path, ch))
                elif (ends := self.new_spots(ch.new, old)) is not None:
                    c.spotted.append((path, ch, ends))
                    c.skipped.append((path, ch))  # (what it took out is read again if the commit has hits)
                else:
                    c.todo.append((path, ch))
        # what the next run needs: the files' last versions (the old side of its changes)
        carry = [s for s in latest.values() if s is not None][-SUMMARY_CARRY:]
        self.readers.summaries = {s: summaries[s] for s in carry if s in summaries}

    def new_spots(self, new: str, old: frozenset[int]) -> list[int] | None:
        """For a large new version (over LINES_FIRST), the lines of its keywords whose windows the old
        version(s) lack: the change is scanned there alone, without reading the old version or
        comparing lines (a regenerated lock file: random integrity values make a few new windows
        among thousands of changed lines). None for a small version, or when one of those keywords
        is a multi-line rule's (a key pasted into a large file is scanned as any change is)."""
        spots = self.readers.spots.get(new)
        if spots is None:
            return None
        fresh = [(line, kw) for line, window, kw in spots if window not in old]
        multiline = self.ctx.engine.multiline_keywords
        if any(kw in multiline for _line, kw in fresh):
            return None
        return sorted({line for line, _kw in fresh})

    def spot(self, c: _Commit, path: str, ch: Change, blobs: _Blobs, lines: list[int]) -> None:
        """Scan the lines around `lines` (of keywords of the new version whose windows are new,
        ascending), from the window lines the summary kept, else from the version read again."""
        assert ch.new is not None
        kept = self.readers.spot_lines.get(ch.new)
        if kept is not None:
            keep = sorted({j for i in lines for j in range(i - CONTEXT_LINES, i + CONTEXT_LINES + 1) if j in kept})
            text = b"\n".join([kept[j] for j in keep])
        else:
            data = self.readable(blobs.get(ch.new), path, c)
            if data is None:
                return
            text, keep = lines_around(data, 0, len(data), lines, CONTEXT_LINES)
        if keep:
            self.scan_text(c, path, text, tuple(1 + i for i in keep), None)

    def summary(self, sha: str, got: Blob | ObjectUnreadable) -> frozenset[int] | None:
        """A blob's keyword windows (gitblobs.window_hashes); None when it is not plain UTF-8
        text, or cannot be read whole, and so must be read again by whatever change needs it. For a
        large one, where each keyword's window is (Readers.spots)."""
        if isinstance(got, ObjectUnreadable) or got.data is None:
            return None
        data = got.data
        if data.find(b"\0", 0, SNIFF_BYTES) >= 0 or own_artefact(data[:HEAD_BYTES]) is not None:
            return None
        if self.ctx.archives is not None and kind_of(data) is not None:
            return None
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return None
        ends = self.ctx.engine.keyword_ends(data) if data else []
        if not ends:
            return frozenset()
        hashes = window_hashes(data, ends)
        windows = frozenset(hashes)
        if len(windows) > BLOB_WINDOWS:
            return None  # (a keyword on every line of a log)
        if len(data) > LINES_FIRST:
            numbers, kept = _window_lines(data, [end for end, _kw in ends])
            self.readers.spots[sha] = [(line, h, kw) for line, (_end, kw), h in zip(numbers, ends, hashes, strict=True)]
            if kept is not None:
                self.readers.spot_lines[sha] = kept
        return windows

    def readable(self, got: Blob | ObjectUnreadable, path: str, c: _Commit) -> bytes | None:
        """The new version's bytes, or None (and a warning or note) when it cannot be scanned."""
        short = c.sha[:12]
        if isinstance(got, ObjectUnreadable):
            self.out.warnings.append(f"object {got.sha} ({path} in commit {short}): {got.reason}; skipped")
            self.out.skipped += 1
            return None
        if got.data is None and self.oversize_archive(got, path, c):
            return None
        if got.data is None:
            self.warn_once("big:" + got.sha, f"{path} in commit {short}: {got.size} bytes is over --max-file-size "
                                             f"({self.ctx.max_size}); skipped")
            self.out.skipped += 1
            return None
        kind = own_artefact(got.data[:HEAD_BYTES])
        if kind is not None:
            self.out.notes.append(skip_note(f"{path} in commit {short}", kind))
            self.out.skipped += 1
            return None
        if self.ctx.archives is not None and kind_of(got.data) is not None:
            self.archive(c, path, got.data, self.ctx.archives)
            return None
        if got.data.find(b"\0", 0, SNIFF_BYTES) >= 0:  # (no copy of the sniffed part)
            self.out.notes.append(f"{path} in commit {short}: binary; skipped")
            self.out.skipped += 1
            return None
        return got.data

    def oversize_archive(self, got: Blob, path: str, c: _Commit) -> bool:
        """An archive over --max-file-size is still opened (as `scan` does), up to the archive budget;
        True when it was."""
        limits = self.ctx.archives
        if limits is None or got.size > limits.max_bytes or not archive_name(path):
            return False
        try:
            whole = self.readers.big.read(got.sha)
        except ObjectUnreadable:
            return False
        if whole.data is None or kind_of(whole.data) is None:
            return False
        self.archive(c, path, whole.data, limits)
        return True

    def archive(self, c: _Commit, path: str, data: bytes, limits: ArchiveLimits) -> None:
        """Every text member of an archive version a commit adds, scanned whole (its lines cannot be
        told from the previous version's, which is compressed)."""
        short = c.sha[:12]
        for m in members(data, path, limits):
            if isinstance(m, Skipped):
                (self.out.warnings if m.warning else self.out.notes).append(
                    f"{m.path} in commit {short}: {m.reason}; skipped")
                continue
            c.hits.extend(self.ctx.engine.scan_path(m.path))
            if m.data.find(b"\0", 0, SNIFF_BYTES) < 0 and own_artefact(m.data[:HEAD_BYTES]) is None:
                self.scan_text(c, m.path, m.data, None, None)

    def previous(self, got: Blob | ObjectUnreadable, path: str, c: _Commit) -> bytes:
        if isinstance(got, ObjectUnreadable):
            self.out.warnings.append(f"object {got.sha} (previous {path} in commit {c.sha[:12]}): {got.reason}; "
                                     "every line of the new version counts as added")
            return b""
        return got.data or b""

    def change(self, c: _Commit, path: str, ch: Change, blobs: _Blobs) -> None:
        olds = [self.previous(blobs.get(o), path, c) for o in ch.olds]
        assert ch.new is not None
        data = self.readable(blobs.get(ch.new), path, c)
        if data is None:
            return
        engine = self.ctx.engine
        bound = self.bound(path)
        if not olds:  # an added file: every line is new
            c.hits.extend(engine.scan_path(path))
            if bound or engine.keyword_ends(data):
                self.scan_lines(c, path, data, None)
            elif not data.isascii():
                self.check_utf8(data, path)
            return
        if len(olds) == 1:
            region = bounds(olds[0], data, CONTEXT_LINES)
            if region is None:
                return
            start, end, old_end, ws, we = region
            old_part = olds[0][start:old_end]
            self.took_out(c, [old_part])
        else:  # a merge: compared with every parent's whole version
            start, end = 0, len(data)
            old_part = b"\n".join(olds)
            self.took_out(c, olds)
            ws, we = start, end
        part = data[ws:we]
        # a large region (changes scattered over a big file: a regenerated lock file) is cut to its
        # added lines first, and only they (with their context) are searched, keywords included
        large = len(part) > LINES_FIRST
        if not large and not bound:
            keywords = engine.keyword_ends(part)
            if not keywords:
                if not part.isascii():
                    self.check_utf8(part, path)
                return
        added = added_lines(old_part, data, ws, we, start, end)
        if added and (large or bound or _near(part, keywords, added)):
            self.scan_lines(c, path, data, added, ws, we)

    def check_utf8(self, part: bytes, path: str) -> None:
        try:
            part.decode("utf-8")
        except UnicodeDecodeError:
            self.warn_once("text:" + path, f"{path}: not valid UTF-8; scanned with replacement characters")

    def scan_lines(self, c: _Commit, path: str, data: bytes, hit: list[int] | None, ws: int = 0,
                   we: int = -1) -> None:
        """Scan the lines of data[ws:we] numbered in `hit` (the added ones, counted from 0; every
        line when None) with a line of context each side; keep the findings that touch an added line."""
        if hit is None:
            self.scan_text(c, path, data, None, None)
            return
        first = data.count(b"\n", 0, ws) + 1
        marked = {first + i for i in hit}
        if file_kind(path) is not None:  # structure needs the whole file; findings kept on added lines
            self.scan_text(c, path, data, None, marked)
            return
        text, keep = lines_around(data, ws, we, hit, CONTEXT_LINES)
        self.scan_text(c, path, text, tuple(first + i for i in keep), marked)

    def scan_text(self, c: _Commit, path: str, raw: bytes, line_map: tuple[int, ...] | None,
                  added: set[int] | None) -> None:
        utf8: bytes | None = raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, utf8 = raw.decode("utf-8", "replace"), None
            self.warn_once("text:" + path, f"{path}: not valid UTF-8; scanned with replacement characters")
        self.out.bytes_scanned += len(raw)
        structured = scan_structured(path, text, self.ctx.engine) if line_map is None else None
        if structured is not None:
            found = [replace(f, commit=c.sha) for f in structured]
        else:
            found = self.ctx.engine.scan(Chunk(text=text, origin=Origin(path=path, commit=c.sha), line_map=line_map,
                                               utf8=utf8))
        c.hits.extend(found if added is None else on_lines(found, added))

    def finish(self, c: _Commit) -> None:
        hits = c.hits
        if hits:
            if c.removed is None:  # (too much to keep while the commit was open)
                removed = b"\n".join(self.taken_out([*c.todo, *c.skipped]))
            else:
                removed = b"\n".join([*c.removed, *self.taken_out(c.skipped)])
            if removed:
                hits = [f for f in hits if probe_bytes(f.secret) not in removed]
        self.out.hits.extend((c.order, f) for f in hits)
        # done with: the run's listing stays to its end, and what its commits took out (copies of
        # old-side regions, a lock file's at every regeneration) would pile up over thousands of them
        self._removed -= c.removed_bytes
        c.hits, c.changes, c.todo, c.skipped, c.spotted, c.removed, c.removed_bytes = [], [], [], [], [], [], 0

    def took_out(self, c: _Commit, parts: list[bytes]) -> None:
        """Keep what a scanned change took out, for `finish`: within REMOVED_BYTES for all the
        commits still open (changes are scanned in pack order, not commit by commit); a commit that
        would go over keeps nothing and has it read again if it has hits."""
        if c.removed is None:
            return
        n = sum(map(len, parts))
        if self._removed + n > REMOVED_BYTES:
            self._removed -= c.removed_bytes
            c.removed, c.removed_bytes = None, 0
            return
        c.removed.extend(parts)
        c.removed_bytes += n
        self._removed += n

    def taken_out(self, changes: Sequence[tuple[str, Change]]) -> list[bytes]:
        """What `changes` took out, read again (only for a commit with hits): each changed file's
        old side of the changed region, a merge's parents whole, a deleted file whole."""
        out: list[bytes] = []
        for _path, ch in changes:
            if not ch.olds:
                continue
            try:
                olds = [self.cat.read(o).data or b"" for o in ch.olds]
                data = b"" if ch.new is None else self.cat.read(ch.new).data or b""
            except ObjectUnreadable:
                continue
            if ch.new is None or len(olds) != 1:
                out.extend(olds)
                continue
            region = bounds(olds[0], data, CONTEXT_LINES)
            if region is not None:
                out.append(olds[0][region[0]:region[2]])
        return out


def _lines_of(data: bytes, ends: Iterable[int]) -> list[int]:
    """The line (numbered from 0) of the keyword ending at each of `ends` (ascending), counted in one
    pass however many there are (a regenerated lock file has one on every entry)."""
    out: list[int] = []
    line = at = 0
    for end in ends:
        last = max(end - 1, at)  # the keyword's last byte: its line is the number of newlines before it
        line += data.count(b"\n", at, last)
        at = last
        out.append(line)
    return out


def _window_lines(data: bytes, ends: list[int]) -> tuple[list[int], dict[int, bytes] | None]:
    """For keyword ends (ascending), each keyword's line number (from 0) and the lines (numbered,
    without their newlines) within CONTEXT_LINES of any of them, as lines_around cuts them; None for
    the lines when they come to more than SPOT_TEXT bytes (a minified bundle's one long line)."""
    numbers = _lines_of(data, ends)
    text, keep = lines_around(data, 0, len(data), sorted(set(numbers)), CONTEXT_LINES)
    if len(text) > SPOT_TEXT:
        return numbers, None
    return numbers, dict(zip(keep, text.split(b"\n"), strict=True))


def _near(part: bytes, keywords: list[tuple[int, str]], added: list[int]) -> bool:
    """Whether some keyword in `part` lies on one of its `added` lines (numbered from 0) or on a
    line next to one."""
    near = {j for i in added for j in (i - 1, i, i + 1)}
    return any(line in near for line in _lines_of(part, sorted(e for e, _kw in keywords)))


def scan_commits(ctx: ScanContext, shas: Sequence[str], base: int) -> TaskResult:
    """Scan `shas` (their topological positions start at `base`); bad objects never stop it. The
    git processes are kept for the next run of this process (close_readers stops them)."""
    readers = _take_readers(ctx)
    task = _Task(ctx, readers)
    task.out.commits = len(shas)
    before = ctx.engine.checksum_dropped
    timed_before = ctx.engine.timed_out
    try:
        task.run(shas, base)
    except BaseException:
        readers.close()
        raise
    _IDLE.append(readers)
    task.out.checksum_dropped = ctx.engine.checksum_dropped - before
    task.out.timed_out = ctx.engine.timed_out - timed_before
    return task.out
