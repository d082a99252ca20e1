"""Map Terraform JSON syntax (`.tf.json`, `.tfvars.json`) onto the HCL model.

In JSON syntax a string is a template when it holds `${...}`; blocks are nested
objects whose depth of labels depends on the block type.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.iac.hcl import Attribute, Block, Document, Expr, HclSyntaxError, Kind
from scanner.iac.jsonpos import JsonLocator

_LABELS = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "output": 1, "module": 1, "check": 1,
           "backend": 1}
_NESTED_BLOCKS = {"terraform": ("backend", "cloud")}


def parse_json(text: str, tfvars: bool) -> Document:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise HclSyntaxError(f"JSON syntax error ({type(e).__name__})") from e
    if not isinstance(data, dict):
        raise HclSyntaxError("JSON syntax: the top level is not an object")
    return _Mapper(text).document(data, tfvars)


def _is_template(s: str) -> bool:
    return "${" in s.replace("$${", "") or "%{" in s.replace("%%{", "")


class _Mapper:
    def __init__(self, text: str) -> None:
        self.loc = JsonLocator(text)

    def document(self, data: dict[str, Any], tfvars: bool) -> Document:
        if tfvars:
            return Document(attributes=self.attributes(data))
        blocks: list[Block] = []
        for btype, content in data.items():
            off = self.loc.key(btype)
            line = self.loc.position(off if off is not None else self.loc.pos)[0]
            blocks.extend(self.blocks(btype, (), content, _LABELS.get(btype, 0), line))
        return Document(blocks=tuple(blocks))

    def blocks(self, btype: str, labels: tuple[str, ...], content: Any, depth: int, line: int) -> list[Block]:
        if isinstance(content, list):
            return [b for item in content for b in self.blocks(btype, labels, item, depth, line)]
        if not isinstance(content, dict):
            return []
        if depth > 0:
            out: list[Block] = []
            for label, inner in content.items():
                off = self.loc.key(label)
                inner_line = self.loc.position(off if off is not None else self.loc.pos)[0]
                out.extend(self.blocks(btype, (*labels, label), inner, depth - 1, inner_line))
            return out
        nested_names = _NESTED_BLOCKS.get(btype, ())
        attrs: list[Attribute] = []
        nested: list[Block] = []
        for k, v in content.items():
            off = self.loc.key(k)
            kline, kcol = self.loc.position(off if off is not None else self.loc.pos)
            if k in nested_names:
                nested.extend(self.blocks(k, (), v, _LABELS.get(k, 0), kline))
            else:
                attrs.append(Attribute(k, self.expr(v, off), kline, kcol))
        return [Block(btype, labels, line, tuple(attrs), tuple(nested))]

    def attributes(self, data: dict[str, Any]) -> tuple[Attribute, ...]:
        out = []
        for k, v in data.items():
            off = self.loc.key(k)
            line, col = self.loc.position(off if off is not None else self.loc.pos)
            out.append(Attribute(k, self.expr(v, off), line, col))
        return tuple(out)

    def expr(self, value: Any, offset: int | None) -> Expr:
        line, col = self.loc.value_position(offset, self.loc.pos)
        if isinstance(value, str):
            return Expr(Kind.TEMPLATE if _is_template(value) else Kind.STRING, value, line, col)
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                items.append((k, self.expr(v, self.loc.key(k))))
            return Expr(Kind.OBJECT, "", line, col, tuple(items))
        if isinstance(value, list):
            return Expr(Kind.TUPLE, "", line, col, tuple(("", self.item(v)) for v in value))
        return Expr(Kind.OTHER, json.dumps(value), line, col)

    def item(self, value: Any) -> Expr:
        if isinstance(value, str):
            return self.expr(value, self.loc.string(value))
        return self.expr(value, None)
