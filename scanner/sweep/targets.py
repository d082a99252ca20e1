"""What to sweep: repository paths, folders of repositories, clone URLs, and `--repos FILE` lists."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import ConfigError
from scanner.sweep.gitutil import is_repository

_SCP_LIKE = re.compile(r"^[\w.+-]+@[\w.-]+:")


@dataclass(frozen=True)
class RepoTarget:
    location: str  # absolute path, or the clone URL as given
    name: str
    is_url: bool = False


def is_url(text: str) -> bool:
    return "://" in text or bool(_SCP_LIKE.match(text))


def url_target(url: str) -> RepoTarget:
    clean = url.rstrip("/")
    name = re.split(r"[/:]", clean)[-1]
    return RepoTarget(location=clean, name=name.removesuffix(".git") or "repository", is_url=True)


def path_target(path: str | Path) -> RepoTarget:
    p = Path(os.path.abspath(path))
    return RepoTarget(location=str(p), name=p.name.removesuffix(".git") or str(p))


def read_repos_file(path: str) -> list[str]:
    """One path or clone URL per line; blank lines and '#' comments skipped; relative paths
    are taken from the list file's folder."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read repository list ({e})") from e
    base = Path(path).resolve().parent
    out = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        out.append(line if is_url(line) or os.path.isabs(line) else str(base / line))
    return out


def resolve(args: Iterable[str], known: Sequence[str] = ()) -> tuple[list[RepoTarget], list[str]]:
    """Targets to sweep, and one-line problems for arguments that name no repository.

    A folder that is not itself a repository means the repositories directly inside it, plus the
    ones the store knows there that have since disappeared (so a deleted repository is reported)."""
    targets: dict[str, RepoTarget] = {}
    problems: list[str] = []
    for arg in args:
        if is_url(arg):
            t = url_target(arg)
            targets.setdefault(t.location, t)
            continue
        p = Path(os.path.abspath(arg))
        if not p.exists() or is_repository(p):
            t = path_target(p)
            targets.setdefault(t.location, t)
        elif p.is_dir():
            found = [path_target(c) for c in sorted(p.iterdir()) if c.is_dir() and is_repository(c)]
            gone = [path_target(k) for k in known if Path(k).parent == p and not os.path.exists(k)]
            if not found and not gone:
                problems.append(f"{arg}: neither a git repository nor a folder of repositories")
            for t in found + gone:
                targets.setdefault(t.location, t)
        else:
            problems.append(f"{arg}: not a git repository")
    return list(targets.values()), problems
