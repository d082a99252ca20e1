"""Load and validate rules from TOML files (built-in pack and user files)."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from scanner import regexcache, ruledecl
from scanner.errors import RuleError
from scanner.models import Confidence, Example, Rule, Severity
from scanner.verify.declaration import Declaration, parse_declaration

_KNOWN_FIELDS = {
    "id", "description", "severity", "keywords", "regex", "secret_group", "entropy",
    "allowlist", "stopwords", "path", "path_only", "checksum", "verifier", "multiline", "requires",
    "assigned_value",
    "tags", "examples", "negatives", "references", "confidence", "verify",
}
CONFIDENCES = tuple(c.value for c in Confidence)  # high, medium, low
_REQUIRED = ("id", "description", "severity", "regex")


def builtin_rule_files() -> list[tuple[str, str]]:
    """(name, text) of every built-in rules file, sorted by name."""
    root = resources.files("scanner.builtin_rules")
    out = []
    for entry in root.iterdir():
        if entry.name.endswith(".toml"):
            out.append((f"rules/{entry.name}", entry.read_text(encoding="utf-8")))
    return sorted(out)


def load_builtin_rules() -> list[Rule]:
    rules: list[Rule] = []
    for name, text in builtin_rule_files():
        rules.extend(parse_rules_text(text, name, validate=False))
    _check_unique(rules)
    check_verifiers(rules)
    return rules


def load_rules_file(path: str | Path) -> list[Rule]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RuleError(str(p), None, None, f"cannot read rules file: {e}") from e
    source = str(p)
    if is_builtin_source(source):  # a user file that happens to be called rules/<built-in name>
        source = "./" + source
    rules = parse_rules_text(text, source)
    _check_unique(rules)
    check_verifiers(rules)
    check_backtracking(rules)
    return rules


@functools.cache
def _builtin_sources() -> frozenset[str]:
    return frozenset(name for name, _text in builtin_rule_files())


def is_builtin_source(source: str) -> bool:
    """Rules from the shipped files (tested linear on hostile lines, see tests/engine/test_rule_cost.py)."""
    return source.startswith("rules/") and source in _builtin_sources()


def parse_rules_text(text: str, source: str, validate: bool = True) -> list[Rule]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleError(source, None, None, f"invalid TOML: {e}") from e
    raw = data.get("rules", [])
    if not isinstance(raw, list):
        raise RuleError(source, None, "rules", "must be an array of tables ([[rules]])")
    unknown = set(data) - {"rules", "verifiers", *ruledecl.KINDS}
    if unknown:
        raise RuleError(source, None, sorted(unknown)[0],
                        "unknown table (expected [[rules]], [[prefixed]], [[context]] or [[verifiers]])")
    declared = parse_declarations(data, source)
    rules = [parse_rule(item, source, validate) for item in [*raw, *ruledecl.expand(data, source)]]
    return [replace(r, verify=declared[r.verifier]) if r.verify is None and r.verifier in declared else r
            for r in rules]


def parse_declarations(data: Mapping[str, Any], source: str) -> dict[str, Declaration]:
    """The file's `[[verifiers]]`, by name (a rule of the file names one with `verifier`)."""
    raw = data.get("verifiers", [])
    if not isinstance(raw, list):
        raise RuleError(source, None, "verifiers", "must be an array of tables ([[verifiers]])")
    out: dict[str, Declaration] = {}
    for item in raw:
        d = parse_declaration(item, source)
        if d.name in out:
            raise RuleError(source, None, "verifiers", f"verifier '{d.name}' is declared twice")
        out[d.name] = d
    return out


@functools.cache
def builtin_declarations() -> tuple[Declaration, ...]:
    """Every verifier the built-in rule files declare."""
    out: list[Declaration] = []
    for name, text in builtin_rule_files():
        out.extend(parse_declarations(tomllib.loads(text), name).values())
    return tuple(out)


