"""Git history source: every line added by the selected commits, attributed to the commit that
introduced it.

The selected commits (all refs by default, stash entries included) are listed in topological order
and cut into runs; each worker process (forked, sharing the engine) takes a contiguous share of the
runs (scanner.sources.shares), lists each run's changes with one git process and reads the blobs
through another, both kept for its next run, and scans only the added lines
(scanner.sources.gitscan). Then, in this process:

* attribution: the same secret in the same file is reported once, at the earliest commit (in
  topological order) that added it; in another file it is another occurrence of the same
  fingerprint. A line merely kept, moved or re-indented is not added again, so not reported again.
* commit metadata (author, date, subject) is read with one `git log --no-walk` for the commits that have findings.
* `present_in_head` (in Finding.extra): whether the secret's text is still in HEAD's tree (one
  `git grep`, on a thread while the last run is scanned, for the secrets found before it; another
  after it for any it adds).
"""

from __future__ import annotations

import gc
import itertools
import logging
import math
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from scanner.config import DEFAULT_MAX_FILE_SIZE
from scanner.engine import Engine
from scanner.errors import SourceError
from scanner.models import Finding
from scanner.sources.archives import ArchiveLimits
from scanner.sources.gitcmd import git_version, run_git
from scanner.sources.gitdiff import probe
from scanner.sources.gitrepo import (
    CommitMeta,
    RepoInfo,
    Selection,
    commit_list,
    commit_metadata,
    damaged,
    missing_objects,
    open_repo,
    rev_args,
    salvage_commits,
    submodules_at_head,
)
from scanner.sources.gitscan import ScanContext, TaskResult, close_readers, scan_commits
from scanner.sources.interface import ProgressFactory, SourceResult
from scanner.sources.shares import SharedRuns, settle

log = logging.getLogger(__name__)

MAX_OBJECT_WARNINGS = 20
RUNS_PER_SHARE = 4  # runs in a worker's share: what an idle worker can steal from a busy one
MIN_TASK_COMMITS = 64
MAX_TASK_COMMITS = 5000  # a run's listing is held in memory: bounded whatever the history's length



@dataclass(frozen=True)
class GitOptions:
    selection: Selection = field(default_factory=Selection)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    exclude: tuple[str, ...] = ()  # path globs
    jobs: int = 0  # 0 = all cores
    archives: ArchiveLimits | None = None  # open archives added to history (off unless asked: `--archives`)


@dataclass(frozen=True)
class HistoryResult(SourceResult):
    """A source's result, plus the commits swept and what made the history incomplete."""

    commits: int = 0
    incomplete: tuple[str, ...] = ()  # why part of the history could not be read (empty: all of it was)


