"""The walk over a parsed Terraform file: groups of literals, one group per top-level block.

Every string literal goes to the engine (on a synthetic `key = "value"` line); the literals
that sit where a credential belongs (provider and backend arguments, variable defaults,
sensitive names in locals, modules, resources, outputs and tfvars) are flagged for the
structural rules. References, function results and interpolations are never flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scanner.iac import names
from scanner.iac import rules as iac_rules
from scanner.iac.hcl import Attribute, Block, Document, Expr, Kind
from scanner.iac.literals import Flagged, Group, Literal
from scanner.iac.names import Sensitivity
from scanner.models import Rule

# Functions whose result is their (literal) argument: `sensitive("p4ss")` is still a literal.
_TRANSPARENT_CALLS = frozenset({"sensitive", "nonsensitive", "trimspace", "chomp", "tostring"})

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
