"""A repository scan that kills its worker process, to test how sweeps survive dying workers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scanner.store import RepoOutcome
from scanner.sweep import RepoTask, sweep_repository


@dataclass(frozen=True)
class CrashOn:
    """Kill the worker (as the OOM killer would) when it sweeps the repository named `name`.
    With `marker`, only the first time: the file records that it happened."""

    name: str
    marker: str | None = None

    def __call__(self, task: RepoTask) -> RepoOutcome:
        if task.target.name == self.name and (self.marker is None or not os.path.exists(self.marker)):
            if self.marker:
                Path(self.marker).touch()
            os._exit(17)
        return sweep_repository(task)