def scan_history(repo: str | Path, engine: Engine, options: GitOptions | None = None, exclude: Sequence[str] = (),
                 warn: Callable[[str], None] | None = None, progress: ProgressFactory | None = None) -> HistoryResult:
    """Sweep a repository's history. `exclude` lists commits whose ancestry is skipped (incremental
    sweeps); it adds to options.selection.exclude_commits."""
    t0 = time.perf_counter()
    opts = options or GitOptions()
    sel = replace(opts.selection, exclude_commits=opts.selection.exclude_commits + tuple(exclude))
    warnings: list[str] = []

    def _warn(msg: str) -> None:
        warnings.append(msg)
        if warn:
            warn(msg)

    info = open_repo(str(repo))
    if info.shallow_boundaries:
        _warn(f"shallow clone: history before its {info.shallow_boundaries} boundary commit(s) is not here; "
              "scanning what is (a boundary commit counts all its files as added)")
    args = rev_args(info, sel)
    missing: frozenset[str] = frozenset()
    if info.partial:
        missing = missing_objects(info, args)
        if missing:
            _warn(f"partial clone: {len(missing)} object(s) are not present locally; they are skipped, "
                  "never fetched")
    subs = submodules_at_head(info)
    if subs:
        shown = ", ".join(f"{p} ({c[:10]})" for p, c in subs[:10]) + (" ..." if len(subs) > 10 else "")
        _warn(f"{len(subs)} submodule(s) not entered: {shown}; their history is in their own repositories "
              "(scan each with `keysweep git PATH`)")
    incomplete: list[str] = []
    try:
        commits = commit_list(info, args, sel.max_commits)
    except SourceError as e:
        if not damaged(str(e)):
            raise
        commits = salvage_commits(info)
        _warn(f"git cannot walk the history ({str(e).split(': ', 1)[-1]}); scanning the {len(commits)} commit "
              "object(s) the repository holds instead (their order, branches and reachability are unknown)")
        incomplete.append("the history could not be walked")
    ctx = ScanContext(info.cwd, engine, opts.max_file_size, opts.exclude, missing, opts.archives)
    bar = progress(len(commits), 0) if progress and commits else None
    hits: list[tuple[int, Finding]] = []
    nbytes = skipped = dropped = timed = 0
    object_warnings = 0
    presence = HeadPresence(info)
    try:
        for left, res in run_tasks(ctx, commits, opts.jobs):
            hits.extend(res.hits)
            if left == 1:  # one run still being scanned: a core is free for what has been found so far
                presence.start({f.secret for _order, f in hits})
            nbytes += res.bytes_scanned
            skipped += res.skipped
            dropped += res.checksum_dropped
            timed += res.timed_out
            if bar is not None:
                bar.update(res.commits)
            for w in res.warnings:
                if w.startswith("object "):
                    object_warnings += 1
                    if object_warnings > MAX_OBJECT_WARNINGS:
                        continue
                _warn(w)
            for n in res.notes:
                log.info("%s", n)
    except BaseException:
        presence.wait()  # a failed sweep leaves no git grep behind
        raise
    if bar is not None:
        bar.close()
    if object_warnings > MAX_OBJECT_WARNINGS:
        _warn(f"... and {object_warnings - MAX_OBJECT_WARNINGS} more object(s) could not be read")
    if object_warnings and not info.partial:  # a partial clone lacks objects by design (said above)
        incomplete.append(f"{object_warnings} object(s) could not be read")
    findings = attribute(hits)
    salvaged = salvage(info, engine, opts.max_file_size, _warn)
    if salvaged is not None:
        findings.extend(salvaged)
        incomplete.append("a damaged pack was read only up to the damage")
    findings = with_metadata(findings, commit_metadata(info, {f.commit for f in findings if f.commit}))
    findings = with_presence(findings, presence.result({f.secret for f in findings}, _warn))
    settle()  # the workers stopped their git processes meanwhile: none is left behind
    return HistoryResult(findings=tuple(findings), commits=len(commits), bytes_scanned=nbytes, files_skipped=skipped,
                         seconds=time.perf_counter() - t0, warnings=tuple(warnings), checksum_dropped=dropped,
                         timed_out=timed, incomplete=tuple(incomplete))


# -- parallel runs ----------------------------------------------------------------------------

def _worker_init() -> None:
    gc.set_threshold(50_000, 20, 20)  # fewer collections: a run makes many short-lived tuples, few cycles


