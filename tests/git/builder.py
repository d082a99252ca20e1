"""Real git repositories in temporary folders, built with the git CLI (deterministic authors and dates)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from scanner.engine.checksums import github_token_with_checksum

AUTHOR = ("Ada Moreau", "ada@example.com")
OTHER = ("Bo Lindqvist", "bo@example.com")
PAT_A = github_token_with_checksum("Qm7Rt2Wx9Kp4Lz8Nb3Vc6Hd1Jf5Gs0")
PAT_B = github_token_with_checksum("Tb5Hm9Jc4Pd6Ys1FgVn3kQ8wLz2Xr7")
PAT_C = github_token_with_checksum("Wz4Kd8Nq2Lm6Rt1Xv9Bp3Hs7Jc5Fy0")
PAT_D = github_token_with_checksum("Hx2Lq7Vn4Tp9Rk3Wm8Zc1Bd6Fs5Gj0")


class GitRepo:
    def __init__(self, path: Path, bare: bool = False, init: bool = True) -> None:
        self.path = path
        self._clock = 1_600_000_000
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main", *(["--bare"] if bare else []))
            self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, author: tuple[str, str] = AUTHOR, input: bytes | None = None) -> str:
        self._clock += 3600
        stamp = f"{self._clock} +0000"
        env = {**os.environ, "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
               "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1],
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_CONFIG_NOSYSTEM": "1",
               "HOME": str(self.path.parent)}
        done = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, env=env, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL)
        if done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode(errors="replace").strip()

    def write(self, rel: str | bytes, content: str | bytes) -> None:
        target = os.path.join(os.fsencode(self.path), rel if isinstance(rel, bytes) else rel.encode())
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(content.encode() if isinstance(content, str) else content)

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    def commit(self, message: str, author: tuple[str, str] = AUTHOR, files: dict[str, str] | None = None) -> str:
        for rel, text in (files or {}).items():
            self.write(rel, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, author=author)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def date_of(self, sha: str) -> str:
        return self.git("show", "-s", "--format=%aI", sha)


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def filler(n: int, tag: str = "x") -> list[str]:
    return [f"value_{tag}_{i} = {i}" for i in range(n)]
