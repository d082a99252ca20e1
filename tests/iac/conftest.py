"""Shared values for the IaC tests: one engine over the built-in rule pack."""

from __future__ import annotations

import pytest

from scanner.engine import Engine
from scanner.rules import load_builtin_rules


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(load_builtin_rules())
