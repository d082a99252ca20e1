"""Run the engine over literals written as synthetic `key = "value"` lines, then move each
finding back to the line and column of its secret in the file.

The key gives the engine's rules their context (AWS key ids, GitHub tokens, generic key-name
rules). Groups go into chunks of a few hundred literals (fewer chunks cost less, but the
engine's overlap and pairing steps grow with the square of a chunk's hits): each group starts
with a header line naming its resource, after enough blank lines that the engine never links
an id in one group with a secret in another.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

import regex

from scanner.engine import Engine
from scanner.engine import filters as flt
from scanner.engine.matcher import PAIR_DISTANCE_LINES
from scanner.iac.literals import Group, SourceLines, real_position
from scanner.models import Chunk, Finding, Origin

_SPACE = regex.compile(r"\s+")
BATCH_LITERALS = 400


@dataclass(frozen=True)
class Placed:
    finding: Finding  # at its real position, with the group's resource
    group: int
    index: int  # literal index in the group
    generic: bool


@dataclass(frozen=True)
class _Layout:
    text: str
    starts: list[int]  # record start offsets, headers included
    owners: list[tuple[int, int] | None]  # (group, literal) per record; None for a header
    values: list[int]  # offset of the value in each record


def _layout(groups: Sequence[Group]) -> _Layout:
    parts: list[str] = []
    starts: list[int] = []
    owners: list[tuple[int, int] | None] = []
    values: list[int] = []
    pos = 0
    gap = "\n" * (PAIR_DISTANCE_LINES + 1)
    for gi, g in enumerate(groups):
        head = f"{gap}# {_SPACE.sub(' ', g.header or g.resource or '').strip()}\n"
        starts.append(pos)
        owners.append(None)
        values.append(pos)
        parts.append(head)
        pos += len(head)
        for li, lit in enumerate(g.literals):
            key = _SPACE.sub("_", lit.key) or "value"
            rec = f'{key} = "{lit.value}"\n'
            starts.append(pos)
            owners.append((gi, li))
            values.append(pos + len(key) + 4)
            parts.append(rec)
            pos += len(rec)
    return _Layout("".join(parts), starts, owners, values)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


def allowed_inline(line_text: str) -> bool:
    low = line_text.lower()
    return any(m in low for m in flt.INLINE_ALLOW_MARKERS)


def _batches(groups: Sequence[Group]) -> list[list[int]]:
    out: list[list[int]] = [[]]
    size = 0
    for gi, g in enumerate(groups):
        if size and size + len(g.literals) > BATCH_LITERALS:
            out.append([])
            size = 0
        out[-1].append(gi)
        size += len(g.literals)
    return [b for b in out if b]


def engine_hits(engine: Engine, path: str, groups: Sequence[Group], src: SourceLines,
                generic_ids: frozenset[str]) -> list[Placed]:
    out: list[Placed] = []
    for batch in _batches(groups):
        if any(groups[gi].literals for gi in batch):
            out.extend(_batch_hits(engine, path, groups, batch, src, generic_ids))
    return out


def _batch_hits(engine: Engine, path: str, groups: Sequence[Group], batch: list[int], src: SourceLines,
                generic_ids: frozenset[str]) -> list[Placed]:
    lay = _layout([groups[gi] for gi in batch])
    lines = _line_starts(lay.text)
    out = []
    for f in engine.scan(Chunk(lay.text, Origin(path=path))):
        # Place the finding by its secret, not by the start of the match: a rule may match a key
        # on one record and the secret on the next (`name = "x"` then `value = "..."`).
        abs_secret = lines[f.line - 1] + f.column - 1 + max(0, f.match.find(f.secret))
        r = bisect.bisect_right(lay.starts, abs_secret) - 1
        owner = lay.owners[r] if r >= 0 else None
        if owner is None:
            continue  # on a header line
        gi, li = batch[owner[0]], owner[1]
        group, lit = groups[gi], groups[gi].literals[li]
        delta = abs_secret - lay.values[r]
        line, col = real_position(lit, delta)
        end_line, end_col = real_position(lit, delta + len(f.secret) - 1)
        line_text = src.get(line, end_line)
        if allowed_inline(line_text):
            continue
        match = line_text[col - 1:end_col] if end_line == line else f.match  # the file's text, not ours
        extra = {k: v for k, v in f.extra.items() if k != "resource"}
        if group.resource:
            extra["resource"] = group.resource
        f = replace(f, line=line, column=col, end_line=end_line, end_column=end_col, line_text=line_text,
                    match=match or f.match, extra=extra)
        out.append(Placed(f, gi, li, f.rule_id in generic_ids))
    return out
