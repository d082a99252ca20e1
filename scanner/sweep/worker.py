"""Sweeping one repository: the unit of work a process-pool worker or a Dask worker runs.

`sweep_repository(task)` is a top-level function of picklable frozen values, so the same code
runs in a local worker process or on a remote Dask worker. It never raises: every failure
becomes an outcome with status `missing` or `error` and one line of explanation.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import KeysweepError, SourceError
from scanner.store.records import TIP_SEP, HeadScan, RepoOutcome
from scanner.sweep import gitutil
from scanner.sweep.history import scan_history
from scanner.sweep.spec import EngineSpec
from scanner.sweep.targets import RepoTarget

if TYPE_CHECKING:
    from scanner.engine import Engine
    from scanner.models import Finding
    from scanner.trust import Suppressions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RepoState:
    """A target and what the store remembers of it."""

    target: RepoTarget
    previous_tips: Mapping[str, str] = field(default_factory=dict)  # empty: sweep every commit
    previous_head: str | None = None
    known: bool = False  # the store has seen this repository before


@dataclass(frozen=True)
class RepoTask:
    state: RepoState
    spec: EngineSpec
    clone_root: str = ""
    clone_timeout: float = 600.0
    git_jobs: int = 0  # processes for one repository's history (1 when repositories run in parallel)

    @property
    def target(self) -> RepoTarget:
        return self.state.target


@lru_cache(maxsize=2)
def engine_for(spec: EngineSpec) -> Engine:
    from scanner.prepare import make_engine

    # the allowlist is applied to the findings afterwards (suppressions_for), so what it hides is counted
    return make_engine(spec.rules, decode=spec.decode, disabled=spec.disabled)


def suppressions_for(spec: EngineSpec) -> Suppressions | None:
    from scanner.trust import Suppressions

    al = spec.allowlist
    if al is None or not (al.paths or al.regexes or al.stopwords):
        return None
    return Suppressions(source="config", trusted=True, allowlist=al)


class _Missing(Exception):
    pass


def sweep_repository(task: RepoTask) -> RepoOutcome:
    t0 = time.perf_counter()
    target = task.target
    try:
        outcome = _sweep(task)
    except _Missing:
        status = "missing" if task.state.known else "error"
        msg = ("repository no longer exists (deleted or moved since the last sweep); its findings are kept"
               if task.state.known else "no such repository")
        outcome = RepoOutcome(location=target.location, name=target.name, status=status, error=msg)
    except KeysweepError as e:
        outcome = error_outcome(target, str(e))
    except Exception as e:  # noqa: BLE001 - one repository must not end the sweep
        log.debug("sweeping %s failed", target.location, exc_info=True)
        outcome = error_outcome(target, f"internal error: {type(e).__name__}: {e}")
    return replace(outcome, seconds=round(time.perf_counter() - t0, 4))


def unchanged(state: RepoState, digest: str, repo: Path) -> tuple[RepoOutcome | None, dict[str, str], str | None]:
    """(an `unchanged` outcome when no ref moved since the last sweep, else None; the refs; HEAD)."""
    tips, head = gitutil.refs_and_head(repo)
    if state.known and state.previous_tips and tips == dict(state.previous_tips) and head == state.previous_head:
        return (RepoOutcome(location=state.target.location, name=state.target.name, status="unchanged", tips=tips,
                            head_commit=head, rules_digest=digest), tips, head)
    return None, tips, head


def quick_check(state: RepoState, digest: str) -> RepoOutcome | None:
    """In the caller, before dispatching: a local repository whose refs did not move needs no worker."""
    path = Path(state.target.location)
    if state.target.is_url or not state.previous_tips or not gitutil.is_repository(path):
        return None
    try:
        return unchanged(state, digest, path)[0]
    except SourceError:
        return None


def _sweep(task: RepoTask) -> RepoOutcome:
    target = task.target
    repo = locate(task)
    same, tips, head = unchanged(task.state, task.spec.digest, repo)
    if same is not None:
        return same
    digest = task.spec.digest
    engine = engine_for(task.spec)
    exclude = gitutil.existing(repo, task.state.previous_tips.values())
    commits = gitutil.new_commits(repo, exclude) if tips else []
    history = (scan_history(repo, engine, exclude, task.git_jobs, task.spec.max_file_size, task.spec.exclude)
               if commits else None)
    for w in history.warnings if history else ():
        log.warning("%s: %s", target.location, w)
    from scanner.trust import apply

    sup = suppressions_for(task.spec)
    applied = apply(history.findings if history else (), sup)
    return RepoOutcome(
        location=target.location, name=target.name, status="scanned", tips=tips, head_commit=head,
        new_commits=tuple(commits), findings=tuple(applied.findings),
        head=with_tips(head_scan(repo, engine, task.spec.max_file_size, task.state.previous_head, head, sup,
                                 task.spec.exclude),
                       tips_scan(repo, engine, task.spec.max_file_size, task.state, tips, head, sup,
                                 task.spec.exclude)),
        rules_digest=digest, suppressed=applied.suppressed)


def mirror_path(clone_root: str, name: str, url: str) -> Path:
    """Where a clone URL is mirrored (a sweep fetches into it; revalidation reads from it)."""
    return Path(clone_root) / f"{name}-{hashlib.sha1(url.encode()).hexdigest()[:12]}.git"


def locate(task: RepoTask) -> Path:
    target = task.target
    if target.is_url:
        dest = mirror_path(task.clone_root, target.name, target.location)
        try:
            gitutil.clone_or_fetch(target.location, dest, task.clone_timeout)
        except SourceError as e:
            raise SourceError(f"cannot fetch {target.location}: {str(e).split(': ', 2)[-1]}") from e
        return dest
    path = Path(target.location)
    if not path.exists():
        raise _Missing(target.location)
    if not gitutil.is_repository(path):
        raise SourceError(f"{path}: not a git repository")
    return path


def head_scan(repo: Path, engine: Engine, max_size: int, old_head: str | None, new_head: str | None,
              sup: Suppressions | None = None, paths_out: Sequence[str] = ()) -> HeadScan | None:
    """The secrets at HEAD: the whole tree the first time, then only the paths that changed."""
    if new_head is None:
        return HeadScan(full=True)
    if old_head == new_head:
        return None
    if old_head and gitutil.existing(repo, [old_head]):
        paths = gitutil.changed_paths(repo, old_head, new_head)
        blobs = gitutil.tree_blobs(repo, new_head, paths)
        return HeadScan(full=False, paths=tuple(paths), hits=_hits(repo, engine, blobs, max_size, sup, paths_out))
    return HeadScan(full=True, hits=_hits(repo, engine, gitutil.tree_blobs(repo, new_head), max_size, sup,
                                          paths_out))


def branch_tips(tips: Mapping[str, str]) -> dict[str, str]:
    """Local and remote-tracking branches (tags are releases, not work in progress; `*/HEAD` aliases)."""
    return {r: c for r, c in tips.items()
            if r.startswith(("refs/heads/", "refs/remotes/")) and not r.endswith("/HEAD")}


def tips_scan(repo: Path, engine: Engine, max_size: int, state: RepoState, tips: Mapping[str, str],
              head: str | None, sup: Suppressions | None = None, paths_out: Sequence[str] = ()) -> HeadScan:
    """What the branch tips other than HEAD hold, as qualified rows (records.TIP_SEP). A branch at HEAD's
    commit needs no rows of its own; a moved branch is re-examined on the paths that changed, a new or
    rewritten one in full. Blobs shared by several branches are read and scanned once."""
    old_tips = branch_tips(state.previous_tips)
    new_tips = branch_tips(tips)
    dropped: list[str] = [r for r in old_tips if r not in new_tips]
    re_examined: list[str] = []
    entries: dict[str, tuple[str, int]] = {}
    for ref, tip in sorted(new_tips.items()):
        old = old_tips.get(ref)
        if tip == head:
            if old is not None and old != state.previous_head:
                dropped.append(ref)
            continue
        if old == tip and old != state.previous_head:
            continue  # unchanged and recorded
        prefix = ref + TIP_SEP
        if old is not None and old != state.previous_head and gitutil.existing(repo, [old]):
            paths = gitutil.changed_paths(repo, old, tip)
            re_examined.extend(prefix + p for p in paths)
            blobs = gitutil.tree_blobs(repo, tip, paths)
        else:
            dropped.append(ref)
            blobs = gitutil.tree_blobs(repo, tip)
        entries.update((prefix + p, b) for p, b in blobs.items())
    hits = _hits(repo, engine, entries, max_size, sup, paths_out) if entries else frozenset()
    return HeadScan(full=False, hits=hits, tip_paths=tuple(re_examined), dropped_refs=tuple(dropped))


def with_tips(head: HeadScan | None, tips: HeadScan) -> HeadScan | None:
    if not (tips.hits or tips.tip_paths or tips.dropped_refs):
        return head
    base = head if head is not None else HeadScan(full=False)
    return replace(base, hits=base.hits | tips.hits, tip_paths=tips.tip_paths, dropped_refs=tips.dropped_refs)


def _hits(repo: Path, engine: Engine, blobs: Mapping[str, tuple[str, int]], max_size: int,
          sup: Suppressions | None = None, paths_out: Sequence[str] = ()) -> frozenset[tuple[str, str]]:
    from scanner.sources.artefacts import own_artefact
    from scanner.sources.files import is_binary, scan_text
    from scanner.sources.walk import excluded

    def keep(f: Finding) -> bool:
        return sup is None or sup.reason(f) is None

    def real(key: str) -> str:  # a branch tip's rows are qualified with the ref (records.TIP_SEP)
        return key.split(TIP_SEP, 1)[-1]

    if paths_out:
        blobs = {p: b for p, b in blobs.items() if not excluded(real(p), paths_out)}
    hits = {(f.fingerprint, path) for path in blobs for f in engine.scan_path(real(path)) if keep(f)}
    by_blob: dict[str, list[str]] = {}
    for path, (blob, size) in blobs.items():
        if size <= max_size:
            by_blob.setdefault(blob, []).append(path)
    for blob, data in gitutil.read_blobs(repo, list(by_blob)):
        if is_binary(data) or own_artefact(data) is not None:
            continue
        text = data.decode("utf-8", errors="replace")
        for path in by_blob[blob]:
            hits.update((f.fingerprint, path) for f in scan_text(engine, real(path), text) if keep(f))
    return frozenset(hits)


def error_outcome(target: RepoTarget, message: str, attempts: int = 1) -> RepoOutcome:
    return RepoOutcome(location=target.location, name=target.name, status="error", error=message, attempts=attempts)
