"""The verifiers, by the name a rule's `verifier` field uses: the checks that cannot be declared
(AWS signs its requests) are code; every other one is a declaration in the built-in rule files, or
in a user's rules file (`registry_for` adds those)."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.models import Rule
from scanner.rules import builtin_declarations
from scanner.verify.aws import AWS
from scanner.verify.azure import AZURE_STORAGE
from scanner.verify.base import Verifier
from scanner.verify.declared import DeclaredCheck
from scanner.verify.gcp import GCP_SERVICE_ACCOUNT

CODE: dict[str, Verifier] = {v.name: v for v in (AWS, AZURE_STORAGE, GCP_SERVICE_ACCOUNT)}
VERIFIERS: dict[str, Verifier] = {**CODE, **{d.name: DeclaredCheck(d) for d in builtin_declarations()}}


def registry_for(rules: Iterable[Rule]) -> dict[str, Verifier]:
    """The built-in verifiers plus those the given rules declare (a declaration never replaces a
    built-in verifier: rules files are refused at load when they try)."""
    out = dict(VERIFIERS)
    for r in rules:
        if r.verify is not None and r.verify.name not in out:
            out[r.verify.name] = DeclaredCheck(r.verify)
    return out
