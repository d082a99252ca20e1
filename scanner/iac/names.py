"""Which attribute names hold credentials, and which literal values can be one.

Pure functions over names and values; the vocabulary is Terraform's (snake_case
attributes, provider and backend arguments).
"""

from __future__ import annotations

import enum
import functools

import regex


class Sensitivity(enum.Enum):
    SENSITIVE = "sensitive"  # the name says credential: password, secret_key, api_token ...
    NEUTRAL = "neutral"  # says nothing: inherits from an enclosing sensitive name
    EXCLUDED = "excluded"  # names something about a credential, not the credential: secret_arn, token_ttl


_WORDS = frozenset({
    "secret", "secrets", "password", "passwords", "passwd", "pwd", "passphrase", "token", "tokens",
    "credential", "credentials", "creds", "apikey", "auth", "authorization", "sas", "psk", "pat",
})
_PAIRS = frozenset({
    ("api", "key"), ("app", "key"), ("access", "key"), ("private", "key"), ("client", "key"),
    ("secret", "key"), ("service", "key"), ("master", "key"), ("account", "key"), ("storage", "key"),
    ("signing", "key"), ("encryption", "key"), ("license", "key"), ("shared", "key"), ("conn", "str"),
    ("connection", "string"), ("auth", "key"), ("admin", "key"), ("webhook", "secret"), ("bearer", "token"),
})
_SUBSTRINGS = ("password", "passwd", "secret", "token", "apikey", "privatekey", "accesskey", "clientsecret")
# The last word names a property of a credential, not the credential itself.
_EXCLUDED_LAST = frozenset({
    "name", "names", "arn", "arns", "id", "ids", "file", "files", "path", "paths", "dir", "env", "version",
    "versions", "ttl", "type", "types", "length", "len", "count", "enabled", "policy", "policies", "rotation",
    "prefix", "suffix", "region", "url", "uri", "urls", "endpoint", "host", "hosts", "port", "header",
    "format", "mode", "algorithm", "method", "days", "seconds", "minutes", "hours", "expiry", "expiration",
    "expires", "duration", "lifetime", "bits", "size", "min", "max", "required", "sensitive", "fingerprint",
    "role", "roles", "scope", "scopes", "location", "template", "store", "source", "ref", "spec", "usage",
    "description", "label", "labels", "tags", "user", "username", "users", "owner", "issuer", "audience",
    "kms", "provider", "backend", "manager", "vault", "rule", "rules", "window", "schedule", "status",
    "field", "fields", "reference", "output", "var", "variable", "parameter", "selector", "command",
    "param", "params", "script", "hash", "digest", "checksum", "sha", "sha256", "md5", "public", "pub", "cert",
    "certificate",
    "ca", "email", "display", "timeout", "interval", "account", "project", "group", "groups",
})
_EXCLUDED_FIRST = frozenset({
    "use", "skip", "enable", "enabled", "disable", "min", "max", "require", "requires", "allow", "is", "has",
    "num", "auto", "create", "generate", "rotate", "manage", "ignore", "public", "encrypted", "kms",
})
_EXCLUDED_ANYWHERE = frozenset({"public", "encrypted", "kms", "ssm", "secretsmanager", "policy", "length"})
_SPLIT = regex.compile(r"[_\-.\s]+|(?<=[a-z0-9])(?=[A-Z])")

# Provider arguments that are credentials although their names alone do not say so.
PROVIDER_CREDENTIALS: dict[str, frozenset[str]] = {
    "aws": frozenset({"access_key", "secret_key", "token"}),
    "alicloud": frozenset({"access_key", "secret_key", "security_token"}),
    "azurerm": frozenset({"client_secret", "client_certificate_password", "client_certificate", "oidc_token"}),
    "azuread": frozenset({"client_secret", "client_certificate_password", "client_certificate", "oidc_token"}),
    "google": frozenset({"credentials", "access_token"}),
    "google-beta": frozenset({"credentials", "access_token"}),
    "vault": frozenset({"token"}),
    "github": frozenset({"token"}),
    "gitlab": frozenset({"token"}),
    "kubernetes": frozenset({"token", "password", "client_key"}),
    "helm": frozenset({"token", "password", "client_key"}),
    "databricks": frozenset({"token", "password", "client_secret", "azure_client_secret", "google_credentials"}),
    "datadog": frozenset({"api_key", "app_key"}),
    "cloudflare": frozenset({"api_token", "api_key", "api_user_service_key"}),
    "digitalocean": frozenset({"token", "spaces_secret_key"}),
    "nomad": frozenset({"secret_id"}),
    "consul": frozenset({"token", "http_auth"}),
    "grafana": frozenset({"auth"}),
    "tfe": frozenset({"token"}),
    "okta": frozenset({"api_token", "private_key"}),
    "auth0": frozenset({"client_secret", "api_token"}),
    "mongodbatlas": frozenset({"private_key"}),
    "snowflake": frozenset({"password", "private_key", "private_key_passphrase"}),
    "oci": frozenset({"private_key", "private_key_password"}),
    "hcloud": frozenset({"token"}),
    "linode": frozenset({"token"}),
    "newrelic": frozenset({"api_key", "admin_api_key"}),
    "pagerduty": frozenset({"token", "user_token"}),
    "heroku": frozenset({"api_key"}),
    "fastly": frozenset({"api_key"}),
    "sentry": frozenset({"token"}),
    "opsgenie": frozenset({"api_key"}),
    "rabbitmq": frozenset({"password"}),
    "postgresql": frozenset({"password"}),
    "mysql": frozenset({"password"}),
    "vsphere": frozenset({"password"}),
    "openstack": frozenset({"password", "token", "application_credential_secret"}),
}