def plan_runs(commits: int, workers: int) -> list[list[int]]:
    """Per worker, the sizes of the runs of its contiguous share of `commits`: RUNS_PER_SHARE runs
    (more on a long history: a run takes at most MAX_TASK_COMMITS, and at least MIN_TASK_COMMITS
    unless the share is smaller). A short history is not shared out at all."""
    workers = max(1, min(workers, commits // MIN_TASK_COMMITS))
    plan = []
    for w in range(workers):
        share = commits * (w + 1) // workers - commits * w // workers
        size = min(MAX_TASK_COMMITS, max(MIN_TASK_COMMITS, share // RUNS_PER_SHARE))
        runs = max(1, share // size, math.ceil(share / MAX_TASK_COMMITS))
        plan.append([share * (r + 1) // runs - share * r // runs for r in range(runs)])
    return [sizes for sizes in plan if sum(sizes)]


def run_tasks(ctx: ScanContext, commits: Sequence[str], jobs: int) -> Iterator[tuple[int, TaskResult]]:
    """Scan runs of commits, in forked workers when there is enough to share. Each worker takes a
    contiguous share of the runs (its blob cache carries over from one run to the next). Yields
    (runs still to come, result) as each run ends."""
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if mp.current_process().daemon or "fork" not in mp.get_all_start_methods():
        workers = 1  # inside a pool worker (e.g. a multi-repository sweep): no grandchildren
    plan = plan_runs(len(commits), workers)
    sizes = [size for share in plan for size in share]
    starts = [0, *itertools.accumulate(sizes)]

    def work(run: int) -> TaskResult:
        base = starts[run]
        return scan_commits(ctx, commits[base:base + sizes[run]], base)

    if len(plan) <= 1:
        try:
            yield from ((len(sizes) - 1 - run, work(run)) for run in range(len(sizes)))
        finally:
            close_readers(ctx)
        return
    git_version()  # asked once, here: the workers inherit the answer
    ctx.engine.prepare_keywords()  # (and the keyword automaton)
    gc.freeze()  # what exists now is the workers' shared heap: their collections leave it alone (no copies)
    try:
        runs = SharedRuns([len(share) for share in plan], work, _worker_init, lambda: close_readers(ctx))
        yield from ((len(sizes) - 1 - i, res) for i, (_run, res) in enumerate(runs))
    finally:
        gc.unfreeze()


# -- attribution ------------------------------------------------------------------------------

def attribute(hits: Iterable[tuple[int, Finding]]) -> list[Finding]:
    """One occurrence per secret per file: the earliest commit (topological position) that added it.
    Several lines of that commit holding the secret are all kept."""
    ordered = sorted(hits, key=lambda h: h[0])
    first: dict[tuple[str, str], int] = {}
    seen: set[tuple[str, str, int, int]] = set()
    out: list[Finding] = []
    for order, f in ordered:
        key = (f.fingerprint, f.path)
        if first.setdefault(key, order) != order:
            continue
        loc = (f.fingerprint, f.path, f.line, f.column)
        if loc not in seen:
            seen.add(loc)
            out.append(f)
    return out


def with_metadata(findings: Sequence[Finding], meta: Mapping[str, CommitMeta]) -> list[Finding]:
    out = []
    for f in findings:
        m = meta.get(f.commit or "")
        if m is None:
            out.append(f)
            continue
        out.append(replace(f, author_name=m.author_name, author_email=m.author_email, date=m.date,
                           subject=m.subject))
    return out


def present_at_head(info: RepoInfo, secrets: Iterable[str], warn: Callable[[str], None]) -> dict[str, bool]:
    wanted = {s: probe(s) for s in secrets}
    patterns = sorted({p for p in wanted.values() if p.strip()})
    if not patterns or info.head is None:
        return {s: False for s in wanted}
    try:
        out = run_git(info.cwd, "grep", "-F", "-o", "-h", "-I", "--no-color", "-f", "-", info.head,
                      stdin="".join(f"{p}\n" for p in patterns).encode("utf-8", "surrogatepass"), ok=(0, 1))
    except Exception as e:  # noqa: BLE001 - presence is a hint; the findings stand without it
        warn(f"cannot check which secrets are still at HEAD: {e}")
        return {}  # unknown: the findings say nothing about HEAD rather than "not at HEAD"
    found = set(out.decode("utf-8", "replace").split("\n"))
    return {s: p in found for s, p in wanted.items()}


class HeadPresence:
    """present_at_head in two steps: the secrets found while the last run is still being scanned
    are looked for on a thread (a worker has finished, so a core is free), the rest at the end."""

    def __init__(self, info: RepoInfo) -> None:
        self.info = info
        self._thread: threading.Thread | None = None
        self._early: dict[str, bool] = {}
        self._warnings: list[str] = []

    def start(self, secrets: set[str]) -> None:
        if self._thread is not None or not secrets:
            return

        def look() -> None:
            self._early = present_at_head(self.info, secrets, self._warnings.append)

        self._thread = threading.Thread(target=look, daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def result(self, secrets: set[str], warn: Callable[[str], None]) -> dict[str, bool]:
        self.wait()
        known = self._early
        rest = secrets - known.keys()
        if rest:
            known = {**known, **present_at_head(self.info, rest, self._warnings.append)}
        for w in dict.fromkeys(self._warnings):  # git grep failing twice is one warning
            warn(w)
        return {s: known[s] for s in secrets if s in known}


def salvage(info: RepoInfo, engine: Engine, max_size: int, warn: Callable[[str], None]) -> list[Finding] | None:
    """Findings in the blobs that can still be decoded from damaged (truncated) packs; None when no pack
    is damaged. They carry no commit, and the path names the blob: the trees naming them may be lost."""
    from scanner.models import Chunk, Origin
    from scanner.sources.files import is_binary
    from scanner.sources.salvage import damaged_packs, recovered_blobs

    packs = damaged_packs(info.git_dir)
    if not packs:
        return None
    out: list[Finding] = []
    notes: list[str] = []
    for pack in packs:
        for blob in recovered_blobs(pack, max_size, notes):
            if is_binary(blob.data):
                continue
            origin = Origin(path=f"{blob.pack}!{blob.sha}")
            out.extend(engine.scan(Chunk(text=blob.data.decode("utf-8", "replace"), origin=origin)))
    for n in notes:
        warn(n)
    return out


def with_presence(findings: Sequence[Finding], present: Mapping[str, bool]) -> list[Finding]:
    """present_in_head where it is known (a failed check leaves it out)."""
    return [replace(f, extra={**f.extra, "present_in_head": present[f.secret]}) if f.secret in present else f
            for f in findings]
