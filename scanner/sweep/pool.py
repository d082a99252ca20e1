"""Running repository tasks: a local process pool, or a Dask distributed cluster.

Both yield outcomes as repositories finish, so the caller can store each one at once (what is
done is kept if the sweep stops). A worker that dies takes its repository to a second attempt in
a process of its own; a second death is reported as that repository's error, the rest go on.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from scanner.errors import ConfigError, KeysweepError
from scanner.store.records import RepoOutcome
from scanner.sweep.worker import RepoTask, error_outcome, sweep_repository

log = logging.getLogger(__name__)
ScanFn = Callable[[RepoTask], RepoOutcome]
DIED = "the worker sweeping it died twice (out of memory, or killed); not swept this time"


def run_local(tasks: Sequence[RepoTask], jobs: int, scan: ScanFn = sweep_repository) -> Iterator[RepoOutcome]:
    if not tasks:
        return
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("fork")
    crashed: list[RepoTask] = []
    with cf.ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks))), mp_context=ctx) as pool:
        futures = {pool.submit(scan, t): t for t in tasks}
        for fut in cf.as_completed(futures):
            task = futures[fut]
            try:
                yield fut.result()
            except BrokenProcessPool:
                crashed.append(task)
            except Exception as e:  # noqa: BLE001 - e.g. an outcome that cannot be pickled back
                yield error_outcome(task.target, f"worker failed: {type(e).__name__}: {e}")
    if crashed:
        log.warning("a sweep worker died; retrying %d repositories, each in a process of its own", len(crashed))
        with cf.ThreadPoolExecutor(max_workers=max(1, min(jobs, len(crashed)))) as threads:
            yield from threads.map(lambda t: _isolated(t, scan, ctx), crashed)


def _isolated(task: RepoTask, scan: ScanFn, ctx: Any) -> RepoOutcome:
    from concurrent.futures.process import BrokenProcessPool

    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return replace(pool.submit(scan, task).result(), attempts=2)
        except BrokenProcessPool:
            return error_outcome(task.target, DIED, attempts=2)


def run_dask(tasks: Sequence[RepoTask], address: str, scan: ScanFn = sweep_repository,
             connect_timeout: float = 30.0) -> Iterator[RepoOutcome]:
    """Each repository one task on the cluster at `address`; results come back to the caller."""
    distributed = _import_distributed()
    try:
        client = distributed.Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise KeysweepError(f"cannot reach the Dask scheduler at {address} ({type(e).__name__}: {e})") from e
    try:
        yield from _gather(client, distributed, tasks, scan)
    finally:
        client.close()


def _gather(client: Any, distributed: Any, tasks: Sequence[RepoTask], scan: ScanFn) -> Iterator[RepoOutcome]:
    run = uuid.uuid4().hex[:8]

    def submit(task: RepoTask) -> Any:
        return client.submit(scan, task, key=f"keysweep-{run}-{task.target.name}-{uuid.uuid4().hex[:8]}", pure=False)

    futures = {submit(t): t for t in tasks}
    killed: list[RepoTask] = []
    for fut in distributed.as_completed(list(futures), loop=client.loop):
        outcome = _result(fut, futures[fut], distributed, attempt=1)
        if outcome is None:
            killed.append(futures[fut])
        else:
            yield outcome
    if killed:
        log.warning("a Dask worker died; retrying %d repositories one at a time", len(killed))
    for task in killed:  # alone on the cluster: a repository that kills its worker again takes no other with it
        yield _result(submit(task), task, distributed, attempt=2) or error_outcome(task.target, DIED, attempts=2)


def _result(fut: Any, task: RepoTask, distributed: Any, attempt: int) -> RepoOutcome | None:
    """The task's outcome; None when its worker died."""
    try:
        outcome: RepoOutcome = fut.result()
        return replace(outcome, attempts=attempt)
    except distributed.KilledWorker:
        return None
    except Exception as e:  # noqa: BLE001 - a task error ends that repository only
        return error_outcome(task.target, f"Dask task failed: {type(e).__name__}: {e}", attempts=attempt)
    finally:
        fut.release()


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as e:
        raise ConfigError("--dask-scheduler needs dask.distributed: pip install 'keysweep[dask]'") from e
    return distributed
