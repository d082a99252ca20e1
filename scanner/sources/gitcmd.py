"""Every git process keysweep starts, and the one safety policy they run under.

Repositories keysweep reads may be hostile (a sweep of other people's repositories, a clone an
incident responder was handed), so neither their configuration nor the user's may make a read run a
program or reach the network:

* no remote protocol (`protocol.allow=never`) and no lazy fetch (`GIT_NO_LAZY_FETCH`): a partial
  clone's missing objects stay missing;
* no filesystem monitor (`core.fsmonitor`), no hooks (`core.hooksPath`), no signature program
  (`log.showSignature`, which would run `gpg.program`), no pager (`--no-pager`, `core.pager`), no
  external diff or textconv driver (`--no-ext-diff --no-textconv` on every diff that shows
  content), no ssh command or credential helper, no clean/smudge filter (nothing here reads the
  work tree through git), no prompt;
* plumbing with explicit options only, so configuration (prefixes, colours, quoting) cannot
  change what keysweep parses.

Only `clone_or_fetch` talks to a remote, for a sweep target given as a URL, with the dangerous
transports (`ext::`, which runs a command) refused whatever the configuration says. Nothing outside
this module runs git (a test checks it); gitpython is not used: its object database runs
`git cat-file` processes of its own, outside this policy.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scanner.errors import ConfigError, SourceError

GIT_OPTIONS = ("--no-pager", "-c", "core.quotePath=true", "-c", "protocol.allow=never", "-c", "core.fsmonitor=false",
               "-c", "log.showSignature=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat",
               "-c", "core.sshCommand=false", "-c", "credential.helper=",
               # memory: git's defaults (a 96 MB delta base cache and pack windows mapped up to 8 GB
               # per process) made the readers of a sweep of a 500 MB pack 1.1 GB together. The delta
               # base cache is memory git allocates: 6 MB (12 MB was no faster). Pack windows are the
               # pack file's pages in the page cache, mapped: within 16 MB per process, a history's
               # reads (in commit order, all over the pack) unmapped and mapped them again without end,
               # and the page faults cost 5 s of system time in a 14 s sweep of benchmarks/projectrepo.py's 491 MB pack;
               # within 256 MB, 2 s and 11 s. What a process allocates is the same either way.
               "-c", "core.deltaBaseCacheLimit=6m", "-c", "core.packedGitWindowSize=32m",
               "-c", "core.packedGitLimit=256m")
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_NO_LAZY_FETCH": "1", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C",
           "GIT_PAGER": "cat", "PAGER": "cat"}
# fetching a sweep target: the transports that run a program are refused, no prompt (a sweep runs
# unattended), no hooks or monitor
NETWORK_OPTIONS = ("--no-pager", "-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never",
                   "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")
NETWORK_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true", "LC_ALL": "C",
               "GIT_CONFIG_NOSYSTEM": "1", "GIT_PAGER": "cat"}
NULL_SHA = "0" * 40
DIFF_OPTIONS = ("-p", "-U1", "--full-index", "--no-color", "--no-ext-diff", "--no-textconv",
                "--src-prefix=a/", "--dst-prefix=b/")


def git_argv(cwd: str, *args: str, big_file_threshold: int | None = None) -> list[str]:
    extra = ("-c", f"core.bigFileThreshold={big_file_threshold}") if big_file_threshold else ()
    return ["git", "-C", cwd, *GIT_OPTIONS, *extra, *args]


def git_env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV}


def first_error_line(stderr: bytes) -> str:
    """The line of git's stderr that says what went wrong ('fatal: ...' preferred)."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("fatal:"):
            return ln[len("fatal:"):].strip()
    return lines[-1].split(":", 1)[-1].strip() if lines else "git failed"


def run_git(cwd: str, *args: str, stdin: bytes | IO[bytes] | None = None, check: bool = True,
            ok: tuple[int, ...] = (0,), timeout: float | None = None) -> bytes:
    """Run git to completion; stdout when the exit code is in `ok`, else SourceError (ConfigError for
    a folder that is not a repository). `check=False` returns stdout whatever the exit code. `stdin`
    is bytes or an open file."""
    argv, env = git_argv(cwd, *args), git_env()
    try:
        if isinstance(stdin, bytes):
            done = subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=timeout, check=False)
        else:
            done = subprocess.run(argv, stdin=stdin or subprocess.DEVNULL, capture_output=True, env=env,
                                  timeout=timeout, check=False)
    except FileNotFoundError as e:
        raise ConfigError("git is not installed (or not on PATH)") from e
    except subprocess.TimeoutExpired as e:
        raise SourceError(f"{cwd}: git {args[0]} timed out after {timeout:g} s") from e
    if check and done.returncode not in ok:
        msg = first_error_line(done.stderr)
        if "not a git repository" in msg:
            raise ConfigError(f"{cwd}: not a git repository")
        raise SourceError(f"git {args[0]}: {msg}")
    return bytes(done.stdout)


