"""The one call a sweep makes into git history: findings in the commits not reachable from `exclude`
(scanner.sources.git does the work), plus the branches and tags that hold each finding's commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.models import Finding
from scanner.sweep.gitutil import git

if TYPE_CHECKING:
    from scanner.engine import Engine
    from scanner.sources.git import HistoryResult

MAX_COMMITS = 200
MAX_REFS = 10


def scan_history(repo: Path, engine: Engine, exclude: Sequence[str], jobs: int = 0,
                 max_file_size: int | None = None, paths_out: Sequence[str] = ()) -> HistoryResult:
    """Every line added by a commit reachable from any ref and from none of `exclude`, outside the
    `paths_out` patterns, with the branches and tags holding each finding's commit in `extra["refs"]`."""
    from scanner.sources.git import GitOptions
    from scanner.sources.git import scan_history as scan_git

    options = GitOptions(jobs=jobs, exclude=tuple(paths_out))
    if max_file_size is not None:
        options = replace(options, max_file_size=max_file_size)
    found = scan_git(repo, engine, options, exclude=tuple(exclude))
    return replace(found, findings=with_refs(repo, found.findings))


def with_refs(repo: Path, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    holding = refs_containing(repo, sorted({f.commit for f in findings if f.commit}))
    return tuple(replace(f, extra={**f.extra, "refs": list(holding[f.commit])}) if f.commit in holding else f
                 for f in findings)


def refs_containing(repo: Path, commits: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Branches and tags that contain each commit (at most MAX_REFS each; none past MAX_COMMITS commits)."""
    out: dict[str, tuple[str, ...]] = {}
    for c in commits[:MAX_COMMITS]:
        names = git(repo, "for-each-ref", f"--contains={c}", f"--count={MAX_REFS}", "--format=%(refname:short)",
                    "refs/heads", "refs/tags", "refs/remotes", check=False)
        out[c] = tuple(n for n in names.decode("utf-8", "replace").splitlines() if n)
    return out
