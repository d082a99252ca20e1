"""Compact rule declarations: `[[prefixed]]` and `[[context]]` tables expanded into full rule tables.

Most provider credentials come in one of two shapes, and writing each as a full regex repeats the same
hundred characters of boundary and assignment syntax hundreds of times. A declaration gives only what
differs between providers and is expanded here, before the ordinary rule validation runs:

* `[[prefixed]]` — a literal prefix the provider puts on every key and the documented body after it
  (`prefix = 'pk_live_'`, `body = '[A-Za-z0-9]{24}'`). The prefix is the keyword; the whole token is
  the secret; it must not be glued to other token characters on either side.
* `[[context]]` — a prefix-less value (hex, base62, a UUID) that only means something next to the
  provider's name: `names` (literal words, the keywords), the `slots` the value is assigned to
  (default key / token / secret) and the documented `secret` format. `CLICKUP_API_TOKEN=...`,
  `clickup:\\n  token: ...`, `"clickupApiKey": "..."` and `clickup_token value = "..."` all match.

`samples` (at least two) are values in the documented format that we generated; each becomes an example
in a typical assignment, and negatives are derived from the first (cut short; glued to a word; without
the provider's name; a placeholder in its place). Explicit `examples` and
`negatives` are kept as well. Every other field of a rule (`severity`, `entropy`, `tags`, `references`,
`verifier`, `confidence`, `allowlist`, `stopwords`, `checksum`) passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import regex

from scanner.errors import RuleError

KINDS = ("prefixed", "context")
DEFAULT_SLOTS = ("key", "token", "secret")
_COMMON = {"id", "description", "severity", "entropy", "tags", "references", "verifier", "confidence",
           "allowlist", "stopwords", "checksum", "samples", "examples", "negatives"}
_FIELDS = {
    "prefixed": _COMMON | {"prefix", "body"},
    "context": _COMMON | {"names", "slots", "secret"},
}
_REQUIRED = {"prefixed": ("id", "description", "prefix", "body"),
             "context": ("id", "description", "names", "secret")}
DEFAULT_ENTROPY = {"prefixed": 3.0, "context": 3.2}

_TOKEN = "A-Za-z0-9_-"
_NAME = regex.compile(r"[a-z0-9][a-z0-9_.-]{2,39}")  # a provider name: lower case, 3 to 40 characters
_SLOT = regex.compile(r"[a-z][a-z0-9_]{1,19}")
# The name is a word of its own: not run into letters of the same case on either side, so `expo`
# is not found in `export` or `EXPORT`, while `clickupToken`, `CLICKUP_TOKEN` and `apiClickup` are.
_WORD_START = r"(?-i:(?<![a-z])(?=[a-z])|(?<![A-Z])(?=[A-Z])|(?=[^A-Za-z]))"
_WORD_END = r"(?-i:(?<=[a-z])(?![a-z])|(?<=[A-Z])(?![A-Z])|(?<![A-Za-z]))"
# name ... slot ... assignment, on one line or the slot on the next line under the name (YAML, TOML tables)
CONTEXT_TEMPLATE = (
    r"(?i)" + _WORD_START + r"(?:{names})" + _WORD_END
    + r"(?:[^\n]{{0,20}}?|[\w.-]{{0,40}}[\"']?[ \t]{{0,4}}[:=]?[ \t]{{0,4}}\{{?[ \t]{{0,4}}\r?\n"
    r"[ \t]{{0,16}}(?:-[ \t]{{0,4}})?"
    r"[\"']?[\w.-]{{0,20}}?)(?:{slots})[\w.\-]{{0,20}}?(?:[\"'`]?\]?[ \t]{{0,3}}(?:=>|:=|[:=]|[ \t])[ \t]{{0,3}}"
    r"[\"'`]?|[\"'][ \t]+value[ \t]*=[ \t]*[\"'])(?-i:({secret}))(?![" + _TOKEN + r"])"
)
PREFIXED_TEMPLATE = r"(?<![" + _TOKEN + r"])({prefix}{body})(?![" + _TOKEN + r"])"


def expand(data: Mapping[str, Any], source: str) -> list[dict[str, Any]]:
    """The rule tables declared by every `[[prefixed]]` and `[[context]]` table of a parsed rules file."""
    out: list[dict[str, Any]] = []
    for kind in KINDS:
        raw = data.get(kind, [])
        if not isinstance(raw, list):
            raise RuleError(source, None, kind, f"must be an array of tables ([[{kind}]])")
        for item in raw:
            out.append(expand_one(kind, item, source))
    return out


def expand_one(kind: str, item: Any, source: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise RuleError(source, None, None, f"each [[{kind}]] entry must be a table")
    rid = item.get("id")
    if not isinstance(rid, str) or not rid:
        raise RuleError(source, None, "id", "missing or not a non-empty string")
    unknown = set(item) - _FIELDS[kind]
    if unknown:
        raise RuleError(source, rid, sorted(unknown)[0], f"unknown field for a [[{kind}]] declaration")
    for name in _REQUIRED[kind]:
        if not item.get(name):
            raise RuleError(source, rid, name, "missing required field")
    samples = _strings(item, "samples", source, rid)
    if len(samples) < 2:
        raise RuleError(source, rid, "samples", "a declaration needs at least two sample values")
    rule = {k: v for k, v in item.items() if k in _COMMON and k != "samples"}
    rule.setdefault("severity", "high")
    rule.setdefault("entropy", DEFAULT_ENTROPY[kind])
    rule["secret_group"] = 1
    build = _prefixed if kind == "prefixed" else _context
    built = build(item, samples, source, rid)
    rule.update(regex=built["regex"], keywords=built["keywords"])
    if kind == "context":  # the regex needs a slot word on the name's line or the next: look for one first
        rule["requires"] = list(_strings(item, "slots", source, rid) or DEFAULT_SLOTS)
    rule["allowlist"] = [*item.get("allowlist", []), *digit_guard(kind, item)]
    rule.setdefault("tags", [rid.split("-")[0]])
    rule["examples"] = list(item.get("examples", [])) + built["examples"]
    rule["negatives"] = list(item.get("negatives", [])) + built["negatives"]
    return rule


def _prefixed(item: Mapping[str, Any], samples: Sequence[str], source: str, rid: str) -> dict[str, Any]:
    prefix = _string(item, "prefix", source, rid)
    if len(prefix) < 3:
        raise RuleError(source, rid, "prefix", "must be at least 3 characters (it is the rule's keyword)")
    body = _string(item, "body", source, rid)
    for s in samples:
        if not s.startswith(prefix):
            raise RuleError(source, rid, "samples", f"a sample does not start with the prefix {prefix!r}")
    env = rid.upper().replace("-", "_")
    examples = []
    for i, s in enumerate(samples):
        text = f'export {env}="{s}"' if i % 2 == 0 else f'{{"credentials": {{"{rid}": "{s}"}}}}'
        examples.append({"text": text, "secret": s})
    first = samples[0]
    negatives = [f"{env}={first[: len(prefix) + 4]}", f"{env}={prefix}${{{env}}}"]  # cut short; a placeholder
    if regex.match(r"[A-Za-z0-9_-]", prefix):
        negatives.append(f"{env}=x{first}")  # glued to a word
    return {
        "regex": _prefixed_regex(prefix, body),
        "keywords": [prefix.lower()],
        "examples": examples,
        "negatives": negatives,
    }


def digit_guard(kind: str, item: Mapping[str, Any]) -> list[str]:
    """A format whose characters include digits is generated at random, and a random value of that
    length has a digit: one with none is a word or an identifier (`pb_group_vars_file_parent`,
    `ser.SerializerMethodField`), dropped through the rule's allowlist."""
    pattern = str(item.get("body") if kind == "prefixed" else item.get("secret"))
    if not regex.search(r"0-9|\\d|\\w", pattern) or "|" in pattern:
        return []
    lead = regex.escape(str(item["prefix"])) if kind == "prefixed" else ""
    return [f"^{lead}[^0-9]+$"]


