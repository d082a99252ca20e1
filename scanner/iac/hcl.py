"""A small positional model of Terraform files, built from python-hcl2's raw parse tree.

Only what detection and the inventory need: blocks with labels, attributes, and
expressions reduced to literals (with the line and column of their first
character), references, calls, collections and comments. `.tf.json` files are
mapped onto the same model by `scanner.iac.tfjson`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from scanner.errors import SourceError


class Kind(enum.StrEnum):
    STRING = "string"  # a quoted literal without interpolation
    TEMPLATE = "template"  # a quoted string with ${...} or %{...}
    HEREDOC = "heredoc"  # <<EOT ... EOT (text is the body; `interpolated` tells templates apart)
    OBJECT = "object"  # { key = value, ... }
    TUPLE = "tuple"  # [a, b]
    CALL = "call"  # f(args); text is the function name
    CONDITIONAL = "conditional"  # items are the two result branches
    REFERENCE = "reference"  # var.x, aws_iam_user.x.name, data.y ...
    OTHER = "other"  # numbers, booleans, null, operators, for expressions


@dataclass(frozen=True)
class Expr:
    kind: Kind
    text: str  # literal content for STRING/TEMPLATE/HEREDOC, source text otherwise
    line: int  # 1-based position of the first character of `text`
    column: int
    items: tuple[tuple[str, Expr], ...] = ()  # OBJECT: (key, value); TUPLE/CALL/CONDITIONAL: ("", value)
    interpolated: bool = False  # HEREDOC only

    @property
    def is_literal(self) -> bool:
        """A plain literal string: the value is written in the file as it is."""
        return self.kind is Kind.STRING or self.kind is Kind.HEREDOC and not self.interpolated


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Expr
    line: int
    column: int


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    line: int
    attributes: tuple[Attribute, ...] = ()
    blocks: tuple[Block, ...] = ()

    def attribute(self, name: str) -> Attribute | None:
        for a in self.attributes:
            if a.name == name:
                return a
        return None


@dataclass(frozen=True)
class Comment:
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Document:
    attributes: tuple[Attribute, ...] = ()
    blocks: tuple[Block, ...] = ()
    comments: tuple[Comment, ...] = ()


class HclSyntaxError(SourceError):
    """The text is not valid HCL. The message names the position, never the text."""


def parse_hcl(text: str, line_offset: int = 0) -> Document:
    """Parse HCL text; `line_offset` is added to every line (for a block cut out of a file)."""
    import hcl2  # lazy: the parser (lark grammar) costs time to load
    from lark.exceptions import LarkError

    try:
        tree = hcl2.parses_to_tree(text)
    except LarkError as e:
        line = getattr(e, "line", None)
        where = f"line {line + line_offset}" if isinstance(line, int) and line > 0 else "unknown position"
        raise HclSyntaxError(f"HCL syntax error at {where}") from e
    except (RecursionError, ValueError, RuntimeError) as e:
        raise HclSyntaxError(f"HCL parser failed ({type(e).__name__})") from e
    try:
        return _Builder(text, line_offset).document(tree)
    except RecursionError as e:
        raise HclSyntaxError("HCL nested too deeply") from e


# -- lark tree -> model ---------------------------------------------------------------------

_HEREDOC_TOKENS = ("heredoc_template", "heredoc_template_trim")
_REFERENCE_RULES = ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term",
                    "full_splat_expr_term", "identifier")


def _is_tree(node: Any) -> bool:
    return hasattr(node, "data")


def _subtrees(node: Any) -> list[Any]:
    return [c for c in node.children if _is_tree(c) and c.data != "new_line_or_comment"]


class _Builder:
    def __init__(self, text: str, line_offset: int) -> None:
        self.text = text
        self.dl = line_offset

    def document(self, tree: Any) -> Document:
        body = next(c for c in tree.children if _is_tree(c) and c.data == "body")
        attrs, blocks = self.body(body)
        return Document(attrs, blocks, self.comments(tree))

    def comments(self, tree: Any) -> tuple[Comment, ...]:
        out = []
        for tok in tree.scan_values(lambda v: getattr(v, "type", None) == "NL_OR_COMMENT"):
            value = str(tok).lstrip("\n \t")
            if value.startswith(("#", "//", "/*")):
                start = tok.start_pos + (len(str(tok)) - len(value))
                ls = self.text.rfind("\n", 0, start) + 1
                line = self.dl + tok.line + str(tok)[: len(str(tok)) - len(value)].count("\n")
                out.append(Comment(value.rstrip("\n"), line, start - ls + 1))
        return tuple(out)

    def body(self, body: Any) -> tuple[tuple[Attribute, ...], tuple[Block, ...]]:
        attrs: list[Attribute] = []
        blocks: list[Block] = []
        for node in _subtrees(body):
            if node.data == "attribute":
                attrs.append(self.attribute(node))
            elif node.data == "block":
                blocks.append(self.block(node))
        return tuple(attrs), tuple(blocks)

    def attribute(self, node: Any) -> Attribute:
        name_node, expr_node = _subtrees(node)[0], _subtrees(node)[-1]
        return Attribute(self.name(name_node), self.expr(expr_node), self.dl + name_node.meta.line,
                         name_node.meta.column)

    def block(self, node: Any) -> Block:
        parts = _subtrees(node)
        head, body = parts[:-1], parts[-1]
        labels = tuple(self.string_label(p) if p.data == "string" else self.name(p) for p in head[1:])
        attrs, blocks = self.body(body)
        return Block(self.name(head[0]), labels, self.dl + node.meta.line, attrs, blocks)

    def name(self, node: Any) -> str:
        return str(node.children[0]) if node.children else ""

    def string_label(self, node: Any) -> str:
        return "".join(str(p.children[0]) for p in _subtrees(node) if p.children and not _is_tree(p.children[0]))

    def source(self, node: Any) -> str:
        return self.text[node.meta.start_pos:node.meta.end_pos]

    def expr(self, node: Any) -> Expr:
        while node.data == "expr_term":
            inner = _subtrees(node)
            if len(inner) != 1:
                break
            node = inner[0]
        kind = node.data
        line, col = self.dl + node.meta.line, node.meta.column
        if kind == "string":
            return self.string(node)
        if kind in _HEREDOC_TOKENS:
            return self.heredoc(node)
        if kind == "object":
            return Expr(Kind.OBJECT, self.source(node), line, col, tuple(
                (self.object_key(e), self.expr(_subtrees(e)[-1])) for e in _subtrees(node) if e.data == "object_elem"))
        if kind == "tuple":
            return Expr(Kind.TUPLE, self.source(node), line, col,
                        tuple(("", self.expr(e)) for e in _subtrees(node)))
        if kind == "function_call":
            parts = _subtrees(node)
            args = [a for p in parts if p.data == "arguments" for a in _subtrees(p)]
            return Expr(Kind.CALL, self.name(parts[0]), line, col, tuple(("", self.expr(a)) for a in args))
        if kind == "conditional":
            branches = _subtrees(node)[1:]
            return Expr(Kind.CONDITIONAL, self.source(node), line, col, tuple(("", self.expr(b)) for b in branches))
        if kind in _REFERENCE_RULES:
            return Expr(Kind.REFERENCE, self.source(node), line, col)
        return Expr(Kind.OTHER, self.source(node), line, col)

    def string(self, node: Any) -> Expr:
        parts = _subtrees(node)
        literal = all(p.children and not _is_tree(p.children[0]) for p in parts)
        start = node.meta.start_pos + 1  # after the opening quote
        end = node.meta.end_pos - 1
        ls = self.text.rfind("\n", 0, start) + 1
        return Expr(Kind.STRING if literal else Kind.TEMPLATE, self.text[start:end],
                    self.dl + node.meta.line, start - ls + 1)

    def heredoc(self, node: Any) -> Expr:
        raw = str(node.children[0])
        first_nl = raw.find("\n")
        body = raw[first_nl + 1:]
        body = body[: body.rstrip("\r\n").rfind("\n") + 1]  # drop the closing delimiter line
        interpolated = "${" in body.replace("$${", "") or "%{" in body.replace("%%{", "")
        return Expr(Kind.HEREDOC, body, self.dl + node.meta.line + 1, 1, interpolated=interpolated)

    def object_key(self, elem: Any) -> str:
        key = _subtrees(elem)[0]
        inner = _subtrees(key)
        if not inner:
            return self.name(key)
        e = self.expr(inner[0])
        return e.text if e.kind in (Kind.STRING, Kind.REFERENCE, Kind.OTHER) else self.source(key)
