"""The one call a sweep makes into git history: findings in the commits not reachable from `exclude`.

It delegates to the git history source (scanner.sources.git) when that module offers
`scan_history`; until then a plain `git log -p` reader stands in (added lines only, merges skipped).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scanner.errors import SourceError
from scanner.models import Chunk, Finding, Origin
from scanner.sweep.gitutil import GIT_ENV, git

if TYPE_CHECKING:
    from scanner.engine import Engine

MAX_COMMITS = 200
MAX_REFS = 10
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_FORMAT = "--format=%x00%H%x1f%an%x1f%ae%x1f%aI%x1f%s"


@dataclass(frozen=True)
class HistoryResult:
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = ()


class HistoryScanner(Protocol):
    def __call__(self, repo: Path, engine: Engine, exclude: Sequence[str], jobs: int = 0,
                 max_file_size: int | None = None) -> HistoryResult: ...


def scan_history(repo: Path, engine: Engine, exclude: Sequence[str], jobs: int = 0,
                 max_file_size: int | None = None) -> HistoryResult:
    """Every line added by a commit reachable from any ref and from none of `exclude`, with the
    branches and tags holding each finding's commit in `extra["refs"]`."""
    source: Any = _git_source()
    if source is not None and hasattr(source, "scan_history"):
        options = source.GitOptions(jobs=jobs, **({"max_file_size": max_file_size} if max_file_size else {}))
        found = source.scan_history(repo, engine, options, exclude=tuple(exclude))
        findings, warnings = tuple(found.findings), tuple(found.warnings)
    else:
        findings, warnings = tuple(_log_patch_findings(repo, engine, exclude)), ()
    return HistoryResult(with_refs(repo, findings), warnings)


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


def _git_source() -> Any:
    try:
        return importlib.import_module("scanner.sources.git")
    except ImportError:
        return None


def _log_patch_findings(repo: Path, engine: Engine, exclude: Sequence[str]) -> Iterator[Finding]:
    args = ["git", "-c", "core.quotepath=off", "-C", str(repo), "log", "--all", "--stdin", "-p", "--no-color",
            "--no-ext-diff", "--no-renames", "--unified=0", "--diff-merges=off", _FORMAT]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **GIT_ENV})
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write("".join(f"^{c}\n" for c in exclude).encode())
    proc.stdin.close()
    for origin, numbers, texts in _added_lines(proc.stdout):
        yield from engine.scan(Chunk(text="\n".join(texts), origin=origin, line_map=tuple(numbers)))
    err = proc.stderr.read()
    if proc.wait() != 0:
        raise SourceError(f"{repo}: git log failed: {err.decode('utf-8', 'replace').strip().splitlines()[:1]}")


def _added_lines(stream: Any) -> Iterator[tuple[Origin, list[int], list[str]]]:
    commit: list[str] = []
    path: str | None = None
    header = False
    numbers: list[int] = []
    texts: list[str] = []
    line_no = 0

    def flush() -> Iterator[tuple[Origin, list[int], list[str]]]:
        if path and texts and len(commit) == 5:
            yield (Origin(path=path, commit=commit[0], author_name=commit[1], author_email=commit[2],
                          date=commit[3], subject=commit[4]), list(numbers), list(texts))
        numbers.clear()
        texts.clear()

    for raw in stream:
        if raw.startswith(b"\x00"):
            yield from flush()
            commit = raw[1:].rstrip(b"\n").decode("utf-8", "replace").split("\x1f")
            path, header = None, False
        elif raw.startswith(b"diff --git "):
            yield from flush()
            path, header = None, True
        elif header and raw.startswith(b"+++ "):
            name = raw[4:].rstrip(b"\n").decode("utf-8", "surrogateescape")
            path = name[2:] if name.startswith("b/") else None
        elif raw.startswith(b"@@"):
            header = False
            m = _HUNK.match(raw)
            line_no = int(m.group(1)) if m else 0
        elif not header and raw.startswith(b"+") and path:
            numbers.append(line_no)
            texts.append(raw[1:].rstrip(b"\n").decode("utf-8", "replace"))
            line_no += 1
    yield from flush()
