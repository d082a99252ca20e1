"""One sweep: turn targets into tasks from what the store remembers, run them (process pool or
Dask), and fold each outcome into the store as it arrives (one transaction per repository)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from scanner.models import Finding
from scanner.store import OccurrenceQuery, RepoOutcome, Store, StoredOccurrence, StoreError
from scanner.sweep.pool import ScanFn, run_dask, run_local
from scanner.sweep.targets import RepoTarget
from scanner.sweep.worker import EngineSpec, RepoTask, quick_check, sweep_repository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepOptions:
    jobs: int = 0  # 0: every core
    dask_scheduler: str | None = None
    full: bool = False  # sweep every commit again, ignoring what the store remembers
    clone_root: str = ""  # where clone URLs are mirrored (default: beside the store)
    clone_timeout: float = 600.0

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


@dataclass(frozen=True)
class SweepResult:
    run_id: int
    status: str  # ok | partial | failed
    outcomes: tuple[RepoOutcome, ...]  # without findings: plaintext is not kept past recording
    new: tuple[StoredOccurrence, ...]  # occurrences first recorded by this run
    open: tuple[StoredOccurrence, ...]  # every unresolved occurrence in the store

    @property
    def problems(self) -> tuple[RepoOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status in ("error", "missing"))


def plan(store: Store, targets: Sequence[RepoTarget], spec: EngineSpec, options: SweepOptions) -> list[RepoTask]:
    digest = spec.digest
    clone_root = options.clone_root or str(store.path.parent / "clones")
    git_jobs = 1 if options.dask_scheduler or (options.workers > 1 and len(targets) > 1) else 0
    tasks = []
    for t in targets:
        known = store.repository(t.location)
        fresh = options.full or known is None or known.rules_digest not in (None, digest)
        tasks.append(RepoTask(
            target=t, spec=spec, previous_tips={} if fresh or known is None else dict(known.tips),
            previous_head=None if fresh or known is None else known.head_commit, known=known is not None,
            clone_root=clone_root, clone_timeout=options.clone_timeout, git_jobs=git_jobs))
    return tasks


def sweep(store: Store, targets: Sequence[RepoTarget], spec: EngineSpec, options: SweepOptions,
          scan: ScanFn = sweep_repository, verify: Callable[[list[Finding]], list[Finding]] | None = None,
          on_outcome: Callable[[RepoOutcome], None] | None = None, tool_version: str = "",
          key_status: Mapping[str, str] | None = None) -> SweepResult:
    """Sweep `targets` into `store`. `key_status` (access key id -> IAM status) resolves deactivated keys."""
    run_id = store.begin_run([t.location for t in targets], tool_version, spec.digest)
    outcomes: list[RepoOutcome] = []

    def record(o: RepoOutcome) -> None:
        if verify is not None and o.findings:
            o = replace(o, findings=tuple(verify(list(o.findings))))
        store.record(run_id, o)
        outcomes.append(replace(o, findings=()))
        if on_outcome is not None:
            on_outcome(o)

    try:
        to_run = []
        tasks = plan(store, targets, spec, options)
        with ThreadPoolExecutor(max_workers=8) as threads:  # git subprocesses: threads overlap them
            for task, quick in zip(tasks, threads.map(quick_check, tasks), strict=True):
                if quick is None:
                    to_run.append(task)
                else:
                    record(quick)
        runner = (run_dask(to_run, options.dask_scheduler, scan) if options.dask_scheduler
                  else run_local(to_run, options.workers, scan))
        for outcome in runner:
            record(outcome)
    except BaseException:
        with contextlib.suppress(StoreError):
            store.finish_run(run_id, "failed")
        raise
    if key_status:
        store.apply_key_status(key_status)
    failed = sum(o.status == "error" for o in outcomes)
    status = "ok" if not failed else "failed" if failed == len(outcomes) else "partial"
    store.finish_run(run_id, status)
    return SweepResult(run_id, status, tuple(outcomes),
                       tuple(store.occurrences(OccurrenceQuery(new_in_run=run_id))),
                       tuple(store.occurrences(OccurrenceQuery(open_only=True))))
