"""The few git plumbing calls a sweep needs: refs, new commits, changed paths, blobs at HEAD, clones.

Every call goes through `sources.gitcmd`, so reads of a repository run under the history scan's
safety policy (no remote protocol, no lazy fetch, no monitor, hooks or pager): a partial clone's
missing objects stay missing instead of being fetched from whatever remote the repository names.
Only `clone_or_fetch` of a sweep target talks to a remote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from scanner.errors import SourceError
from scanner.sources.gitcmd import CatFile, ObjectUnreadable, clone_or_fetch, run_git

ARG_BATCH = 500  # paths per git command line
BLOB_BATCH = 256  # blobs asked of `git cat-file` at a time

__all__ = ["changed_paths", "clone_or_fetch", "existing", "git", "is_repository", "new_commits", "read_blobs",
           "refs_and_head", "tree_blobs"]


def git(repo: str | Path, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
    """Run git in `repo` under the read policy; a failure is a SourceError naming the repository."""
    try:
        return run_git(str(repo), *args, stdin=stdin, check=check)
    except SourceError as e:
        raise SourceError(f"{repo}: {e}") from e


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
    out = git(repo, "diff", "--name-only", "--no-renames", "--no-ext-diff", "--no-textconv", "-z", old, new)
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
    """(blob id, content) for each id that can be read, through one `git cat-file --batch`; a missing
    one (a partial clone, a damaged repository) is left out."""
    if not blob_ids:
        return
    with CatFile(str(repo), max_size=1 << 62) as cat:
        for i in range(0, len(blob_ids), BLOB_BATCH):
            for got in cat.read_many(blob_ids[i:i + BLOB_BATCH]):
                if not isinstance(got, ObjectUnreadable) and got.data is not None:
                    yield got.sha, got.data
