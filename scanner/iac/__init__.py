"""Structure-aware scanning of infrastructure code: Terraform configuration, variables and state.

`scan_structured` is the hook every source calls for whole files (files, archive members, image
layers, history and staged versions): it returns
findings for the formats handled here and None for everything else (the plain engine
then scans the file). It decides by file name only, so other files cost a suffix check.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from scanner.engine import Engine
from scanner.models import Finding

_STATE_SUFFIXES = (".tfstate", ".tfstate.backup")


def file_kind(path: str) -> str | None:
    """'tf', 'tf.json', 'tfvars', 'tfvars.json' or 'tfstate' for the formats handled here, else None."""
    name = path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    if name.endswith(".tf"):
        return "tf"
    if name.endswith(".tf.json"):
        return "tf.json"
    if name.endswith(".tfvars"):
        return "tfvars"
    if name.endswith(".tfvars.json"):
        return "tfvars.json"
    if name.endswith(_STATE_SUFFIXES):
        return "tfstate"
    return None


def scan_structured(path: str, text: str, engine: Engine) -> list[Finding] | None:
    kind = file_kind(path)
    if kind is None:
        return None
    if engine.path_allowed(path):
        return []  # the global allowlist excludes this path (structural findings included)
    if kind == "tfstate":
        from scanner.iac.tfstate import scan_state

        found = scan_state(path, text, engine)
    else:
        from scanner.iac.terraform import scan_terraform

        found = scan_terraform(path, text, engine, tfvars=kind.startswith("tfvars"),
                               json_syntax=kind.endswith("json"))
    # the configuration's disabled rules and secret allowlist apply to structural findings too
    return [f for f in found if engine.rule_enabled(f.rule_id) and not engine.secret_allowed(f.secret)]


def on_lines(found: Iterable[Finding], lines: Collection[int]) -> list[Finding]:
    """The findings touching one of `lines` (a change's added lines, numbered in the whole file)."""
    return [f for f in found if any(n in lines for n in range(f.line, f.end_line + 1))]


__all__ = ["file_kind", "on_lines", "scan_structured"]