def parse_rule(item: Any, source: str, validate: bool = True) -> Rule:
    """Build a Rule from a TOML table. `validate` compiles the regexes (built-in rules skip it
    at start-up; the rule-pack tests compile every one of them)."""
    if not isinstance(item, Mapping):
        raise RuleError(source, None, None, "each [[rules]] entry must be a table")
    rid = item.get("id")
    if not isinstance(rid, str) or not rid:
        raise RuleError(source, None, "id", "missing or not a non-empty string")
    unknown = set(item) - _KNOWN_FIELDS
    if unknown:
        raise RuleError(source, rid, sorted(unknown)[0], "unknown field")
    for name in _REQUIRED:
        if name not in item:
            raise RuleError(source, rid, name, "missing required field")
    severity = _severity(item["severity"], source, rid)
    pattern = _str(item, "regex", source, rid)
    secret_group = item.get("secret_group")
    if validate:
        compiled = compile_pattern(pattern, source, rid, "regex", bool(item.get("multiline", False)))
        if secret_group is not None:
            _check_group(compiled, secret_group, source, rid)
    keywords = tuple(k.lower() for k in _str_list(item, "keywords", source, rid))
    path_only = bool(item.get("path_only", False))
    if not keywords and not item.get("path"):
        raise RuleError(source, rid, "keywords", "a rule needs at least one keyword (or a path)")
    requires = tuple(r.lower() for r in _str_list(item, "requires", source, rid))
    if requires and (not keywords or item.get("multiline", False)):
        raise RuleError(source, rid, "requires", "needs keywords and a single-line rule (not multiline)")
    assigned_value = item.get("assigned_value", 0)
    if isinstance(assigned_value, bool) or not isinstance(assigned_value, int) or not 0 <= assigned_value <= 255:
        raise RuleError(source, rid, "assigned_value", "must be a whole number between 0 and 255")
    if assigned_value and (not keywords or item.get("multiline", False)):
        raise RuleError(source, rid, "assigned_value", "needs keywords and a single-line rule (not multiline)")
    entropy = item.get("entropy")
    if entropy is not None and (not isinstance(entropy, int | float) or not 0 <= entropy <= 8):
        raise RuleError(source, rid, "entropy", "must be a number between 0 and 8")
    allowlist = _str_list(item, "allowlist", source, rid)
    path = item.get("path")
    checksum = _optional_name(item, "checksum", source, rid)
    if checksum is not None and checksum not in _checksums():
        known = ", ".join(sorted(_checksums()))
        raise RuleError(source, rid, "checksum", f"no checksum named '{checksum}' (known: {known})")
    confidence = _optional_name(item, "confidence", source, rid)
    if confidence is not None and confidence not in CONFIDENCES:
        raise RuleError(source, rid, "confidence", f"must be one of {', '.join(CONFIDENCES)}")
    if validate:
        for i, a in enumerate(allowlist):
            compile_pattern(a, source, rid, f"allowlist[{i}]", False)
        if path is not None:
            compile_pattern(_str(item, "path", source, rid), source, rid, "path", False)
    return Rule(
        id=rid,
        description=_str(item, "description", source, rid),
        severity=severity,
        keywords=keywords,
        regex=pattern,
        secret_group=secret_group,
        entropy=float(entropy) if entropy is not None else None,
        allowlist=allowlist,
        stopwords=tuple(s.lower() for s in _str_list(item, "stopwords", source, rid)),
        path=path,
        path_only=path_only,
        checksum=checksum,
        verifier=_optional_name(item, "verifier", source, rid) or (rid if "verify" in item else None),
        multiline=bool(item.get("multiline", False)),
        requires=requires,
        assigned_value=assigned_value,
        tags=_str_list(item, "tags", source, rid),
        examples=_examples(item, "examples", source, rid),
        negatives=_examples(item, "negatives", source, rid),
        references=_str_list(item, "references", source, rid),
        confidence=confidence,
        source=source,
        verify=_own_declaration(item, source, rid),
    )


def _own_declaration(item: Mapping[str, Any], source: str, rid: str) -> Declaration | None:
    """A rule's own `verify` table: a declaration named by the rule's `verifier` (or its id)."""
    raw = item.get("verify")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise RuleError(source, rid, "verify", "must be a table")
    name = item.get("verifier") or rid
    if raw.get("name", name) != name:
        raise RuleError(source, rid, "verify.name", "must be the rule's `verifier` (or left out)")
    return parse_declaration({**raw, "name": name}, source, rid)


PATTERN_FLAGS = regex.VERSION0 | regex.MULTILINE  # every rule pattern's flags (DOTALL added for multi-line rules)


def compile_pattern(pattern: str, source: str, rid: str | None, field: str, multiline: bool) -> Any:
    flags = PATTERN_FLAGS
    if multiline:
        flags |= regex.DOTALL
    try:
        return regexcache.compile_pattern(pattern, flags)
    except (regex.error, TypeError, ValueError) as e:
        raise RuleError(source, rid, field, f"invalid regex: {e}") from e


def merge_rules(base: Sequence[Rule], extra: Iterable[Rule], disabled: Iterable[str] = ()) -> list[Rule]:
    """User rules replace built-in rules with the same id; disabled ids are dropped."""
    off = set(disabled)
    by_id = {r.id: r for r in base}
    for r in extra:
        by_id[r.id] = r
    return [r for rid, r in by_id.items() if rid not in off]


