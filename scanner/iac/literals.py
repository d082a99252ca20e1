"""Literal values pulled out of a parse tree, grouped per resource, with their file positions."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.engine.matcher import MAX_LINE_TEXT
from scanner.models import Rule


@dataclass(frozen=True)
class Literal:
    key: str  # the attribute or object key the value is assigned to
    value: str
    line: int  # 1-based position of the value's first character in the file
    column: int
    real_newlines: bool = False  # newlines in `value` are line breaks in the file (heredocs)


@dataclass(frozen=True)
class Flagged:
    """A literal (by index in its group) that a structural rule calls a secret; filters still apply."""

    rule: Rule
    index: int
    context: str  # e.g. 'provider "aws"', 'variable "db_password"'


@dataclass(frozen=True)
class Group:
    """Literals of one resource (or one file); id/secret pairs link within a group only."""

    literals: tuple[Literal, ...]
    flagged: tuple[Flagged, ...] = ()
    resource: str | None = None
    # Where the literals come from (`provider "aws"`), shown to the engine on a line before them so
    # that rules whose keywords name the provider still pass its prefilter.
    header: str = ""


def real_position(lit: Literal, delta: int) -> tuple[int, int]:
    """File position of the character `delta` characters into the literal's value."""
    delta = max(0, min(delta, len(lit.value)))
    if not lit.real_newlines:
        return lit.line, lit.column + delta
    before = lit.value[:delta]
    nl = before.count("\n")
    if nl == 0:
        return lit.line, lit.column + delta
    return lit.line + nl, delta - before.rfind("\n")


class SourceLines:
    """The file's lines, for the `line_text` of findings."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def get(self, line: int, end_line: int | None = None) -> str:
        if line < 1 or line > len(self.lines):
            return ""
        last = min(len(self.lines), end_line or line)
        return "\n".join(self.lines[line - 1:last])[:MAX_LINE_TEXT]
