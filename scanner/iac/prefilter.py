"""Where in a Terraform file a structural rule could fire: the cheap test before parsing.

Parsing HCL costs far more than scanning text, and most Terraform holds no literal in a
credential position. `triggers` finds the places that could (a credential-like name assigned
an expression with a literal, a secret-named variable or output with a literal default,
a secret-payload resource given a literal); a file without any is scanned as plain text with
the same result. `blocks` cuts a `terraform fmt`-shaped file into its top-level blocks so
that only the blocks holding a trigger need parsing.
"""

from __future__ import annotations

import string
from collections.abc import Iterator

import regex
from ahocorasick_rs import BytesAhoCorasick, MatchKind

from scanner.iac import names
from scanner.iac.names import Sensitivity

# A credential-ish word inside a name that is assigned (`=` or `:`); the name is completed
# backwards in Python, which keeps the regex free of a leading `[\w.-]*` (5x faster).
_WORDS = ("secret", "passw", "pwd", "passphrase", "token", "credential", "creds", "key", "auth", "sas", "psk",
          "pat", "conn_str")
_ASSIGNED = r"""[\w.-]*["']?[ \t]*[=:](?![=>])"""
_KEYWORD_ASSIGN = regex.compile(r"(?i)(?:" + "|".join(_WORDS) + ")" + _ASSIGNED)
# In ASCII text the words are found by an automaton and the rest is matched where each starts: the
# same matches (the words are name characters, so the name part covers them), about 10x faster than
# the search (its leading alternation gets no literal prefix: 25 MB/s on Terraform).
_WORD_FINDER = BytesAhoCorasick([w.encode("ascii") for w in _WORDS], matchkind=MatchKind.Standard)
_AFTER_WORD = regex.compile(_ASSIGNED)
_LITERAL_START = regex.compile(r'"[^"\s$]|<<')
_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
_ONLY_STRING = regex.compile(r"""\s*"([^"$\\]*)"\s*,?\s*(?:(?:\#|//).*)?""")
_PROVIDER_CREDENTIAL_NAMES = frozenset(n for creds in names.PROVIDER_CREDENTIALS.values() for n in creds)
_SECRET_BLOCK = regex.compile(
    r"""(?i)(?:variable|output)\s+"[\w-]*(?:secret|passw|pwd|token|credential|key|auth)[\w-]*"|sensitive\s*=\s*true"""
)
_BLOCK_ASSIGNED = r"""(?:default|value)\s*=[^\n]*?(?:"[^"\s$]|<<|\{|\[)"""
_BLOCK_LITERAL = regex.compile(r"(?im)^\s*" + _BLOCK_ASSIGNED)
# the same test led by the words (ASCII text), as for the names above: 29 MB/s searched, ~10x this way
_BLOCK_WORDS = BytesAhoCorasick([b"default", b"value"], matchkind=MatchKind.Standard)
_BLOCK_LITERAL_AT = regex.compile(r"(?i)" + _BLOCK_ASSIGNED)
_SPACE = regex.compile(r"\s*")
_PAYLOAD_TYPES = (*names.RESOURCE_CREDENTIALS, *names.CONDITIONAL_CREDENTIALS)
_PAYLOAD_ATTRIBUTES = sorted({a for attrs in names.RESOURCE_CREDENTIALS.values() for a in attrs}
                             | {c[0] for c in names.CONDITIONAL_CREDENTIALS.values()})
_PAYLOAD_LITERAL = regex.compile(
    r"(?m)^\s*(?:" + "|".join(_PAYLOAD_ATTRIBUTES) + r')\s*=[^\n]*?(?:"[^"\s$]|<<|\{\s*$)'
)
# Top-level blocks as `terraform fmt` writes them: the opening line at column 1, `}` alone at column 1.
_BLOCK_START = regex.compile(r"""(?m)^[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*[ \t]*\{[ \t]*$""")
_BLOCK_END = regex.compile(r"(?m)^\}[ \t]*$")


def keyword_assigns(text: str) -> Iterator[tuple[int, int]]:
    """The spans of _KEYWORD_ASSIGN's matches in `text`, in order."""
    if not text.isascii():  # (case folding beyond ASCII: the regex itself)
        yield from (m.span() for m in _KEYWORD_ASSIGN.finditer(text))
        return
    floor = 0
    found = _WORD_FINDER.find_matches_as_indexes(text.encode("ascii").lower(), overlapping=True)
    for start in sorted({s for _w, s, _e in found}):
        if start < floor:
            continue
        m = _AFTER_WORD.match(text, start)
        if m is not None:
            floor = m.end()
            yield start, floor


def _assignments(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, name, rest of the line) where a credential-ish name is given an expression with a literal."""
    for begin, end in keyword_assigns(text):
        start = begin
        while start > 0 and text[start - 1] in _NAME_CHARS:
            start -= 1
        eol = text.find("\n", end)
        rhs = text[end:eol if eol >= 0 else len(text)]
        if _LITERAL_START.search(rhs):
            yield start, text[start:end].rstrip("=: \t\"'"), rhs


def triggers(text: str, tfvars: bool = False) -> list[int]:
    """Offsets of the places a structural rule could fire; empty when none can."""
    out = []
    for offset, key, rhs in _assignments(text):
        if names.classify(key) is not Sensitivity.SENSITIVE and key not in _PROVIDER_CREDENTIAL_NAMES:
            continue
        only = _ONLY_STRING.fullmatch(rhs)
        if only is None or names.can_be_secret(only.group(1), multiline=False):
            out.append(offset)
    if tfvars:
        return out
    if has_block_literal(text):
        out.extend(m.start() for m in _SECRET_BLOCK.finditer(text))
    if any(t in text for t in _PAYLOAD_TYPES):
        out.extend(m.start() for m in _PAYLOAD_LITERAL.finditer(text))
    return sorted(out)


def has_block_literal(text: str) -> bool:
    """Whether _BLOCK_LITERAL matches somewhere in `text`: a line that begins with `default` or
    `value` (after white space) assigned something with a literal."""
    if not text.isascii():
        return _BLOCK_LITERAL.search(text) is not None
    for _w, start, _e in _BLOCK_WORDS.find_matches_as_indexes(text.encode("ascii").lower(), overlapping=True):
        line = text.rfind("\n", 0, start) + 1
        if _SPACE.fullmatch(text, line, start) and _BLOCK_LITERAL_AT.match(text, start):
            return True
    return False


def worth_parsing(text: str, tfvars: bool = False) -> bool:
    """False when no structural rule can fire, so the plain engine alone gives the same findings."""
    return bool(triggers(text, tfvars))


def blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the top-level blocks of a `terraform fmt`-shaped file."""
    out = []
    pos = 0
    for m in _BLOCK_START.finditer(text):
        if m.start() < pos:
            continue
        end = _BLOCK_END.search(text, m.end())
        if end is None:
            break
        out.append((m.start(), end.end()))
        pos = end.end()
    return out


def blocks_to_parse(text: str, offsets: list[int]) -> list[tuple[int, int]] | None:
    """The top-level blocks that hold the trigger offsets, or None when one lies outside every
    block (then the whole file is parsed)."""
    spans = blocks(text)
    chosen: dict[tuple[int, int], None] = {}
    for off in offsets:
        span = next((s for s in spans if s[0] <= off < s[1]), None)
        if span is None:
            return None
        chosen[span] = None
    return list(chosen)
