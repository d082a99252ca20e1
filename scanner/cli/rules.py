"""`keysweep rules list|test`: the rule catalogue and its self-test."""

from __future__ import annotations

import json

import click

from scanner.cli import EXIT_FINDINGS, EXIT_OK


@click.group()
def rules() -> None:
    """The rule catalogue: list it, or run rules' own examples."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Include rules from this config.")
def list_rules(fmt: str, config_path: str | None) -> int:
    """List every rule: id, severity, keywords and description."""
    from pathlib import Path

    from scanner.api import catalogue
    from scanner.config import load_config

    rs = catalogue(load_config(Path(config_path) if config_path else None))
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "description": r.description, "severity": r.severity.value,
                                "keywords": list(r.keywords), "source": r.source} for r in rs], indent=2))
        return EXIT_OK
    width = max(len(r.id) for r in rs) if rs else 10
    click.echo(f"{'ID':<{width}}  {'SEVERITY':<8}  KEYWORDS / DESCRIPTION")
    for r in sorted(rs, key=lambda r: r.id):
        kws = ",".join(r.keywords[:3]) + ("…" if len(r.keywords) > 3 else "")
        click.echo(f"{r.id:<{width}}  {r.severity.value:<8}  [{kws}] {r.description}")
    click.echo(f"\n{len(rs)} rules")
    return EXIT_OK


@rules.command("test")
@click.argument("rules_file", required=False, type=click.Path(dir_okay=False))
def test_rules(rules_file: str | None) -> int:
    """Run the examples (must be found) and negatives (must not be) of the built-in rules, or of
    the rules in RULES_FILE (tested together with the built-in pack)."""
    from scanner.engine import Engine
    from scanner.rules import load_builtin_rules, load_rules_file, merge_rules
    from scanner.ruletest import run_rule_tests

    builtin = load_builtin_rules()
    if rules_file:
        subject = load_rules_file(rules_file)
        engine = Engine(merge_rules(builtin, subject))
    else:
        subject = builtin
        engine = Engine(builtin)
    engine.compile_all()
    failures = run_rule_tests(subject, engine)
    total = sum(len(r.examples) + len(r.negatives) for r in subject)
    for f in failures:
        snippet = f.text if len(f.text) <= 120 else f.text[:117] + "..."
        click.echo(f"FAIL {f.rule_id} {f.kind}: {snippet!r}: {f.detail}")
    click.echo(f"{len(subject)} rules, {total} examples: {total - len(failures)} passed, {len(failures)} failed")
    return EXIT_FINDINGS if failures else EXIT_OK
