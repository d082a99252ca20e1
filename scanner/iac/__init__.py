"""Structure-aware scanning of infrastructure code (placeholder until the IaC module lands)."""

from __future__ import annotations

from scanner.engine import Engine
from scanner.models import Finding


def scan_structured(path: str, text: str, engine: Engine) -> list[Finding] | None:
    return None