# Backend arguments that are credentials.
BACKEND_CREDENTIALS = frozenset({
    "access_key", "secret_key", "token", "client_secret", "sas_token", "password", "conn_str",
    "access_token", "credentials", "client_certificate_password", "oidc_token",
})


# Resource arguments that hold the secret payload itself (everything inside them is secret).
RESOURCE_CREDENTIALS: dict[str, frozenset[str]] = {
    "azurerm_key_vault_secret": frozenset({"value"}),
    "aws_secretsmanager_secret_version": frozenset({"secret_string"}),
    "google_secret_manager_secret_version": frozenset({"secret_data"}),
    "github_actions_secret": frozenset({"plaintext_value"}),
    "github_actions_organization_secret": frozenset({"plaintext_value"}),
    "github_dependabot_secret": frozenset({"plaintext_value"}),
    "kubernetes_secret": frozenset({"data", "string_data"}),
    "kubernetes_secret_v1": frozenset({"data", "string_data"}),
    "vault_generic_secret": frozenset({"data_json"}),
    "vault_kv_secret_v2": frozenset({"data_json"}),
    "heroku_config": frozenset({"sensitive_vars"}),
}
# Resource arguments that are secret only when another argument says so.
CONDITIONAL_CREDENTIALS: dict[str, tuple[str, str, str]] = {
    "aws_ssm_parameter": ("value", "type", "SecureString"),
    "tfe_variable": ("value", "sensitive", "true"),
    "gitlab_project_variable": ("value", "masked", "true"),
}


_AWS_KEYS = {"access_key": "aws_access_key_id", "secret_key": "aws_secret_access_key", "token": "aws_session_token"}
# Key names to show the engine instead of the attribute name, by provider, backend or resource
# type: `secret_key` in an aws provider block is what AWS's own rules call aws_secret_access_key.
ENGINE_KEY_ALIASES: dict[str, dict[str, str]] = {
    "aws": _AWS_KEYS,
    "s3": _AWS_KEYS,
    "aws_iam_access_key": {"id": "aws_access_key_id", "secret": "aws_secret_access_key"},
}


def words(name: str) -> list[str]:
    return [w.lower() for w in _SPLIT.split(name) if w]


@functools.lru_cache(maxsize=4096)
def classify(name: str) -> Sensitivity:
    ws = words(name)
    if not ws:
        return Sensitivity.NEUTRAL
    if ws[-1] in _EXCLUDED_LAST or ws[0] in _EXCLUDED_FIRST or _EXCLUDED_ANYWHERE.intersection(ws):
        return Sensitivity.EXCLUDED
    if _WORDS.intersection(ws) or any(p in _PAIRS for p in zip(ws, ws[1:], strict=False)):
        return Sensitivity.SENSITIVE
    joined = "".join(ws)
    if any(s in joined for s in _SUBSTRINGS):
        return Sensitivity.SENSITIVE
    return Sensitivity.NEUTRAL


def is_sensitive(name: str) -> bool:
    return classify(name) is Sensitivity.SENSITIVE


def provider_credential(provider: str, name: str) -> bool:
    return name in PROVIDER_CREDENTIALS.get(provider, ()) or is_sensitive(name)


def backend_credential(name: str) -> bool:
    return name in BACKEND_CREDENTIALS or is_sensitive(name)


# -- values ---------------------------------------------------------------------------------

_PATH_LIKE = regex.compile(
    r"^(?:~|\.{1,2}|[A-Za-z]:)?[\\/][\w.\\/ @-]*$"  # rooted: /run/secrets/db, ./creds, ~/.aws, C:\\keys
    r"|^[\w.\\/@-]+\.(?:json|pem|key|p12|pfx|crt|txt|yaml|yml|cfg|conf|env)$"  # a file name: creds/sa.json
)
_NOT_SECRET_PREFIXES = ("arn:", "projects/", "http://", "https://", "file://", "s3://", "gs://", "vault:",
                        "ssm:", "secretsmanager:", "sha256:", "data:")
MIN_LENGTH = 6
MIN_ENTROPY = 2.0


def can_be_secret(value: str, multiline: bool) -> bool:
    """A literal that could be a credential (before entropy and placeholder filters)."""
    v = value.strip()
    if len(v) < MIN_LENGTH:
        return False
    if multiline:
        return True
    if any(ch.isspace() for ch in v):
        return False  # sentences and descriptions, not credentials
    low = v.lower()
    if low.startswith(_NOT_SECRET_PREFIXES):
        return False
    return not _PATH_LIKE.match(v)
