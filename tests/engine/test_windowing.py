"""Running a rule only around its keywords finds exactly what a whole-chunk run finds."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine import Engine
from scanner.models import Chunk, Origin
from scanner.rules import load_builtin_rules


@lru_cache(maxsize=1)
def engines() -> tuple[Engine, Engine]:
    rules = load_builtin_rules()
    return Engine(rules), Engine(rules, windowed=False)


@lru_cache(maxsize=1)
def example_lines() -> list[str]:
    return [ex.text for r in load_builtin_rules() for ex in r.examples + r.negatives]


noise = st.text(alphabet="abcxyz _=:\"'{}()0123456789", max_size=30)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(noise, st.sampled_from(range(10_000))), min_size=1, max_size=25))
def test_windowed_scan_equals_whole_chunk_scan(parts: list[object]) -> None:
    lines = example_lines()
    text = "\n".join(lines[p % len(lines)] if isinstance(p, int) else str(p) for p in parts)
    windowed, whole = engines()
    chunk = Chunk(text=text, origin=Origin(path="src/mixed.py"))
    assert windowed.scan(chunk) == whole.scan(chunk)


def test_many_keyword_occurrences_fall_back_to_a_whole_chunk_run() -> None:
    windowed, whole = engines()
    text = "password = short\n" * 200 + 'db_password = "Tr0ub4dor&3xK9q"\n'
    chunk = Chunk(text=text, origin=Origin(path="app/settings.py"))
    found = windowed.scan(chunk)
    assert found == whole.scan(chunk)
    assert [f.line for f in found if f.rule_id == "generic-password"] == [201]
