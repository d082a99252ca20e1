"""Real git repositories in temporary folders, built commit by commit."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.store.builders import AWS_KEY_ID, AWS_SECRET


def github_pat() -> str:
    from scanner.engine.checksums import github_token_with_checksum

    return github_token_with_checksum("Vn3kQ8wLz2Xr7Tb5Hm9Jc4Pd6Ys1Fg")


AWS_FILE = f"aws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._n = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Dev One")
        self.git("config", "user.email", "dev1@example.com")

    def git(self, *args: str) -> str:
        date = f"2024-01-{1 + self._n % 28:02d}T10:00:00+00:00"  # one day per commit: stable, ordered dates
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        return subprocess.run(["git", "-C", str(self.path), *args], check=True, capture_output=True, text=True,
                              env=env).stdout.strip()

    def commit(self, files: Mapping[str, str | None], message: str = "change", author: str | None = None) -> str:
        """Write (or with None delete) files and commit them; returns the commit id."""
        for name, content in files.items():
            p = self.path / name
            if content is None:
                p.unlink()
                continue
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content, encoding="utf-8")
        self._n += 1
        self.git("add", "-A")
        args = ["commit", "-q", "--allow-empty", "-m", message]
        if author:
            args += ["--author", author]
        self.git(*args)
        return self.git("rev-parse", "HEAD")


def make_repo(path: Path, files: Mapping[str, str] | None = None) -> Repo:
    repo = Repo(path)
    repo.commit({"README.md": "# demo\n", **(files or {})}, "initial")
    return repo
