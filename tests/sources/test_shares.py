"""Runs shared out to forked workers: contiguous shares, stealing at the tail, failures surfaced."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.sources.shares import SharedRuns, Shares, WorkerDied, settle


@given(st.lists(st.integers(0, 40), min_size=1, max_size=9))
def test_split_gives_contiguous_shares_covering_every_run(counts: list[int]) -> None:
    b = Shares.split(counts)
    spans = [(b[2 * w], b[2 * w + 1]) for w in range(len(counts))]
    assert spans[0][0] == 0 and spans[-1][1] == sum(counts)
    assert all(spans[w][1] == spans[w + 1][0] for w in range(len(counts) - 1))
    assert [e - s for s, e in spans] == counts


def test_a_worker_takes_its_own_share_in_order_then_the_back_half_of_the_largest() -> None:
    shares = Shares(Shares.split([4, 4, 4]))  # [0,4) [4,8) [8,12)
    assert [shares.claim(0) for _ in range(4)] == [0, 1, 2, 3]
    assert shares.claim(1) == 4
    assert shares.claim(0) == 10  # worker 2 has the most left (4): the back half, [10,12), from its front
    assert shares.claim(0) == 11  # ... and on through it in order (the run after a warm one)
    assert shares.claim(2) == 8  # an owner still starts at the front of what is left of its share
    assert shares.claim(0) == 7  # worker 1 has [5,8) left: the back half (rounded down) is its last run
    assert shares.claim(1) == 5
    assert shares.claim(0) == 9  # workers 1 and 2 have one run each: a tie goes to the later share
    assert [shares.claim(w) for w in range(3)] == [6, None, None]


def test_a_single_run_left_is_taken_by_an_idle_worker() -> None:
    shares = Shares(Shares.split([1, 2]))
    assert shares.claim(0) == 0
    assert shares.claim(1) == 1
    assert shares.claim(0) == 2  # worker 1 is busy with run 1: its last run goes to the idle worker
    assert shares.claim(1) is None


@given(st.lists(st.integers(0, 12), min_size=1, max_size=6), st.lists(st.integers(0, 5), max_size=200))
def test_every_run_is_claimed_exactly_once_whatever_the_interleaving(counts: list[int], order: list[int]) -> None:
    shares = Shares(Shares.split(counts))
    workers, runs = len(counts), sum(counts)
    got: list[int] = []
    for w in [x % workers for x in order] + list(range(workers)) * (runs + 1):
        run = shares.claim(w)
        if run is not None:
            got.append(run)
    assert sorted(got) == list(range(runs))
    assert all(shares.claim(w) is None for w in range(workers))


def test_shared_runs_return_every_result_from_forked_workers() -> None:
    got = dict(SharedRuns([5, 4], lambda run: (run * run, os.getpid())))
    assert sorted(got) == list(range(9))
    assert all(v[0] == k * k for k, v in got.items())
    assert len({pid for _sq, pid in got.values()} - {os.getpid()}) >= 1  # not run in this process


def test_a_worker_exception_is_raised_in_the_parent() -> None:
    def work(run: int) -> int:
        if run == 3:
            raise KeyError("run three")
        return run

    with pytest.raises(KeyError, match="run three"):
        list(SharedRuns([3, 3], work))


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    def work(run: int) -> int:
        if run == 1:
            os._exit(7)
        time.sleep(0.05)
        return run

    started = time.monotonic()
    with pytest.raises(WorkerDied, match="exit code 7"):
        list(SharedRuns([2, 2], work))
    assert time.monotonic() - started < 30


def test_a_stopped_iteration_leaves_no_worker_behind() -> None:
    import multiprocessing as mp

    it = iter(SharedRuns([25, 25], lambda run: time.sleep(0.02) or run))
    next(it)
    it.close()  # type: ignore[attr-defined]
    assert not mp.active_children()


def test_results_are_not_held_up_by_the_workers_cleaning_up(tmp_path: Path) -> None:
    import multiprocessing as mp

    marks = tmp_path / "cleaned"
    marks.mkdir()

    def done() -> None:  # e.g. a worker stopping its git processes
        time.sleep(1.0)
        (marks / str(os.getpid())).touch()

    started = time.monotonic()
    got = dict(SharedRuns([2, 2], lambda run: run, done=done))
    took = time.monotonic() - started
    assert sorted(got) == [0, 1, 2, 3]
    assert took < 0.9 and not list(marks.iterdir())  # the parent went on while the workers cleaned up
    settle()  # what a sweep does once its own work after the runs is done
    assert len(list(marks.iterdir())) == 2  # each worker's clean-up ran to the end ...
    assert not mp.active_children()  # ... and the finished workers were waited for


def test_a_worker_that_dies_while_cleaning_up_after_its_last_run_fails_nothing() -> None:
    did: dict[str, int] = {}

    def work(run: int) -> int:
        did["run"] = run
        time.sleep(0.3 if run == 0 else 1.5)  # each worker keeps its own run; the parent polls while waiting
        return run

    def done() -> None:
        if did.get("run") == 0:
            os._exit(7)  # e.g. killed while stopping its git processes: its results are all in

    assert sorted(dict(SharedRuns([1, 1], work, done=done))) == [0, 1]
    settle()
