"""Every built-in rule stays linear on hostile lines: long base64-like runs around its keyword, the keyword
repeated thousands of times on one line, and key-like assignments repeated. A rule with an unbounded
repetition after its keyword (`[^\\n]*?`, `[\\w.-]*`) takes seconds here and minutes on a 24 MB line."""

from __future__ import annotations

import random
import time

import pytest

from scanner.engine import Engine
from scanner.models import Chunk, Origin
from scanner.rules import load_builtin_rules

SIZE = 64_000
LIMIT_SECONDS = 2.0  # linear rules take well under 0.3 s on these lines; quadratic ones take seconds
_RULES = [r for r in load_builtin_rules() if not r.path_only]
_B64 = "".join(random.Random(0).choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
               for _ in range(SIZE))


def shapes(keyword: str) -> dict[str, str]:
    return {
        "base64 run around the keyword": _B64[:SIZE // 2] + keyword + _B64[SIZE // 2:],
        "keyword repeated": (keyword + " ") * (SIZE // (len(keyword) + 1)),
        "keyword glued into one word": (keyword + "x") * (SIZE // (len(keyword) + 1)),
        "assignments repeated": (keyword + "=" + _B64[:40] + " ") * (SIZE // (len(keyword) + 42)),
        "keyword then options": keyword + " -" + "x -" * (SIZE // 3),
    }


@pytest.mark.parametrize("rule", _RULES, ids=[r.id for r in _RULES])
def test_rule_is_linear_on_hostile_lines(rule) -> None:
    engine = Engine([rule])
    keyword = (list(rule.keywords) or ["key"])[0]
    for name, text in shapes(keyword).items():
        t0 = time.perf_counter()
        engine.scan(Chunk(text=text, origin=Origin(path="x.txt")))
        took = time.perf_counter() - t0
        assert took < LIMIT_SECONDS, f"{rule.id}: {took:.1f} s on a {SIZE // 1000} kB line ({name})"
