"""The few git plumbing calls a sweep needs: refs, new commits, changed paths, blobs at HEAD, clones.

Plain `git` subprocesses (no shell); every failure is a SourceError with one readable line. Reads of a
repository run under the history scan's safety policy (`sources.gitcmd`: no remote protocol, no lazy
fetch, no fsmonitor), so a partial clone's missing objects stay missing instead of being fetched
from whatever remote the repository names; only `clone_or_fetch` of a sweep target talks to a remote.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from scanner.errors import SourceError
from scanner.sources.gitcmd import git_argv
from scanner.sources.gitcmd import git_env as read_env

# fetching a sweep target: never prompt (a sweep runs unattended)
NETWORK_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true", "LC_ALL": "C",
               "GIT_CONFIG_NOSYSTEM": "1"}
ARG_BATCH = 500  # paths per git command line


def git(repo: str | Path, *args: str, stdin: bytes | None = None, timeout: float | None = None,
        check: bool = True, network: bool = False) -> bytes:
    """Run git in `repo`; reads follow the safety policy, `network=True` only for clone and fetch."""
    argv = ["git", "-C", str(repo), *args] if network else git_argv(str(repo), *args)
    env = {**os.environ, **NETWORK_ENV} if network else read_env()
    try:
        proc = subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise SourceError(f"{repo}: git {args[0]} timed out after {timeout:g} s") from e
    except OSError as e:
        raise SourceError(f"cannot run git: {e.strerror}") from e
    if check and proc.returncode != 0:
        raise SourceError(f"{repo}: git {args[0]} failed: {_first_line(proc.stderr)}")
    return proc.stdout


def _first_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (fatal or lines or ["(no message)"])[0]


def is_repository(path: str | Path) -> bool:
    p = Path(path)
    if (p / ".git").exists():
        return True
    return (p / "HEAD").is_file() and (p / "objects").is_dir() and (p / "refs").is_dir()


def refs_and_head(repo: str | Path) -> tuple[dict[str, str], str | None]:
    """Every ref (branches, tags, remote-tracking, stash) -> the object it names, and HEAD's commit;
    one `git show-ref --head` (an empty repository has neither)."""
    if not Path(repo).is_dir():
        raise SourceError(f"{repo}: no such repository")
    out = git(repo, "show-ref", "--head", check=False)
    tips: dict[str, str] = {}
    head = None
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        sha, _, ref = line.partition(" ")
        if ref == "HEAD":
            head = sha
        elif sha and ref:
            tips[ref] = sha
    return tips, head


def existing(repo: str | Path, objects: Iterable[str]) -> list[str]:
    """The objects still in the repository (a rewritten history may have dropped old tips)."""
    wanted = list(dict.fromkeys(objects))
    if not wanted:
        return []
    out = git(repo, "cat-file", "--batch-check", stdin="".join(f"{o}\n" for o in wanted).encode())
    return [line.split()[0] for line in out.decode().splitlines() if line and not line.endswith("missing")]


def new_commits(repo: str | Path, exclude: Sequence[str]) -> list[str]:
    """Commits reachable from any ref but from none of `exclude` (git rev-list --all --not ...)."""
    stdin = "".join(f"^{c}\n" for c in exclude).encode()
    out = git(repo, "rev-list", "--all", "--stdin", stdin=stdin)
    return out.decode().split()


def changed_paths(repo: str | Path, old: str, new: str) -> list[str]:
    out = git(repo, "diff", "--name-only", "--no-renames", "-z", old, new)
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def tree_blobs(repo: str | Path, commit: str, paths: Sequence[str] | None = None) -> dict[str, tuple[str, int]]:
    """path -> (blob id, size) at `commit`, for the whole tree or just `paths` (missing ones are absent)."""
    batches: list[Sequence[str]] = [()] if paths is None else [paths[i:i + ARG_BATCH]
                                                                for i in range(0, len(paths), ARG_BATCH)]
    blobs: dict[str, tuple[str, int]] = {}
    for batch in batches:
        if paths is not None and not batch:
            continue
        args = ["ls-tree", "-r", "-z", "--long", "--full-tree", commit]
        out = git(repo, *args, *(["--", *batch] if batch else []))
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, path = entry.partition(b"\t")
            fields = meta.split()
            if len(fields) == 4 and fields[1] == b"blob" and fields[3] != b"-":
                blobs[path.decode("utf-8", "surrogateescape")] = (fields[2].decode(), int(fields[3]))
    return blobs


def read_blobs(repo: str | Path, blob_ids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """(blob id, content) for each id, read through one `git cat-file --batch`."""
    if not blob_ids:
        return
    proc = subprocess.Popen(git_argv(str(repo), "cat-file", "--batch"), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=read_env())
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for blob in blob_ids:
            proc.stdin.write(f"{blob}\n".encode())
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3:
                continue  # "<id> missing": a partial clone or a damaged repository
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            yield blob, data
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()


def clone_or_fetch(url: str, dest: Path, timeout: float) -> None:
    """A bare mirror of the remote's branches and tags at `dest`, fetched when it is already there."""
    if (dest / "HEAD").is_file():
        git(dest, "fetch", "--prune", "--prune-tags", "--force", "--quiet", "origin",
            "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", timeout=timeout, network=True)
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    git(dest.parent, "clone", "--bare", "--quiet", "--", url, str(dest), timeout=timeout, network=True)