def clone_or_fetch(url: str, dest: Path, timeout: float) -> None:
    """A bare mirror of the remote's branches and tags at `dest`, fetched when it is already there:
    the only git call that reaches a remote."""
    args: tuple[str, ...]
    if (dest / "HEAD").is_file():
        cwd, args = dest, ("fetch", "--prune", "--prune-tags", "--force", "--quiet", "origin",
                           "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        cwd, args = dest.parent, ("clone", "--bare", "--quiet", "--", url, str(dest))
    try:
        done = subprocess.run(["git", "-C", str(cwd), *NETWORK_OPTIONS, *args], capture_output=True,
                              stdin=subprocess.DEVNULL, env={**os.environ, **NETWORK_ENV}, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as e:
        raise SourceError(f"{cwd}: git {args[0]} timed out after {timeout:g} s") from e
    except OSError as e:
        raise SourceError(f"cannot run git: {e.strerror}") from e
    if done.returncode != 0:
        raise SourceError(f"{cwd}: git {args[0]} failed: {first_error_line(done.stderr)}")


def unquote_path(raw: bytes) -> bytes:
    """Undo git's C-style quoting of a path ("caf\\303\\251.txt" -> bytes); unquoted input is returned."""
    if len(raw) < 2 or raw[:1] != b'"' or raw[-1:] != b'"':
        return raw
    body = raw[1:-1]
    out = bytearray()
    i = 0
    simple = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13}
    while i < len(body):
        c = body[i]
        if c != 0x5C or i + 1 >= len(body):
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        digits = body[i + 1:i + 4]
        if len(digits) == 3 and all(0x30 <= d <= 0x37 for d in digits):
            out.append(int(digits, 8) & 0xFF)
            i += 4
        else:
            out.append(simple.get(nxt, nxt))
            i += 2
    return bytes(out)


def decode_path(raw: bytes) -> tuple[str, bool]:
    """(path, was valid UTF-8). Invalid bytes are shown as replacement characters."""
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), False


@dataclass(frozen=True)
class Blob:
    sha: str
    size: int
    data: bytes | None  # None when over the size limit (the content was skipped, not kept)


class ObjectUnreadable(Exception):
    """An object that git reports missing or cannot read (corrupt pack, partial clone)."""

    def __init__(self, sha: str, reason: str) -> None:
        super().__init__(f"{sha}: {reason}")
        self.sha = sha
        self.reason = reason


class CatFile:
    """Blobs through one `git cat-file --batch`, asked for in batches (their ids fit in a pipe
    buffer, so writing never waits on reading). A missing object is an ObjectUnreadable answer; if
    git dies on a corrupt object, that object is the answer and a new process takes the rest.
    Contents over `max_size` are read past, not kept."""

    def __init__(self, cwd: str, max_size: int, skip: frozenset[str] = frozenset()) -> None:
        self.cwd = cwd
        self.max_size = max_size
        self.skip = skip  # known-missing objects (partial clone): never asked for, git would try to fetch
        self._proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None

    READ_BUFFER = -1

    def _args(self) -> tuple[str, ...]:
        """The git command for a new process."""
        return ("cat-file", "--batch")

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _died/close
            self._proc = subprocess.Popen(git_argv(self.cwd, *self._args()), stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=self._err, env=git_env(),
                                          bufsize=self.READ_BUFFER)
        return self._proc

    def read(self, sha: str) -> Blob:
        got = self.read_many([sha])[0]
        if isinstance(got, ObjectUnreadable):
            raise got
        return got

    def read_many(self, shas: Sequence[str]) -> list[Blob | ObjectUnreadable]:
        out: list[Blob | ObjectUnreadable] = []
        while len(out) < len(shas):
            todo = shas[len(out):]
            proc = self._start()
            assert proc.stdin is not None
            with contextlib.suppress(OSError):
                proc.stdin.write("".join(f"{s}\n" for s in todo if s not in self.skip).encode())
                proc.stdin.flush()
            for sha in todo:
                if sha in self.skip:
                    out.append(ObjectUnreadable(sha, "not present in this partial clone (not fetched)"))
                    continue
                got = self._answer(proc, sha)
                if got is None:
                    out.append(ObjectUnreadable(sha, self._died()))
                    break
                out.append(got)
        return out

    def _answer(self, proc: subprocess.Popen[bytes], sha: str) -> Blob | ObjectUnreadable | None:
        """The next answer; None when git died."""
        assert proc.stdout is not None
        header = proc.stdout.readline()
        if not header:
            return None
        parts = header.split()
        if len(parts) < 3:
            return ObjectUnreadable(sha, "missing or unreadable (corrupt object?)")
        size = int(parts[2])
        if parts[1] != b"blob" or size > self.max_size:
            left = size + 1
            while left > 0:
                piece = proc.stdout.read(min(left, 1 << 20))
                if not piece:
                    return None
                left -= len(piece)
            if parts[1] != b"blob":
                return ObjectUnreadable(sha, f"is a {parts[1].decode()}, not a file")
            return Blob(sha, size, None)
        data = proc.stdout.read(size)  # then the newline after it (read apart: no copy of the data)
        if len(data) < size or not proc.stdout.read(1):
            return None
        return Blob(sha, size, data)

    def _died(self) -> str:
        msg = end_process(*self.detach(), kill=True)
        return msg if msg != "git failed" else "unreadable (git cat-file stopped)"

    def detach(self) -> Process:
        """The running process (if any), no longer this reader's: end it with end_processes."""
        proc, err = self._proc, self._err
        self._proc = self._err = None
        return proc, err

    def close(self) -> None:
        end_process(*self.detach())

    def __enter__(self) -> CatFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


