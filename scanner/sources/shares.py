"""Runs of work shared out to forked workers in contiguous shares, the tail balanced by stealing.

A history sweep's runs are consecutive stretches of commits, and a worker keeps the blob versions its
last run ended with: the run after it starts warm, any other run starts cold (its files' previous
versions are read again). So each worker takes one contiguous share of the runs, front to back; a
worker whose share is done takes the back half of the share with the most left (the runs farthest
from where that share's owner is) and goes on through it front to back, so a share heavier than the
others does not leave a core idle, and a steal starts cold only once.

Results come back as each run ends (progress stays live). A worker that raises passes its exception
on; one that dies without a word (killed, out of memory) is an error, not a hang.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import pickle
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from typing import Any, Generic, TypeVar, cast

R = TypeVar("R")

POLL_SECONDS = 0.5  # how often the parent checks that workers are alive while it waits
REAP_SECONDS = 30.0  # how long a finished worker may take to stop its git processes


class WorkerDied(RuntimeError):
    """A worker process ended without finishing its runs."""


class Shares:
    """Which run a worker takes next. `bounds` holds [next, end) per worker, flat; `lock` guards it
    (an mp.Array and its lock, shared by forked workers, or a plain list in one process)."""

    def __init__(self, bounds: MutableSequence[int], lock: Any = None) -> None:
        self.bounds = bounds
        self.lock = lock if lock is not None else contextlib.nullcontext()

    @staticmethod
    def split(counts: Sequence[int]) -> list[int]:
        """Flat [next, end) per worker for contiguous shares of counts[w] runs each."""
        out: list[int] = []
        start = 0
        for n in counts:
            out += [start, start + n]
            start += n
        return out

    def claim(self, worker: int) -> int | None:
        """The next run for `worker`, or None when every run is taken. A worker whose own range is
        done takes the back half of the largest range left (the runs farthest from where its owner
        is) as its own, and goes on through it front to back: one cold start per steal."""
        b = self.bounds
        with self.lock:
            i = 2 * worker
            if b[i] < b[i + 1]:
                b[i] += 1
                return b[i] - 1
            left = [(b[2 * w + 1] - b[2 * w], w) for w in range(len(b) // 2)]
            most, victim = max(left)
            if most <= 0:
                return None
            end = b[2 * victim + 1]
            start = end - max(1, most // 2)
            b[2 * victim + 1] = start
            b[i], b[i + 1] = start + 1, end
            return start


class _Failed:
    """A worker's exception, carried to the parent (as text when it cannot be pickled)."""

    def __init__(self, error: BaseException) -> None:
        self.text = "".join(traceback.format_exception(error))
        try:
            pickle.dumps(error)
            self.error: BaseException | None = error
        except Exception:  # noqa: BLE001 - any pickling failure: send the text instead
            self.error = None


class _Done:
    def __init__(self, worker: int) -> None:
        self.worker = worker


def _worker(index: int, shares: Shares, work: Callable[[int], Any], out: Any, init: Callable[[], None] | None,
            done: Callable[[], None] | None) -> None:
    try:
        if init is not None:
            init()
        while (run := shares.claim(index)) is not None:
            out.put((run, work(run)))
    except BaseException as e:  # noqa: BLE001 - passed on to the parent, which raises it
        out.put((-1, _Failed(e)))
    finally:
        out.put((-1, _Done(index)))
        out.close()
        out.join_thread()  # every result is in the pipe: the parent goes on while this process cleans up
        if done is not None:
            with contextlib.suppress(BaseException):
                done()


class SharedRuns(Generic[R]):
    """`work(run)` for every run in one forked process per share (`counts[w]` consecutive runs for
    worker w); results as they come, in any order."""

    def __init__(self, counts: Sequence[int], work: Callable[[int], R], init: Callable[[], None] | None = None,
                 done: Callable[[], None] | None = None) -> None:
        """`init` runs in each worker before its first run, `done` after its last."""
        self.counts, self.work, self.init, self.done = [n for n in counts if n > 0], work, init, done

    def __iter__(self) -> Iterator[tuple[int, R]]:
        ctx = mp.get_context("fork")
        bounds = ctx.Array("q", Shares.split(self.counts))
        shares = Shares(cast("MutableSequence[int]", bounds.get_obj()), bounds.get_lock())
        out: Any = ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(w, shares, self.work, out, self.init, self.done), daemon=True)
                 for w in range(len(self.counts))]
        for p in procs:
            p.start()
        finished: set[int] = set()
        try:
            while len(finished) < len(procs):
                try:
                    run, got = out.get(timeout=POLL_SECONDS)
                except queue.Empty:  # a worker that said it is done may end as it likes (killed while cleaning up)
                    dead = [p for w, p in enumerate(procs) if w not in finished and p.exitcode not in (None, 0)]
                    if dead:
                        code = dead[0].exitcode
                        raise WorkerDied(f"a worker process ended unexpectedly (exit code {code})") from None
                    continue
                if isinstance(got, _Done):
                    finished.add(got.worker)
                elif isinstance(got, _Failed):
                    if got.error is not None:
                        raise got.error
                    raise WorkerDied(f"a worker failed:\n{got.text}")
                else:
                    yield run, got
        finally:
            if len(finished) == len(procs):  # all done: they end on their own, waited for on a thread
                reaper = threading.Thread(target=_reap, args=(procs,), daemon=True)
                reaper.start()
                _REAPERS.append(reaper)
            else:
                for p in procs:
                    if p.is_alive():
                        p.terminate()
                for p in procs:
                    p.join()
            out.close()
            out.join_thread()


_REAPERS: list[threading.Thread] = []


def settle(timeout: float = REAP_SECONDS) -> None:
    """Wait (up to `timeout`) for finished workers still stopping their git processes, so that none
    is left when the caller returns (a sweep calls this once its own work after the runs is done)."""
    deadline = time.monotonic() + timeout
    while _REAPERS:
        _REAPERS.pop().join(max(0.0, deadline - time.monotonic()))


def _reap(procs: Sequence[Any]) -> None:
    """Wait for workers that said they are done (they are stopping their git processes); one that
    takes longer than REAP_SECONDS is stopped."""
    for p in procs:
        p.join(REAP_SECONDS)
        if p.is_alive():
            p.terminate()
            p.join()
