"""Path gates: one backwards regex over many rules' path patterns. Where every pattern can only match
at the end of a path, one anchored attempt there answers as a search over the whole path would."""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.matcher import _any_of, _end_anchored, _Gate, _gate_hit
from scanner.rules import load_builtin_rules


@pytest.mark.parametrize(("pattern", "anchored"), [
    (r"(?:^|/)\.env$", True), (r"(?i)\.ncx$", True), (r"a$|(?:^|/)b\.json$", True), (r"(a|b)$", True),
    (r"[^]]$", True), (r"a|b$", False), (r"(?:a$)", False), (r"a\$", False), (r"[$]", False),
    (r"a[]$]", False), (r"x$?", False), (r"config/", False), (r"[unclosed$", False), (r"(a$", False),
])
def test_which_patterns_can_only_match_at_the_end(pattern: str, anchored: bool) -> None:
    assert _end_anchored(pattern) is anchored


@lru_cache(maxsize=1)
def builtin_paths() -> list[str]:
    return sorted({r.path for r in load_builtin_rules() if r.path})


def searched(gate: _Gate, path: str) -> bool:
    return gate.pattern.search(path) is not None


PIECES = ["/", ".", "\n", "x", "config", ".env", "auth.json", ".kube/config", "Dockerfile", ".git-credentials",
          "application-prod.yml", "terraform.tfvars", ".pgpass", "id_rsa", "a.ncx", "rclone.conf", "-", "_"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=8), st.integers(0, 10_000))
def test_the_anchored_attempt_answers_as_the_search_does(parts: list[str], pick: int) -> None:
    paths = builtin_paths()
    patterns = [paths[(pick + k) % len(paths)] for k in range(0, len(paths), max(1, pick % 7 + 1))]
    gate = _any_of(patterns)
    assert gate is not None
    path = "".join(parts)
    assert _gate_hit(gate, True, path) == searched(gate, path)


def test_the_builtin_gates_are_anchored_and_a_pattern_that_is_not_keeps_the_search() -> None:
    gate = _any_of(builtin_paths())
    assert gate is not None and gate.anchored
    loose = _any_of([r"(?:^|/)\.env$", r"secrets/"])
    assert loose is not None and not loose.anchored
    assert _gate_hit(loose, True, "deploy/secrets/db.yml")  # matches in the middle: found by the search
    assert _gate_hit(gate, True, "app/.env") and not _gate_hit(gate, True, "lib/widget.qqq")
    assert _gate_hit(gate, True, "app/.env\nx") == searched(gate, "app/.env\nx")  # a newline: searched
