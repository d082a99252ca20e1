"""Repository access: open and describe a repository, turn the user's selection (refs,
--since-commit, --range) into rev-list arguments, and read commit metadata. Every question is a git
plumbing call through `gitcmd` (its safety policy applies)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scanner.errors import ConfigError, SourceError
from scanner.sources.gitcmd import run_git


@dataclass(frozen=True)
class RepoInfo:
    cwd: str  # where git runs: the work tree, or the git dir of a bare repository
    git_dir: str
    bare: bool
    head: str | None  # commit at HEAD (the default branch of a bare repository); None when unborn
    shallow_boundaries: int  # 0 unless a shallow clone
    partial: bool  # a partial clone (objects may be missing locally)


@dataclass(frozen=True)
class Selection:
    """Which commits to scan. Empty `refs` means every ref (branches, tags, remotes, stash)."""

    refs: tuple[str, ...] = ()
    since_commit: str | None = None
    commit_range: str | None = None
    exclude_commits: tuple[str, ...] = ()  # commits whose ancestry is not scanned (incremental sweeps)
    max_commits: int | None = None


@dataclass(frozen=True)
class CommitMeta:
    author_name: str
    author_email: str
    date: str
    subject: str


def open_repo(path: str) -> RepoInfo:
    if not os.path.isdir(path):
        raise ConfigError(f"{path}: no such folder")
    where = run_git(path, "rev-parse", "--absolute-git-dir", "--is-bare-repository").decode("utf-8", "surrogateescape")
    lines = where.splitlines()
    if len(lines) != 2:
        raise ConfigError(f"{path}: not a git repository")
    git_dir = lines[0]
    bare = lines[1].strip() == "true" or _given_as_git_dir(path, git_dir)
    cwd = git_dir
    if not bare:
        top = run_git(path, "rev-parse", "--show-toplevel", check=False).decode("utf-8", "surrogateescape").strip()
        cwd = top or git_dir
    head_out = run_git(cwd, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip()
    head = head_out.decode() if head_out else None
    shallow = os.path.join(git_dir, "shallow")
    boundaries = 0
    if os.path.exists(shallow):
        with open(shallow, "rb") as fh:
            boundaries = sum(1 for line in fh if line.strip())
    partial = bool(run_git(cwd, "config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$",
                           check=False).strip())
    return RepoInfo(cwd, git_dir, bare, head, boundaries, partial)


def _given_as_git_dir(given: str, git_dir: str) -> bool:
    """The user gave the git directory itself (a `.git` folder, a `--separate-git-dir` store, a mirror or
    cache without a `config` file): git is run there, as git itself would be, not in a parent folder
    that may not be its work tree at all."""
    return os.path.realpath(given) == os.path.realpath(git_dir)


def _resolve(info: RepoInfo, ref: str, what: str) -> str:
    """The commit a revision names (a tag is peeled); ConfigError when it names none. A revision that
    starts with '-' would be read by git as an option: refused."""
    if not ref or ref.startswith("-"):
        raise ConfigError(f"{what} '{ref}': unknown revision")
    out = run_git(info.cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    if not out:
        raise ConfigError(f"{what} '{ref}': unknown revision")
    return out.decode()


def rev_args(info: RepoInfo, sel: Selection) -> list[str]:
    """rev-list arguments for a selection; ConfigError names the revision that does not resolve."""
    if sel.commit_range and (sel.refs or sel.since_commit):
        raise ConfigError("--range cannot be combined with --branch or --since-commit")
    args: list[str] = []
    if sel.commit_range:
        ends = sel.commit_range.replace("...", "..").split("..")
        if len(ends) != 2 or ends == ["", ""]:
            raise ConfigError(f"--range '{sel.commit_range}': expected A..B")
        for end in ends:
            if end:
                _resolve(info, end, "--range")
        args.append(sel.commit_range)
    elif sel.refs:
        for ref in sel.refs:
            _resolve(info, ref, "--branch")
        args.extend(sel.refs)
    elif sel.since_commit:
        if info.head is None:
            raise ConfigError("--since-commit: the repository has no HEAD commit (use --branch)")
        args.append("HEAD")
    else:
        args.append("--all")
        args.extend(stash_entries(info))
    if sel.since_commit:
        args.append("^" + _resolve(info, sel.since_commit, "--since-commit"))
    args.extend("^" + c for c in sel.exclude_commits)
    return args


def stash_entries(info: RepoInfo) -> list[str]:
    """Every stash entry (--all only reaches the newest, through refs/stash)."""
    if not os.path.exists(os.path.join(info.git_dir, "logs", "refs", "stash")):
        return []
    out = run_git(info.cwd, "log", "-g", "--format=%H", "refs/stash", check=False)
    return out.decode().split()


def commit_list(info: RepoInfo, args: Sequence[str], max_commits: int | None) -> list[str]:
    """Selected commits, parents before children (topological order)."""
    limit = [f"--max-count={max_commits}"] if max_commits else []
    out = run_git(info.cwd, "rev-list", "--topo-order", "--reverse", *limit, *args, "--")
    return out.decode("ascii").split()


_DAMAGE = ("bad object", "corrupt", "missing", "unable to read", "invalid", "fatal: packfile", "did not receive")


def damaged(message: str) -> bool:
    """True when a git error says the object store is damaged (not that the user asked for a bad name)."""
    low = message.lower()
    return any(d in low for d in _DAMAGE) and "unknown revision" not in low and "ambiguous argument" not in low


def salvage_commits(info: RepoInfo) -> list[str]:
    """Every commit object the object store lists (from pack indexes and loose objects), whether or not a
    ref reaches it: what can still be scanned when the history cannot be walked."""
    out = run_git(info.cwd, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)",
                  check=False)
    return [line.split()[0].decode() for line in out.split(b"\n") if line.endswith(b" commit")]


def submodules_at_head(info: RepoInfo) -> list[tuple[str, str]]:
    """(path, commit) of each submodule HEAD's tree records: their history is another repository's."""
    if info.head is None:
        return []
    out = run_git(info.cwd, "ls-tree", "-r", "-z", "--full-tree", info.head, check=False)
    subs = []
    for entry in out.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[0] == b"160000":
            subs.append((path.decode("utf-8", "replace"), parts[2].decode()))
    return subs


def missing_objects(info: RepoInfo, args: Sequence[str]) -> frozenset[str]:
    """Objects a partial clone lacks, listed without fetching them."""
    out = run_git(info.cwd, "rev-list", "--objects", "--missing=print", *args, "--", check=False)
    return frozenset(line[1:].decode() for line in out.split(b"\n") if line.startswith(b"?"))


_META_FORMAT = "%H%x00%an%x00%ae%x00%aI%x00%s%x00"


def commit_metadata(info: RepoInfo, shas: Iterable[str]) -> Mapping[str, CommitMeta]:
    """Author, date and subject of each commit, read by git in the repository's own folder (one
    process for all of them; one per commit only when some cannot be read)."""
    wanted = sorted(set(shas))
    out: dict[str, CommitMeta] = {}
    if not wanted:
        return out
    try:
        raw = run_git(info.cwd, "log", "--no-walk=unsorted", f"--format={_META_FORMAT}", "--stdin",
                      stdin="".join(f"{s}\n" for s in wanted).encode())
        out.update(_parse_meta(raw))
    except SourceError:
        for sha in wanted:  # a damaged object: the others still get their metadata
            try:
                out.update(_parse_meta(run_git(info.cwd, "log", "--no-walk", f"--format={_META_FORMAT}", sha)))
            except SourceError as e:
                out[sha] = CommitMeta("", "", "", f"(commit metadata unreadable: {e})")
    for sha in wanted:
        out.setdefault(sha, CommitMeta("", "", "", "(commit metadata unreadable)"))
    return out


def _parse_meta(raw: bytes) -> dict[str, CommitMeta]:
    fields = raw.decode("utf-8", "replace").split("\x00")
    out: dict[str, CommitMeta] = {}
    for i in range(0, len(fields) - 4, 5):
        sha = fields[i].strip()
        if sha:
            out[sha] = CommitMeta(fields[i + 1], fields[i + 2], fields[i + 3], fields[i + 4])
    return out
