"""Folders of real git repositories with secrets planted at known commits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.rules import load_builtin_rules
from scanner.sweep import EngineSpec
from tests.sweep.gitrepos import AWS_FILE, Repo, github_pat, make_repo


@dataclass
class Fleet:
    root: Path
    payments: Repo  # an AWS key pair at HEAD
    web: Repo  # a GitHub token added, then removed (history only)
    docs: Repo  # clean


def build_fleet(root: Path) -> Fleet:
    payments = make_repo(root / "payments", {"deploy/env.sh": AWS_FILE})
    payments.commit({"src/app.py": "print('hello')\n"}, "app")
    web = make_repo(root / "web")
    web.commit({"settings.py": f"TOKEN = '{github_pat()}'\n"}, "add token", author="Mallory <mallory@example.com>")
    web.commit({"settings.py": "TOKEN = os.environ['TOKEN']\n"}, "use env")
    docs = make_repo(root / "docs", {"guide.md": "nothing secret here\n"})
    return Fleet(root, payments, web, docs)


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return build_fleet(tmp_path / "repos")


@pytest.fixture(scope="session")
def spec() -> EngineSpec:
    return EngineSpec(tuple(load_builtin_rules()))
