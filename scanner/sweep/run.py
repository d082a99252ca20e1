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
from scanner.sweep.spec import SpecSource
from scanner.sweep.targets import RepoTarget
from scanner.sweep.worker import RepoState, RepoTask, quick_check, sweep_repository

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


def plan(store: Store, targets: Sequence[RepoTarget], digest: str, full: bool) -> list[RepoState]:
    """What the store remembers of each target; nothing when the rules changed or `full`."""
    states = []
    for t in targets:
        known = store.repository(t.location)
        if known is None:
            states.append(RepoState(t))
        elif full or known.rules_digest not in (None, digest):
            states.append(RepoState(t, known=True))
        else:
            states.append(RepoState(t, dict(known.tips), known.head_commit, known=True))
    return states


def sweep(store: Store, targets: Sequence[RepoTarget], spec: SpecSource, options: SweepOptions,
          scan: ScanFn = sweep_repository, verify: Callable[[list[Finding]], list[Finding]] | None = None,
          on_outcome: Callable[[RepoOutcome], None] | None = None, tool_version: str = "",
          key_status: Mapping[str, str] | None = None) -> SweepResult:
    """Sweep `targets` into `store`. `key_status` (access key id -> IAM status) resolves deactivated keys.
    `spec.get()` (parsing the rules) is called only when some repository has to be scanned."""
    run_id = store.begin_run([t.location for t in targets], tool_version, spec.digest)
    options = replace(options, clone_root=options.clone_root or str(store.path.parent / "clones"))
    outcomes: list[RepoOutcome] = []

    def record(batch: Sequence[RepoOutcome]) -> None:
        checked = [replace(o, findings=tuple(verify(list(o.findings)))) if verify and o.findings else o
                   for o in batch]
        store.record_many(run_id, checked)
        for o in checked:
            outcomes.append(replace(o, findings=()))
            if on_outcome is not None:
                on_outcome(o)

    try:
        states = plan(store, targets, spec.digest, options.full)
        with ThreadPoolExecutor(max_workers=8) as threads:  # git subprocesses: threads overlap them
            quick = list(threads.map(lambda s: quick_check(s, spec.digest), states))
        record([q for q in quick if q is not None])  # one transaction for every unchanged repository
        to_run = [_task(s, spec, options, len(targets)) for s, q in zip(states, quick, strict=True) if q is None]
        runner = (run_dask(to_run, options.dask_scheduler, scan) if options.dask_scheduler
                  else run_local(to_run, options.workers, scan))
        for outcome in runner:
            record([outcome])
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


def _task(state: RepoState, spec: SpecSource, options: SweepOptions, repositories: int) -> RepoTask:
    return RepoTask(state=state, spec=spec.get(), clone_root=options.clone_root, clone_timeout=options.clone_timeout,
                    git_jobs=1 if options.dask_scheduler or (options.workers > 1 and repositories > 1) else 0)
