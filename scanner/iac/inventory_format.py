"""Render the IaC identity inventory as text (a table) or JSON (an array of objects)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict

from scanner.iac.inventory import IacIdentity

_COLUMNS = ("KIND", "NAME", "USER", "KEY ID", "SOURCE")


def _source(i: IacIdentity) -> str:
    return f"{i.path}:{i.line}" if i.line is not None else f"{i.path} ({i.address})"


def _row(i: IacIdentity) -> tuple[str, ...]:
    return (i.kind, i.name, i.user or "-", i.key_id or "-", _source(i))


def to_text(identities: Sequence[IacIdentity]) -> str:
    if not identities:
        return "no machine identities found\n"
    rows = [_COLUMNS, *(_row(i) for i in identities)]
    widths = [max(len(r[c]) for r in rows) for c in range(len(_COLUMNS) - 1)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1] for r in rows]
    config = sum(1 for i in identities if i.managed_by == "config")
    lines.append("")
    lines.append(f"{len(identities)} identities ({config} in configuration, {len(identities) - config} in state)")
    return "\n".join(lines) + "\n"


def to_json(identities: Sequence[IacIdentity]) -> str:
    return json.dumps([asdict(i) for i in identities], indent=2) + "\n"


FORMATS: dict[str, Callable[[Sequence[IacIdentity]], str]] = {"text": to_text, "json": to_json}
