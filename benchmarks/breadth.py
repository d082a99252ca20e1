"""Breadth of the rule pack (issue 17): rules, providers, how they are declared, and the examples
that `keysweep rules test` runs.

    python -m benchmarks.breadth [--no-record]

A provider is a rule's first tag (the tag every rule of one provider shares); `generic`,
`credential-file` and `password-hash` rules are counted apart. Writes the `## Rule pack breadth
(issue 17)` section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from benchmarks.common import markdown_table, publish
from scanner.rules import builtin_rule_files, load_builtin_rules
from scanner.ruletest import run_rule_tests

HEADING = "## Rule pack breadth (issue 17)"
HERE = Path(__file__).resolve().parent
KINDS_APART = {"generic", "credential-file", "password-hash", "key", "iac"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args(argv)
    import tomllib

    declared: Counter[str] = Counter()
    for _name, text in builtin_rule_files():
        data = tomllib.loads(text)
        for kind in ("rules", "prefixed", "context"):
            declared[kind] += len(data.get(kind, []))
    rules = load_builtin_rules()
    providers = {r.tags[0] for r in rules if r.tags and not KINDS_APART & set(r.tags)}
    apart = sum(1 for r in rules if not r.tags or KINDS_APART & set(r.tags))
    started = time.perf_counter()
    failures = run_rule_tests(rules)
    took = time.perf_counter() - started
    examples = sum(len(r.examples) for r in rules)
    negatives = sum(len(r.negatives) for r in rules)
    refs = sum(1 for r in rules if r.references)
    two = sum(1 for r in rules if len(r.examples) >= 2 and r.negatives)
    rows = [
        ["rules", len(rules)],
        ["  written as full `[[rules]]`", declared["rules"]],
        ["  declared `[[prefixed]]`", declared["prefixed"]],
        ["  declared `[[context]]`", declared["context"]],
        ["providers (distinct first tag)", len(providers)],
        ["generic, credential-file, key and password-material rules", apart],
        ["rules with references", refs],
        ["rules with >= 2 examples and >= 1 negative", two],
        ["examples / negatives run by `rules test`", f"{examples} / {negatives}"],
        ["`rules test` failures", len(failures)],
    ]
    body = "\n".join([
        "The built-in pack as loaded (`load_builtin_rules`); `rules test` run in this process "
        f"({took:.1f} s).",
        "",
        markdown_table(["measure", "value"], rows),
        "",
        "Target (issue 17): at least 1,000 provider formats, each with two examples, one negative and "
        "its source in `references`.",
    ])
    publish(body, HEADING, HERE / "RESULTS.md", not args.no_record)
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
