"""Sweeps over many repositories, remembered in the store so the next one costs only what changed.

targets.py (what to sweep) and spec.py (what decides the findings) -> run.py (plan from the store, run,
record) -> pool.py (process pool or Dask) -> worker.py (one repository: refs, new commits, history, HEAD)
-> history.py / gitutil.py (git).
"""

from scanner.sweep.run import SweepOptions, SweepResult, sweep
from scanner.sweep.spec import EngineSpec, LazySpec, SpecSource
from scanner.sweep.targets import RepoTarget, read_repos_file, resolve
from scanner.sweep.worker import RepoState, RepoTask, sweep_repository

__all__ = ["EngineSpec", "LazySpec", "RepoState", "RepoTarget", "RepoTask", "SpecSource", "SweepOptions",
           "SweepResult", "read_repos_file", "resolve", "sweep", "sweep_repository"]