PIPE_BYTES = 1 << 20  # let git run ahead of the reader by up to this much output
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


@functools.cache
def git_version() -> tuple[int, ...]:
    """The installed git's version, e.g. (2, 39, 5); (0,) when it cannot be told."""
    try:
        out = subprocess.run(["git", "version"], capture_output=True, stdin=subprocess.DEVNULL, env=git_env()).stdout
    except OSError:
        return (0,)
    m = re.search(rb"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(g) for g in m.groups(b"0")) if m else (0,)


BATCH_COMMAND = (2, 36)  # `cat-file --batch-command` (and its `flush`) first came with git 2.36


class BlobStream(CatFile):
    """Many blobs, in order, through one `git cat-file` kept for many calls (a new process starts
    cold), with every id of a call written up front (by a thread) so that git reads ahead while the
    caller works. On git 2.36 or later git buffers its output and is told to flush at the end of
    each call (`--batch-command --buffer`); before that it flushes after every object. If git dies
    on a corrupt object, that object is an ObjectUnreadable answer and a new process takes the rest.
    A call left half-way stops the process."""

    READ_BUFFER = 1 << 20
    _commands = False  # whether the running process takes --batch-command requests

    def _args(self) -> tuple[str, ...]:
        self._commands = git_version() >= BATCH_COMMAND
        return ("cat-file", "--batch-command", "--buffer") if self._commands else ("cat-file", "--batch")

    def _requests(self, shas: Sequence[str]) -> list[str]:
        wanted = [s for s in shas if s not in self.skip]
        return [*(f"contents {s}" for s in wanted), "flush"] if self._commands else wanted

    def blobs(self, shas: Sequence[str]) -> Iterator[Blob | ObjectUnreadable]:
        pos = 0
        try:
            while pos < len(shas):
                todo = shas[pos:]
                proc = self._start()
                assert proc.stdout is not None
                with contextlib.suppress(OSError):
                    fcntl.fcntl(proc.stdout.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
                feeder = threading.Thread(target=stdin_feeder, daemon=True, args=(proc, self._requests(todo), False))
                feeder.start()
                for sha in todo:
                    pos += 1
                    if sha in self.skip:
                        yield ObjectUnreadable(sha, "not present in this partial clone (not fetched)")
                        continue
                    got = self._answer(proc, sha)
                    if got is None:
                        yield ObjectUnreadable(sha, self._died())
                        break
                    yield got
                feeder.join()
        finally:
            if pos < len(shas):  # answers left unread would be taken for the next call's
                self._died()


def blob_sizes(cwd: str, shas: Sequence[str], skip: frozenset[str] = frozenset()) -> dict[str, int]:
    """Sizes of the blobs among `shas` from one `git cat-file --batch-check` (it reads object headers,
    not contents). Missing, skipped and non-blob objects are left out, and so is the rest when git
    fails: the sizes only guide what a reader keeps, they never decide what is read."""
    todo = [s for s in dict.fromkeys(shas) if s not in skip]
    out: dict[str, int] = {}
    if not todo:
        return out
    try:
        proc = subprocess.Popen(git_argv(cwd, "cat-file", "--batch-check", "--buffer"), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env())
    except OSError:
        return out
    feeder = threading.Thread(target=stdin_feeder, daemon=True, args=(proc, todo))
    feeder.start()
    assert proc.stdout is not None
    try:
        for sha, line in zip(todo, proc.stdout, strict=False):  # one answer line per id, in order
            parts = line.split()
            if len(parts) == 3 and parts[1] == b"blob" and parts[0] == sha.encode():
                out[sha] = int(parts[2])
    finally:
        feeder.join()
        end_process(proc, None, kill=proc.poll() is None)
    return out


LISTING_ENV = {"GIT_FLUSH": "0"}  # a pipe would otherwise get one write, and wake the reader, per commit


class ListingStream:
    """One `git <command> --stdin` (diff-tree) kept for many batches of commit ids. After a batch
    comes a line that is no object id, which git echoes, flushed, once it has listed the batch:
    everything read up to that line is the batch's output. Git's output is block-buffered (it would
    flush after every commit into a pipe: about a third of the listing's time went on those wake-ups)."""

    def __init__(self, cwd: str, args: Sequence[str], recycle: int = 5000) -> None:
        self.cwd = cwd
        self.args = tuple(args)
        self.recycle = recycle  # git keeps every object it has parsed: a new process after this many ids
        self._listed = 0
        self._end = f"-- keysweep batch end {os.urandom(8).hex()} --\n".encode()
        self._proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None
        self._seen = 0  # bytes of stderr already accounted for

    def listing(self, shas: Sequence[str]) -> tuple[bytes, str | None]:
        """(output for `shas`, None) or, when git stops part-way, (what it wrote, why it stopped)."""
        if self._proc is not None and self._listed >= self.recycle:
            self.close()
        if self._proc is None:
            self._listed = 0
            self._err, self._seen = tempfile.TemporaryFile(), 0  # noqa: SIM115 - closed in _stopped/close
            self._proc = subprocess.Popen(git_argv(self.cwd, *self.args), stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=self._err, env={**git_env(), **LISTING_ENV})
        proc = self._proc
        assert proc.stdout is not None
        self._listed += len(shas)
        feeder = threading.Thread(target=stdin_feeder, daemon=True,
                                  args=(proc, [*shas, self._end[:-1].decode()], False))
        feeder.start()
        parts: list[bytes] = []
        fd = proc.stdout.fileno()
        end, tail = self._end, b""
        try:
            while True:
                piece = os.read(fd, 1 << 20)
                if not piece:
                    return b"".join(parts), self._stopped()
                parts.append(piece)
                tail = (tail + piece[-len(end):])[-len(end):]
                if tail == end:
                    out = b"".join(parts)
                    return out[:-len(end)], self._complaint()
        finally:
            feeder.join()

    def _complaint(self) -> str | None:
        """What git wrote to stderr during the last batch (it went on after an error), or None."""
        assert self._err is not None
        size = os.fstat(self._err.fileno()).st_size
        if size <= self._seen:
            return None
        self._err.seek(self._seen)
        self._seen = size
        return first_error_line(self._err.read())

    def _stopped(self) -> str:
        return end_process(*self.detach())

    def detach(self) -> Process:
        """The running process (if any), no longer this lister's: end it with end_processes."""
        proc, err = self._proc, self._err
        self._proc = self._err = None
        return proc, err

    def close(self) -> None:
        self._stopped()


Process = tuple["subprocess.Popen[bytes] | None", "IO[bytes] | None"]  # a git process and the file taking its stderr


def end_processes(procs: Sequence[Process]) -> None:
    """End several git processes at once: every pipe is closed first (each git sees the end of
    its input and exits), then each is waited for."""
    for proc, _err in procs:
        _close_pipes(proc)
    for proc, err in procs:
        end_process(proc, err)


def _close_pipes(proc: subprocess.Popen[bytes] | None) -> None:
    for pipe in (proc.stdin, proc.stdout) if proc is not None else ():
        with contextlib.suppress(OSError):
            if pipe is not None:
                pipe.close()


def end_process(proc: subprocess.Popen[bytes] | None, err: IO[bytes] | None, kill: bool = False) -> str:
    """Wait for a git process (kill it first if asked) with its pipes closed, close the file that
    took its stderr, and say what went wrong (its first error line, "git failed" when unknown)."""
    if proc is not None:
        if kill:
            proc.kill()
        _close_pipes(proc)
        proc.wait()
    if err is None:
        return "git failed"
    err.seek(0)
    msg = first_error_line(err.read())
    err.close()
    return msg


def stdin_feeder(proc: subprocess.Popen[bytes], lines: Sequence[str], close: bool = True) -> None:
    """Write lines to a process's stdin (run in a thread so stdout can be read meanwhile); close
    it after them unless the process is kept for more."""
    assert proc.stdin is not None
    try:
        proc.stdin.write("".join(f"{x}\n" for x in lines).encode())
        if close:
            proc.stdin.close()
        else:
            proc.stdin.flush()
    except (BrokenPipeError, OSError):
        pass
