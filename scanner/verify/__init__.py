"""Live verification: ask each credential's own provider whether it still works."""

from scanner.verify.base import Credential, Outcome, OutcomeCache, Verifier, VerifyContext
from scanner.verify.runner import keep_valid, verify_findings
from scanner.verify.settings import VerifySettings, user_config_path

__all__ = [
    "Credential", "Outcome", "OutcomeCache", "Verifier", "VerifyContext", "VerifySettings",
    "keep_valid", "user_config_path", "verify_findings",
]
