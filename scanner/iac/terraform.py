"""Structure-aware scanning of Terraform configuration and variables files.

The walk turns a parsed file into groups of literals (one group per top-level block):
every string literal goes to the engine on a synthetic `key = "value"` line, and the
literals that sit where a credential belongs (provider and backend arguments, variable
defaults, sensitive names in locals, modules, resources and tfvars) are flagged for the
structural rules. References, function results and interpolations are never flagged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import regex

from scanner.engine import Engine
from scanner.iac import names, prefilter
from scanner.iac import rules as iac_rules
from scanner.iac.hcl import Attribute, Block, Comment, Document, Expr, HclSyntaxError, Kind, parse_hcl
from scanner.iac.names import Sensitivity
from scanner.iac.tfjson import parse_json
from scanner.iac.values import Flagged, Group, Literal, generic_rule_ids, scan_groups
from scanner.models import Chunk, Finding, Origin, Rule

log = logging.getLogger(__name__)

# Functions whose result is their (literal) argument: `sensitive("p4ss")` is still a literal.
_TRANSPARENT_CALLS = frozenset({"sensitive", "nonsensitive", "trimspace", "chomp", "tostring"})
_BLANK = regex.compile(r"[^\n]")


def scan_terraform(path: str, text: str, engine: Engine, *, tfvars: bool, json_syntax: bool) -> list[Finding]:
    """Findings for a `.tf`, `.tf.json`, `.tfvars` or `.tfvars.json` file."""
    try:
        if json_syntax:
            return scan_document(path, text, parse_json(text, tfvars), engine, tfvars=tfvars)
        found = prefilter.triggers(text, tfvars)
        if not found:
            return _plain(engine, path, text)  # no structural rule can fire: no parse needed
        parts = None if tfvars else _parse_blocks(text, found)
        if parts is None:
            return scan_document(path, text, parse_hcl(text), engine, tfvars=tfvars)
    except HclSyntaxError as e:
        log.warning("%s: %s; scanned as plain text", path, e)
        return _plain(engine, path, text)
    doc, rest = parts
    findings = scan_document(path, text, doc, engine, tfvars=False) + _plain(engine, path, rest)
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule_id))


# A generic key-name rule that matched the start of an HCL expression rather than a literal:
# `password = coalesce(var.db_password, ...)`, `token = local.creds["x"]`, `key = "${var.k}"`.
_EXPRESSION = regex.compile(
    r"^[A-Za-z_][\w]*\(|(?:^|[^\w])(?:var|local|module|data|each|count|path|self)\.[A-Za-z_]|\$\{"
)


def _plain(engine: Engine, path: str, text: str) -> list[Finding]:
    """The plain engine over Terraform text, minus generic findings on expressions (in HCL a
    literal is always quoted or a heredoc, so these cannot be credentials)."""
    generic = generic_rule_ids(engine)
    return [f for f in engine.scan(Chunk(text, Origin(path=path)))
            if not (f.rule_id in generic and _EXPRESSION.search(f.secret))]


def _parse_blocks(text: str, offsets: list[int]) -> tuple[Document, str] | None:
    """Parse only the top-level blocks that hold a trigger: their document, and the file's text
    with those blocks blanked out (line breaks kept) for the plain engine. None when the file
    does not cut cleanly into blocks (then the whole file is parsed)."""
    spans = prefilter.blocks_to_parse(text, offsets)
    if spans is None:
        return None
    docs = []
    try:
        for start, end in spans:
            docs.append(parse_hcl(text[start:end], line_offset=text.count("\n", 0, start)))
    except HclSyntaxError:
        return None  # e.g. a heredoc line with `}` at column 1 cut a block short
    doc = Document(tuple(a for d in docs for a in d.attributes), tuple(b for d in docs for b in d.blocks),
                   tuple(c for d in docs for c in d.comments))
    parts, pos = [], 0
    for start, end in spans:
        parts.append(text[pos:start])
        parts.append(_BLANK.sub(" ", text[start:end]))
        pos = end
    parts.append(text[pos:])
    return doc, "".join(parts)


def scan_document(path: str, text: str, doc: Document, engine: Engine, *, tfvars: bool) -> list[Finding]:
    groups = document_groups(doc, tfvars=tfvars)
    findings = scan_groups(engine, path, text, groups)
    findings.extend(_scan_comments(engine, path, doc.comments))
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule_id))


# -- the walk -------------------------------------------------------------------------------

Decide = Callable[[str], bool]


@dataclass
class _Collector:
    rule: Rule
    context: str
    resource: str | None
    aliases: Mapping[str, str] = field(default_factory=dict)  # attribute -> key shown to the engine
    literals: list[Literal] = field(default_factory=list)
    flagged: list[Flagged] = field(default_factory=list)

    def group(self) -> Group:
        return Group(tuple(self.literals), tuple(self.flagged), self.resource, self.context)

    def attribute(self, attr: Attribute, sensitive: bool) -> None:
        self.visit(attr.value, self.aliases.get(attr.name, attr.name), sensitive)

    def visit(self, e: Expr, key: str, sensitive: bool) -> None:
        if e.kind in (Kind.STRING, Kind.TEMPLATE, Kind.HEREDOC):
            self.literals.append(Literal(key, e.text, e.line, e.column, real_newlines=e.kind is Kind.HEREDOC))
            if sensitive and e.is_literal:
                self.flagged.append(Flagged(self.rule, len(self.literals) - 1, self.context))
        elif e.kind is Kind.OBJECT:
            for k, v in e.items:
                s = names.classify(k)
                self.visit(v, k, s is Sensitivity.SENSITIVE or sensitive and s is Sensitivity.NEUTRAL)
        elif e.kind in (Kind.TUPLE, Kind.CONDITIONAL):
            for _, v in e.items:
                self.visit(v, key, sensitive)
        elif e.kind is Kind.CALL:
            through = e.text in _TRANSPARENT_CALLS
            for _, v in e.items:
                self.visit(v, key, sensitive and through)


def _literal_text(block: Block, name: str) -> str | None:
    a = block.attribute(name)
    if a is None:
        return None
    v = a.value
    return v.text if v.kind in (Kind.STRING, Kind.OTHER) else None


def _is_true(block: Block, name: str) -> bool:
    return (_literal_text(block, name) or "").strip('"').lower() == "true"


def _walk_block(c: _Collector, block: Block, decide: Decide) -> None:
    for a in block.attributes:
        c.attribute(a, decide(a.name))
    for b in block.blocks:
        _walk_block(c, b, decide)


def _by_name(name: str) -> bool:
    return names.is_sensitive(name)


def _resource_decider(block: Block) -> Decide:
    rtype = block.labels[0] if block.labels else ""
    always = names.RESOURCE_CREDENTIALS.get(rtype, frozenset())
    cond = names.CONDITIONAL_CREDENTIALS.get(rtype)
    extra: frozenset[str] = frozenset()
    if cond is not None and (_literal_text(block, cond[1]) or "").strip('"').lower() == cond[2].lower():
        extra = frozenset({cond[0]})

    def decide(attr: str) -> bool:
        return attr in always or attr in extra or names.is_sensitive(attr)

    return decide


def _terraform_block(block: Block, out: list[Group]) -> None:
    for b in block.blocks:
        if b.type in ("backend", "cloud"):
            label = f'{b.type} "{b.labels[0]}"' if b.labels else b.type
            aliases = names.ENGINE_KEY_ALIASES.get(b.labels[0] if b.labels else "", {})
            c = _Collector(iac_rules.BACKEND_CREDENTIAL, label, f"terraform.{b.type}", aliases)
            _walk_block(c, b, names.backend_credential)
            out.append(c.group())
        else:
            c = _Collector(iac_rules.HARDCODED, b.type, "terraform")
            _walk_block(c, b, _by_name)
            out.append(c.group())
    if block.attributes:
        c = _Collector(iac_rules.HARDCODED, "terraform", "terraform")
        for a in block.attributes:
            c.attribute(a, _by_name(a.name))
        out.append(c.group())


def _variable_block(block: Block) -> Group:
    name = block.labels[0] if block.labels else ""
    c = _Collector(iac_rules.VARIABLE_DEFAULT, f'variable "{name}"', f"var.{name}")
    secret = names.is_sensitive(name) or _is_true(block, "sensitive")
    for a in block.attributes:
        if a.name == "default":
            c.attribute(a, secret)
        else:
            c.attribute(a, False)
    for b in block.blocks:
        _walk_block(c, b, lambda _name: False)
    return c.group()


def _output_block(block: Block) -> Group:
    name = block.labels[0] if block.labels else ""
    c = _Collector(iac_rules.HARDCODED, f'output "{name}"', f"output.{name}")
    secret = names.is_sensitive(name) or _is_true(block, "sensitive")
    for a in block.attributes:
        c.attribute(a, a.name == "value" and secret)
    return c.group()


def _address(block: Block) -> str:
    if block.type == "resource":
        return ".".join(block.labels)
    if block.type == "locals":
        return "locals"
    if block.type == "variable":
        return ".".join(("var", *block.labels))
    return ".".join((block.type, *block.labels))


def _block_group(block: Block, out: list[Group]) -> None:
    label = " ".join([block.type, *(f'"{x}"' for x in block.labels)])
    if block.type == "provider":
        provider = block.labels[0] if block.labels else ""
        c = _Collector(iac_rules.PROVIDER_CREDENTIAL, label, _address(block),
                       names.ENGINE_KEY_ALIASES.get(provider, {}))
        _walk_block(c, block, lambda attr: names.provider_credential(provider, attr))
        out.append(c.group())
    elif block.type == "terraform":
        _terraform_block(block, out)
    elif block.type == "variable":
        out.append(_variable_block(block))
    elif block.type == "output":
        out.append(_output_block(block))
    else:
        c = _Collector(iac_rules.HARDCODED, label, _address(block))
        decide = _resource_decider(block) if block.type in ("resource", "data") else _by_name
        _walk_block(c, block, decide)
        out.append(c.group())


def document_groups(doc: Document, *, tfvars: bool) -> list[Group]:
    out: list[Group] = []
    if doc.attributes:
        rule = iac_rules.TFVARS if tfvars else iac_rules.HARDCODED
        c = _Collector(rule, "tfvars" if tfvars else "top level", None)
        for a in doc.attributes:
            c.attribute(a, names.is_sensitive(a.name))
        out.append(c.group())
    for b in doc.blocks:
        _block_group(b, out)
    return out


def _scan_comments(engine: Engine, path: str, comments: tuple[Comment, ...]) -> list[Finding]:
    """All comments in one chunk; `line_map` puts each line back where it was."""
    if not comments:
        return []
    lines: list[str] = []
    line_map: list[int] = []
    for c in comments:
        for i, part in enumerate(c.text.split("\n")):
            lines.append((" " * (c.column - 1) if i == 0 else "") + part)
            line_map.append(c.line + i)
    chunk = Chunk("\n".join(lines), Origin(path=path), line_map=tuple(line_map))
    return engine.scan(chunk)
