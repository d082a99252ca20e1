"""Random values that match a rule's format, for writing rule examples (`keysweep rules sample`).

A value is drawn from the pattern's own structure (literals, character classes, bounded repeats,
alternatives and groups), so an example exercises the documented format rather than a value somebody
typed. Only the plain subset of the syntax that formats are written in is supported; anything else
(look-arounds, back references, Unicode properties) is a clear error. Values that the engine's
made-up-value check would lower (test words, typed runs) are drawn again.
"""

from __future__ import annotations

import random
import re
import re._constants as sc  # the parser's opcodes; stable across 3.11-3.13
import re._parser as sp
import string
from collections.abc import Iterable
from typing import Any

from scanner import ruledecl
from scanner.engine.confidence import made_up
from scanner.engine.entropy import shannon

_OPEN_REPEAT = 12  # how far past the minimum an unbounded repeat goes
_CATEGORY = {
    sc.CATEGORY_DIGIT: string.digits,
    sc.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sc.CATEGORY_SPACE: " ",
}
_PRINTABLE = string.ascii_letters + string.digits + "+/=_-."


class SampleError(ValueError):
    pass


def sample(pattern: str, rng: random.Random, attempts: int = 200, digit: bool = False) -> str:
    """One value that fully matches `pattern` and does not look made up (with `digit`, holds one)."""
    try:
        parsed = sp.parse(pattern)
    except re.error as e:
        raise SampleError(f"cannot parse {pattern!r}: {e}") from e
    check = re.compile(pattern)
    for _ in range(attempts):
        value = "".join(_draw(parsed, rng))
        if digit and not any(c.isdigit() for c in value):
            continue
        if check.fullmatch(value) and not made_up(value) and (len(value) < 12 or shannon(value) >= 3.0):
            return value
    raise SampleError(f"no plausible value for {pattern!r} in {attempts} attempts")


def _draw(items: Iterable[tuple[Any, Any]], rng: random.Random) -> list[str]:
    out: list[str] = []
    for op, av in items:
        if op is sc.LITERAL:
            out.append(chr(av))
        elif op is sc.IN:
            out.append(rng.choice(_charset(av)))
        elif op is sc.ANY:
            out.append(rng.choice(_PRINTABLE))
        elif op in (sc.MAX_REPEAT, sc.MIN_REPEAT, sc.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            top = lo + _OPEN_REPEAT if hi is sc.MAXREPEAT else hi
            for _ in range(rng.randint(lo, top)):
                out.extend(_draw(sub, rng))
        elif op is sc.SUBPATTERN:
            out.extend(_draw(av[-1], rng))
        elif op is sc.ATOMIC_GROUP:
            out.extend(_draw(av, rng))
        elif op is sc.BRANCH:
            out.extend(_draw(rng.choice(av[1]), rng))
        elif op is sc.AT:
            continue
        else:
            raise SampleError(f"unsupported pattern element {op} (use literals, classes, groups, repeats)")
    return out


def _charset(items: Iterable[tuple[Any, Any]]) -> str:
    chars: list[str] = []
    negate = False
    for op, av in items:
        if op is sc.NEGATE:
            negate = True
        elif op is sc.LITERAL:
            chars.append(chr(av))
        elif op is sc.RANGE:
            lo, hi = av
            chars.extend(chr(c) for c in range(lo, hi + 1))
        elif op is sc.CATEGORY and av in _CATEGORY:
            chars.extend(_CATEGORY[av])
        else:
            raise SampleError(f"unsupported character class element {op}")
    if negate:
        chars = [c for c in _PRINTABLE if c not in chars]
    if not chars:
        raise SampleError("empty character class")
    return "".join(chars)


def secret_pattern(kind: str, decl: dict[str, object]) -> tuple[str, str]:
    """What a declaration's samples are made of: a literal lead (the prefix) and the pattern after it."""
    if kind == "prefixed":
        return str(decl["prefix"]), str(decl["body"])
    return "", str(decl["secret"])


def fill(text: str, count: int = 2) -> tuple[str, list[str]]:
    """`text` (a rules file) with a `samples = [...]` line added to every `[[prefixed]]` and `[[context]]`
    declaration that has none, right after its `id` line; and the ids filled. Each value is drawn with
    a generator seeded by the rule id, so filling the same declaration twice gives the same samples."""
    import tomllib

    data = tomllib.loads(text)
    lines = text.splitlines(keepends=True)
    filled: list[str] = []
    for kind in ("prefixed", "context"):
        for decl in data.get(kind, []):
            if not isinstance(decl, dict) or decl.get("samples") or not isinstance(decl.get("id"), str):
                continue
            rid = decl["id"]
            rng = random.Random(rid)
            lead, pattern = secret_pattern(kind, decl)
            digit = bool(ruledecl.digit_guard(kind, decl))
            values = [lead + sample(pattern, rng, digit=digit) for _ in range(count)]
            at = _id_line(lines, rid)
            rendered = ", ".join(_toml_literal(v) for v in values)
            lines.insert(at + 1, f"samples = [{rendered}]\n")
            filled.append(rid)
    return "".join(lines), filled


def _id_line(lines: list[str], rid: str) -> int:
    wanted = {f"id = '{rid}'", f'id = "{rid}"'}
    for i, line in enumerate(lines):
        if line.strip() in wanted:
            return i
    raise SampleError(f"{rid}: no `id = '{rid}'` line to put the samples after")


def _toml_literal(v: str) -> str:
    return f"'{v}'" if "'" not in v and "\n" not in v else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
