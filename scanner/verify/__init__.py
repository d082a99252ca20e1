"""Live verification: ask each credential's own provider whether it still works.

The names are loaded on first use (PEP 562): loading rules only needs `scanner.verify.names`, and
importing the verifiers brings in boto3, a quarter of a second of start-up a scan without
`--verify` should not pay."""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Credential": "base", "Outcome": "base", "OutcomeCache": "base", "Verifier": "base", "VerifyContext": "base",
    "keep_valid": "runner", "verify_findings": "runner", "VerifySettings": "settings", "user_config_path": "settings",
}

__all__ = [
    "Credential", "Outcome", "OutcomeCache", "Verifier", "VerifyContext", "VerifySettings",
    "keep_valid", "user_config_path", "verify_findings",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'scanner.verify' has no attribute {name!r}")
    return getattr(importlib.import_module(f"scanner.verify.{home}"), name)
