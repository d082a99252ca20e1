"""The structure-aware rules: decided from the parse tree, not by a regex over the text.

They are ordinary `Rule` values so reporters, baselines and `rules list` treat them like
any other rule; `regex` documents the attribute names each one looks at and is never run
over file text.
"""

from __future__ import annotations

from scanner.models import Rule, Severity

_SENSITIVE_NAME = r"(?i)(?:secret|passw(?:or)?d|pwd|passphrase|token|credentials?|api_?key|access_key|private_key|auth)"
_TAGS = ("iac", "terraform")


def _rule(rid: str, description: str, severity: Severity, regex: str = _SENSITIVE_NAME) -> Rule:
    return Rule(id=rid, description=description, severity=severity, keywords=(), regex=regex,
                tags=_TAGS, source="scanner/iac/rules.py")


PROVIDER_CREDENTIAL = _rule(
    "terraform-provider-credential", "Literal credential in a Terraform provider block", Severity.CRITICAL)
BACKEND_CREDENTIAL = _rule(
    "terraform-backend-credential", "Literal credential in a Terraform backend or cloud block", Severity.CRITICAL)
VARIABLE_DEFAULT = _rule(
    "terraform-variable-default-secret", "Secret as the default of a Terraform variable", Severity.HIGH)
HARDCODED = _rule(
    "terraform-hardcoded-secret",
    "Literal secret in Terraform configuration (locals, module arguments, resources, outputs)", Severity.HIGH)
TFVARS = _rule("terraform-tfvars-secret", "Secret assigned in a Terraform variables file", Severity.HIGH)
STATE = _rule("tfstate-secret", "Plaintext secret in a Terraform state resource attribute", Severity.CRITICAL)
STATE_OUTPUT = _rule("tfstate-output-secret", "Plaintext secret in a Terraform state output", Severity.HIGH)

IAC_RULES: tuple[Rule, ...] = (
    PROVIDER_CREDENTIAL, BACKEND_CREDENTIAL, VARIABLE_DEFAULT, HARDCODED, TFVARS, STATE, STATE_OUTPUT,
)
