"""`keysweep rules list|test|sample`: the rule catalogue, its self-test and example values for new rules."""

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


@rules.command("verifiers")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Include rules from this config.")
def list_verifiers(fmt: str, config_path: str | None) -> int:
    """List every verifier: its name, where it sends a secret, and the rules that use it."""
    from pathlib import Path

    from scanner.api import catalogue
    from scanner.config import load_config
    from scanner.verify.registry import registry_for

    rs = catalogue(load_config(Path(config_path) if config_path else None))
    registry = registry_for(rs)
    users: dict[str, list[str]] = {name: [] for name in registry}
    for r in rs:
        if r.verifier in users:
            users[r.verifier].append(r.id)
    rows = [{"name": name, "endpoint": _endpoint(v), "rules": sorted(users[name])}
            for name, v in sorted(registry.items())]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max(len(row["name"]) for row in rows)
    click.echo(f"{'NAME':<{width}}  ENDPOINT / RULES")
    for row in rows:
        click.echo(f"{row['name']:<{width}}  {row['endpoint']}  [{', '.join(row['rules'])}]")
    click.echo(f"\n{len(rows)} verifiers")
    return EXIT_OK


def _endpoint(verifier: object) -> str:
    decl = getattr(verifier, "decl", None)
    if decl is None:
        return "(code)"
    return f"{decl.method} {decl.base}{decl.path}"


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


@rules.command("sample")
@click.argument("target")
@click.option("--fill", is_flag=True, help="TARGET is a rules file: add `samples` to every declaration without them.")
@click.option("-n", "count", type=click.IntRange(1, 100), default=2, show_default=True, help="Values per pattern.")
@click.option("--seed", default=None, help="Seed for the values printed (default: random).")
def sample_values(target: str, fill: bool, count: int, seed: str | None) -> int:
    """Print values that match the pattern TARGET, for a rule's examples; with --fill, write sample
    values into the [[prefixed]] and [[context]] declarations of the rules file TARGET that have none."""
    import random
    from pathlib import Path

    from scanner.errors import RuleError
    from scanner.samples import SampleError, sample
    from scanner.samples import fill as fill_file

    try:
        if not fill:
            rng = random.Random(seed)
            for _ in range(count):
                click.echo(sample(target, rng))
            return EXIT_OK
        path = Path(target)
        text, filled = fill_file(path.read_text(encoding="utf-8"), count)
    except SampleError as e:
        raise RuleError(target, None, None, str(e)) from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RuleError(target, None, None, f"cannot fill samples: {e}") from None
    if filled:
        path.write_text(text, encoding="utf-8")
    click.echo(f"{path}: samples added to {len(filled)} declaration(s)")
    return EXIT_OK
