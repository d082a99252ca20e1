"""Structure-aware scanning of Terraform configuration and variables files.

A file is parsed only where a structural rule could fire (`scanner.iac.prefilter`); the parsed
part is walked into groups of literals (`scanner.iac.tfwalk`) and scanned value by value, the
rest (and every file that cannot be parsed) goes to the plain engine.
"""

from __future__ import annotations

import logging

import regex

from scanner.engine import Engine
from scanner.iac import prefilter
from scanner.iac.hcl import Comment, Document, HclSyntaxError, parse_hcl
from scanner.iac.tfjson import parse_json
from scanner.iac.tfwalk import document_groups
from scanner.iac.values import generic_rule_ids, scan_groups
from scanner.models import Chunk, Finding, Origin

log = logging.getLogger(__name__)

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
        doc, rest = parts
        findings = scan_document(path, text, doc, engine, tfvars=False) + _plain(engine, path, rest)
    except (HclSyntaxError, RecursionError) as e:
        log.warning("%s: %s; scanned as plain text", path, e if isinstance(e, HclSyntaxError) else "nested too deeply")
        return _plain(engine, path, text)
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
