"""Error hierarchy. The CLI maps ConfigError/RuleError to exit 2, the rest to exit 3."""

from __future__ import annotations


class KeysweepError(Exception):
    """Base for every error keysweep raises on purpose."""

    exit_code = 3


class ConfigError(KeysweepError):
    """A configuration file or command-line option is wrong."""

    exit_code = 2


class RuleError(ConfigError):
    """A rule definition is malformed (names the file, the rule and the field)."""

    def __init__(self, source: str, rule_id: str | None, field: str | None, message: str) -> None:
        self.source = source
        self.rule_id = rule_id
        self.field = field
        where = source
        if rule_id:
            where += f": rule '{rule_id}'"
        if field:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")


class SourceError(KeysweepError):
    """A scan target cannot be read (the scan of the other targets goes on)."""


class VerifyError(KeysweepError):
    """A verifier failed in a way that is not a verdict about the secret."""


class CloudError(KeysweepError):
    """A cloud API call failed (credentials, permissions, throttling)."""
