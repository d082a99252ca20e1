"""The same sweep on a two-worker Dask LocalCluster: identical findings, dying workers handled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.errors import KeysweepError
from scanner.store import Store
from scanner.sweep import EngineSpec, SweepOptions, resolve, sweep
from scanner.sweep.pool import DIED
from tests.sweep import faults
from tests.sweep.conftest import Fleet
from tests.sweep.faults import CrashOn

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (the 'dask' extra)")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    import cloudpickle
    import dask

    cloudpickle.register_pickle_by_value(faults)  # workers need not import the tests package
    # a task whose worker dies fails at once (the sweep, not the scheduler, decides to retry)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, host="127.0.0.1",
            silence_logs=50) as lc:
        yield lc.scheduler_address


def rows(store: Store) -> set[tuple]:
    return {(Path(o.repository).name, o.secret.fingerprint, o.occurrence.path, o.occurrence.line,
             o.occurrence.commit, o.at_head, o.history.resolved_reason) for o in store.occurrences()}


def test_dask_sweep_matches_local_sweep(tmp_path: Path, fleet: Fleet, spec: EngineSpec, cluster: str) -> None:
    targets, _ = resolve([str(fleet.root)])
    with Store(tmp_path / "local.db") as local, Store(tmp_path / "dask.db") as remote:
        a = sweep(local, targets, spec, SweepOptions(jobs=2))
        b = sweep(remote, targets, spec, SweepOptions(dask_scheduler=cluster))
        assert a.status == b.status == "ok"
        assert rows(local) == rows(remote) and len(rows(local)) == 3
        fleet.docs.commit({"new.txt": "still nothing\n"}, "docs")
        again = sweep(remote, targets, spec, SweepOptions(dask_scheduler=cluster))
        assert sorted(o.status for o in again.outcomes) == ["scanned", "unchanged", "unchanged"]


def test_dask_worker_death_is_retried_once_then_reported(tmp_path: Path, fleet: Fleet, spec: EngineSpec,
                                                         cluster: str) -> None:
    targets, _ = resolve([str(fleet.root)])
    options = SweepOptions(dask_scheduler=cluster)
    with Store(tmp_path / "once.db") as store:
        r = sweep(store, targets, spec, options, scan=CrashOn("web", marker=str(tmp_path / "died")))
        web = next(o for o in r.outcomes if o.name == "web")
        assert (web.status, web.attempts) == ("scanned", 2) and r.status == "ok"
    with Store(tmp_path / "always.db") as store:
        r = sweep(store, targets, spec, options, scan=CrashOn("web"))
        web = next(o for o in r.outcomes if o.name == "web")
        assert (web.status, web.error) == ("error", DIED) and r.status == "partial"
        assert {o.status for o in r.outcomes if o.name != "web"} == {"scanned"}
        assert len(store.occurrences()) == 2


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    from scanner.sweep.pool import run_dask
    from scanner.sweep.worker import RepoState, RepoTask

    targets, _ = resolve([str(fleet.docs.path)])
    with pytest.raises(KeysweepError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        list(run_dask([RepoTask(RepoState(targets[0]), spec)], "tcp://127.0.0.1:9", connect_timeout=1))