PROBE_CHARS = 20_000
PROBE_SECONDS = 0.25


def _probes(rule: Rule) -> list[str]:
    kw = (list(rule.keywords) or [""])[0]
    n = PROBE_CHARS
    return [kw + "a" * n + "!", kw + "=" + "a" * n + "!", kw + " " * n + "!", kw + "0" * n + "!",
            (kw + " ") * (n // (len(kw) + 1)), "a" * n + kw + "!"]


def check_backtracking(rules: Sequence[Rule]) -> None:
    """A user rule whose regex backtracks without limit is refused at load: each is tried on a few long
    adversarial lines built from its keyword, and one that does not finish within PROBE_SECONDS on
    20,000 characters (a linear regex takes a millisecond) is a load error. At scan time every search
    also runs under the engine's budget, so a rule that passes this probe still cannot stall a scan."""
    for r in rules:
        pattern = compile_pattern(r.regex, r.source, r.id, "regex", r.multiline)
        for text in _probes(r):
            try:
                for _ in pattern.finditer(text, timeout=PROBE_SECONDS):
                    pass
            except TimeoutError:
                raise RuleError(r.source, r.id, "regex", f"backtracks without limit: a {PROBE_CHARS}-character "
                                "line built from its keyword took more than "
                                f"{PROBE_SECONDS} s; rewrite it without nested or overlapping repetition "
                                "(e.g. `(a+)+`, `(a|aa)+`) and bound open-ended repeats (`{0,200}`)") from None


def check_verifiers(rules: Sequence[Rule]) -> None:
    """Every verifier a rule names exists (by name: the verifiers themselves are not imported)."""
    from scanner.verify.names import VERIFIER_NAMES

    for r in rules:
        if r.verify is not None and r.verify.source == r.source and r.verifier in VERIFIER_NAMES \
                and not is_builtin_source(r.source):
            raise RuleError(r.source, r.id, "verify", f"'{r.verifier}' is a built-in verifier: declare yours "
                            "under another name")
        if r.verifier is not None and r.verify is None and r.verifier not in VERIFIER_NAMES:
            raise RuleError(r.source, r.id, "verifier", f"no verifier named '{r.verifier}'")


def _checksums() -> Mapping[str, Any]:
    from scanner.engine.checksums import CHECKSUMS  # engine imports this module: look it up late

    return CHECKSUMS


def _optional_name(item: Mapping[str, Any], name: str, source: str, rid: str) -> str | None:
    if item.get(name) is None:
        return None
    return _str(item, name, source, rid)


def _check_unique(rules: Sequence[Rule]) -> None:
    seen: dict[str, str] = {}
    for r in rules:
        if r.id in seen:
            raise RuleError(r.source, r.id, "id", f"duplicate rule id (also in {seen[r.id]})")
        seen[r.id] = r.source


def _severity(value: Any, source: str, rid: str) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError as e:
        allowed = ", ".join(s.value for s in Severity)
        raise RuleError(source, rid, "severity", f"must be one of {allowed}") from e


def _str(item: Mapping[str, Any], name: str, source: str, rid: str) -> str:
    v = item.get(name)
    if not isinstance(v, str) or not v:
        raise RuleError(source, rid, name, "must be a non-empty string")
    return v


def _str_list(item: Mapping[str, Any], name: str, source: str, rid: str) -> tuple[str, ...]:
    v = item.get(name, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise RuleError(source, rid, name, "must be a list of non-empty strings")
    return tuple(v)


def _check_group(compiled: Any, group: Any, source: str, rid: str) -> None:
    if isinstance(group, bool) or not isinstance(group, int | str):
        raise RuleError(source, rid, "secret_group", "must be a group number or name")
    if isinstance(group, int) and not 0 <= group <= compiled.groups:
        raise RuleError(source, rid, "secret_group", f"regex has only {compiled.groups} groups")
    if isinstance(group, str) and group not in compiled.groupindex:
        raise RuleError(source, rid, "secret_group", f"regex has no group named '{group}'")


def _examples(item: Mapping[str, Any], name: str, source: str, rid: str) -> tuple[Example, ...]:
    raw = item.get(name, [])
    if not isinstance(raw, list):
        raise RuleError(source, rid, name, "must be a list")
    out = []
    for i, e in enumerate(raw):
        if isinstance(e, str):
            out.append(Example(text=e))
        elif isinstance(e, Mapping) and isinstance(e.get("text"), str):
            out.append(Example(text=e["text"], secret=e.get("secret"), path=e.get("path")))
        else:
            raise RuleError(source, rid, f"{name}[{i}]", "must be a string or a table with 'text'")
    return tuple(out)
