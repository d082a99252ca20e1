"""Run rules' own examples and negatives (for `keysweep rules test` and the test suite)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanner.engine import Engine
from scanner.models import Chunk, Example, Finding, Origin, Rule

DEFAULT_EXAMPLE_PATH = "example.txt"


@dataclass(frozen=True)
class ExampleFailure:
    rule_id: str
    kind: str  # "example" (not found) or "negative" (found)
    text: str
    detail: str


def reported_by(f: Finding, rule_id: str) -> bool:
    """Whether rule `rule_id` found `f`: its own finding, or one reported once under another rule
    that matched the same secret (`also`)."""
    return f.rule_id == rule_id or rule_id in f.extra.get("also", ())


def findings_for(engine: Engine, rule_id: str, ex: Example) -> list[str]:
    from scanner.sources.files import scan_text

    path = ex.path or DEFAULT_EXAMPLE_PATH
    found = [f for f in engine.scan_path(path) if f.rule_id == rule_id]
    found += [f for f in scan_text(engine, path, ex.text, Origin(path=path)) if reported_by(f, rule_id)]
    return [f.secret for f in found]


def check_example(engine: Engine, rule: Rule, ex: Example) -> ExampleFailure | None:
    secrets = findings_for(engine, rule.id, ex)
    if not secrets:
        return ExampleFailure(rule.id, "example", ex.text, "expected a finding, got none")
    if ex.secret is not None and ex.secret not in secrets:
        return ExampleFailure(rule.id, "example", ex.text, f"expected secret {ex.secret!r}, got {secrets!r}")
    return None


def check_negative(engine: Engine, rule: Rule, ex: Example) -> ExampleFailure | None:
    secrets = findings_for(engine, rule.id, ex)
    if secrets:
        return ExampleFailure(rule.id, "negative", ex.text, f"expected no finding, got {len(secrets)}")
    return None


def run_rule_tests(rules: Sequence[Rule], engine: Engine | None = None) -> list[ExampleFailure]:
    eng = engine or Engine(rules)
    failures: list[ExampleFailure] = []
    for rule in rules:
        for ex in rule.examples:
            f = check_example(eng, rule, ex)
            if f:
                failures.append(f)
        for ex in rule.negatives:
            f = check_negative(eng, rule, ex)
            if f:
                failures.append(f)
    return failures


def chunk_for(text: str, path: str = DEFAULT_EXAMPLE_PATH) -> Chunk:
    return Chunk(text=text, origin=Origin(path=path))
