"""Terraform state files: plaintext secrets in resource attributes and root outputs.

State is JSON. Format 4 (Terraform >= 0.12) keeps `resources[].instances[].attributes`
and `outputs`; format 3 keeps `modules[].resources{address: {primary: {attributes}}}`
with flattened attribute names. Findings carry the resource address
(`module.ci.aws_iam_access_key.deployer[0]`) in `extra["resource"]`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.engine import Engine
from scanner.errors import SourceError
from scanner.iac import names
from scanner.iac import rules as iac_rules
from scanner.iac.jsonpos import JsonLocator, Path, string_leaves
from scanner.iac.literals import Flagged, Group, Literal
from scanner.iac.names import Sensitivity
from scanner.iac.values import scan_groups
from scanner.models import Chunk, Finding, Origin

log = logging.getLogger(__name__)

# Attributes that hold a plaintext secret although their names do not say so.
STATE_SECRETS: dict[str, frozenset[str]] = {
    "aws_iam_access_key": frozenset({"secret", "ses_smtp_password_v4"}),
    "aws_iam_user_login_profile": frozenset({"password"}),
    "random_password": frozenset({"result"}),
    "azuread_application_password": frozenset({"value"}),
    "azuread_service_principal_password": frozenset({"value"}),
    "google_service_account_key": frozenset({"private_key"}),
    **names.RESOURCE_CREDENTIALS,
}
# Derived or public values that state marks sensitive but that are not the secret itself.
_NOT_SECRET_PREFIX = ("encrypted_", "key_fingerprint", "pgp_key", "bcrypt_hash", "public_key")


class StateError(SourceError):
    """A state file is not valid JSON or not a Terraform state."""


@dataclass(frozen=True)
class StateInstance:
    address: str  # e.g. module.ci.aws_iam_access_key.deployer["blue"]
    type: str
    name: str
    mode: str  # managed | data
    attributes: Mapping[str, Any]
    sensitive: frozenset[str] = frozenset()  # top-level attribute names marked sensitive
    path_prefix: Path = ()  # JSON path of the `attributes` object, for locating its values
    flat: bool = False  # format 3: attribute names are flattened ("tags.%", "data.password")


@dataclass(frozen=True)
class StateOutput:
    name: str
    value: Any
    sensitive: bool
    path_prefix: Path = ()


@dataclass(frozen=True)
class State:
    instances: tuple[StateInstance, ...] = ()
    outputs: tuple[StateOutput, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)


def load_state(text: str) -> State:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise StateError(f"not valid JSON ({type(e).__name__} at {_where(e)})") from e
    if not isinstance(data, dict) or not ("resources" in data or "modules" in data or "outputs" in data):
        raise StateError("not a Terraform state (no resources, modules or outputs)")
    if isinstance(data.get("modules"), list):
        return State(tuple(_v3_instances(data)), tuple(_v3_outputs(data)), data)
    return State(tuple(_v4_instances(data)), tuple(_v4_outputs(data)), data)


def _where(e: Exception) -> str:
    line = getattr(e, "lineno", None)
    return f"line {line}" if line else "unknown position"


def _index_suffix(key: Any) -> str:
    if key is None:
        return ""
    return f"[{json.dumps(key)}]" if isinstance(key, str) else f"[{key}]"


def _sensitive_names(paths: Any) -> frozenset[str]:
    """Top-level attribute names from `sensitive_attributes` (a list of paths, each a list of steps)."""
    out = set()
    for p in paths if isinstance(paths, list) else ():
        steps = p if isinstance(p, list) else [p]
        first = steps[0] if steps else None
        if isinstance(first, dict) and first.get("type") == "get_attr" and isinstance(first.get("value"), str):
            out.add(first["value"])
    return frozenset(out)


def _v4_instances(data: Mapping[str, Any]) -> Iterator[StateInstance]:
    for ri, res in enumerate(data.get("resources") or ()):
        if not isinstance(res, dict):
            continue
        rtype, rname = str(res.get("type", "")), str(res.get("name", ""))
        mode = str(res.get("mode", "managed"))
        base = ("data." if mode == "data" else "") + f"{rtype}.{rname}"
        if res.get("module"):
            base = f"{res['module']}.{base}"
        for ii, inst in enumerate(res.get("instances") or ()):
            if not isinstance(inst, dict) or not isinstance(inst.get("attributes"), dict):
                continue
            yield StateInstance(
                address=base + _index_suffix(inst.get("index_key")), type=rtype, name=rname, mode=mode,
                attributes=inst["attributes"], sensitive=_sensitive_names(inst.get("sensitive_attributes")),
                path_prefix=("resources", ri, "instances", ii, "attributes"),
            )


def _v4_outputs(data: Mapping[str, Any]) -> Iterator[StateOutput]:
    outputs = data.get("outputs")
    if isinstance(outputs, dict):
        for name, out in outputs.items():
            if isinstance(out, dict):
                yield StateOutput(name, out.get("value"), bool(out.get("sensitive")), ("outputs", name, "value"))


def _v3_instances(data: Mapping[str, Any]) -> Iterator[StateInstance]:
    for mi, mod in enumerate(data.get("modules") or ()):
        if not isinstance(mod, dict):
            continue
        mpath = [p for p in mod.get("path") or () if p != "root"]
        prefix = "".join(f"module.{p}." for p in mpath)
        for addr, res in (mod.get("resources") or {}).items():
            primary = res.get("primary") if isinstance(res, dict) else None
            if not isinstance(primary, dict) or not isinstance(primary.get("attributes"), dict):
                continue
            mode = "data" if addr.startswith("data.") else "managed"
            parts = addr.split(".")
            rtype, rname = (parts[1], parts[2]) if mode == "data" and len(parts) > 2 else (parts[0], parts[-1])
            rtype = str(res.get("type") or rtype)
            yield StateInstance(
                address=prefix + addr, type=rtype, name=rname, mode=mode, attributes=primary["attributes"],
                path_prefix=("modules", mi, "resources", addr, "primary", "attributes"), flat=True,
            )


def _v3_outputs(data: Mapping[str, Any]) -> Iterator[StateOutput]:
    for mi, mod in enumerate(data.get("modules") or ()):
        if not isinstance(mod, dict) or [p for p in mod.get("path") or () if p != "root"]:
            continue  # only root outputs
        for name, out in (mod.get("outputs") or {}).items():
            if isinstance(out, dict):
                yield StateOutput(name, out.get("value"), bool(out.get("sensitive")),
                                  ("modules", mi, "outputs", name, "value"))


# -- scanning -------------------------------------------------------------------------------

def _attribute_keys(inst: StateInstance, rel: Path) -> list[str]:
    keys = [k for k in rel if isinstance(k, str)]
    if inst.flat and keys:
        keys = [p for p in keys[0].split(".") if p and p != "%" and p != "#" and not p.isdigit()] or keys
    return keys


def _by_names(keys: list[str], start: bool) -> bool:
    s = start
    for k in keys:
        c = names.classify(k)
        s = c is Sensitivity.SENSITIVE or s and c is Sensitivity.NEUTRAL
    return s


def _conditional_secret(inst: StateInstance) -> frozenset[str]:
    cond = names.CONDITIONAL_CREDENTIALS.get(inst.type)
    if cond and str(inst.attributes.get(cond[1], "")).lower() == cond[2].lower():
        return frozenset({cond[0]})
    return frozenset()


def _instance_secret(inst: StateInstance, keys: list[str], extra: frozenset[str]) -> bool:
    if not keys or keys[0].startswith(_NOT_SECRET_PREFIX):
        return False
    top = keys[0]
    start = top in STATE_SECRETS.get(inst.type, ()) or top in inst.sensitive or top in extra
    return _by_names(keys[1:], start) if start else _by_names(keys, False)


@dataclass
class _Groups:
    loc: JsonLocator
    by_prefix: dict[Path, tuple[str, Any]]  # attributes/value path -> ("instance"|"output", object)
    literals: dict[Path, list[Literal]] = field(default_factory=dict)
    flagged: dict[Path, list[Flagged]] = field(default_factory=dict)

    def add(self, prefix: Path, rel: Path, value: str, offset: int | None) -> None:
        kind, obj = self.by_prefix[prefix]
        line, col = self.loc.value_position(offset, self.loc.pos)
        if kind == "instance":
            keys = _attribute_keys(obj, rel)
            secret = _instance_secret(obj, keys, _conditional_secret(obj))
            key = keys[-1] if keys else obj.type
            if len(keys) == 1:
                key = names.ENGINE_KEY_ALIASES.get(obj.type, {}).get(key, key)
            rule, context = iac_rules.STATE, f"{obj.type} attribute"
        else:
            keys = [k for k in rel if isinstance(k, str)]
            secret = obj.sensitive or _by_names([obj.name, *keys], False)
            key = keys[-1] if keys else obj.name
            rule, context = iac_rules.STATE_OUTPUT, "output"
        lits = self.literals.setdefault(prefix, [])
        lits.append(Literal(key, value, line, col))
        if secret:
            self.flagged.setdefault(prefix, []).append(Flagged(rule, len(lits) - 1, context))

    def groups(self) -> list[Group]:
        out = []
        for prefix, lits in self.literals.items():
            kind, obj = self.by_prefix[prefix]
            resource = obj.address if kind == "instance" else f"output.{obj.name}"
            out.append(Group(tuple(lits), tuple(self.flagged.get(prefix, ())), resource, resource))
        return out


def state_groups(text: str, state: State) -> list[Group]:
    by_prefix: dict[Path, tuple[str, Any]] = {i.path_prefix: ("instance", i) for i in state.instances}
    by_prefix.update({o.path_prefix: ("output", o) for o in state.outputs})
    depths = sorted({len(p) for p in by_prefix})
    g = _Groups(JsonLocator(text), by_prefix)
    for path, value, offset in string_leaves(state.data, g.loc):
        for d in depths:
            if path[:d] in by_prefix:
                g.add(path[:d], path[d:], value, offset)
                break
    return g.groups()


def scan_state(path: str, text: str, engine: Engine) -> list[Finding]:
    if not text.strip():
        return []
    try:
        state = load_state(text)
        groups = state_groups(text, state)
    except (StateError, RecursionError) as e:
        reason = e if isinstance(e, StateError) else "nested too deeply"
        log.warning("%s: %s; scanned as plain text", path, reason)
        return engine.scan(Chunk(text, Origin(path=path)))
    findings = scan_groups(engine, path, text, groups)
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule_id))