def _prefixed_regex(prefix: str, body: str) -> str:
    """A prefix that starts with a token character must not be glued to one (`xghp_...`); one that
    starts with punctuation (`/open-apis/...`, `.make.com/`) is part of a URL and may follow anything."""
    pattern = PREFIXED_TEMPLATE.format(prefix=regex.escape(prefix), body=body)
    if regex.match(r"[A-Za-z0-9_-]", prefix):
        return pattern
    return pattern.removeprefix(f"(?<![{_TOKEN}])")


def _context(item: Mapping[str, Any], samples: Sequence[str], source: str, rid: str) -> dict[str, Any]:
    names = _strings(item, "names", source, rid)
    for n in names:
        if not _NAME.fullmatch(n):
            raise RuleError(source, rid, "names", f"{n!r}: a name is a lower-case word of 3 to 40 characters")
    slots = _strings(item, "slots", source, rid) or DEFAULT_SLOTS
    for s in slots:
        if not _SLOT.fullmatch(s):
            raise RuleError(source, rid, "slots", f"{s!r}: a slot is a lower-case word of 2 to 20 characters")
    secret = _string(item, "secret", source, rid)
    name, slot = names[0], slots[0]
    upper = f"{name}_{slot}".upper().replace("-", "_").replace(".", "_")
    shapes = (
        lambda s: f"{upper}={s}",
        lambda s: f'{name}:\n  {slot}: "{s}"',
        lambda s: f'{{"{name}_{slot}": "{s}"}}',
        lambda s: f'variable "{name}_{slot}" {{\n  default = "{s}"\n}}',
    )
    examples = [{"text": shapes[i % len(shapes)](s), "secret": s} for i, s in enumerate(samples)]
    negatives = [
        f"api_{slot} = '{samples[0]}'",  # the value without the provider's name
        f"{upper}=${{{upper}}}",  # a placeholder
        f"{upper}={samples[0][:8]}",  # cut short
    ]
    return {
        "regex": CONTEXT_TEMPLATE.format(names="|".join(regex.escape(n) for n in names),
                                         slots="|".join(slots), secret=secret),
        "keywords": list(names),
        "examples": examples,
        "negatives": negatives,
    }


def _string(item: Mapping[str, Any], name: str, source: str, rid: str) -> str:
    v = item.get(name)
    if not isinstance(v, str) or not v:
        raise RuleError(source, rid, name, "must be a non-empty string")
    return v


def _strings(item: Mapping[str, Any], name: str, source: str, rid: str) -> tuple[str, ...]:
    v = item.get(name, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise RuleError(source, rid, name, "must be a list of non-empty strings")
    return tuple(v)
