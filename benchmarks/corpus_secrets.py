"""Planted secrets and look-alikes for the benchmark corpus.

A `Secret` is a credential value built from the seeded RNG in its provider's
published shape. `render` writes it in the syntax of a host file type (an
assignment in Python, a key in YAML, an ENV line in a Dockerfile ...), returning
the lines to insert and the offset of the line that holds the secret's start.
Decoys are values that look like credentials but must not be reported.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

from scanner.engine.checksums import github_token_with_checksum

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
UPPER32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
PASSWORD_CHARS = ALNUM + "!#*-_.^"


def rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


@dataclass(frozen=True)
class Secret:
    kind: str
    key: str  # logical variable name, e.g. "aws_secret_access_key"
    value: str  # the text planted (token, URI or PEM block)
    secret: str  # the credential itself (for URIs: the password)


def _aws_pair(rng: random.Random) -> list[Secret]:
    key_id = "AKIA" + rand(rng, UPPER32, 16)
    secret = rand(rng, B64, 40)
    return [
        Secret("aws-access-key-id", "aws_access_key_id", key_id, key_id),
        Secret("aws-secret-access-key", "aws_secret_access_key", secret, secret),
    ]


def _one(kind: str, keys: tuple[str, ...], make: Callable[[random.Random], str]) -> Callable[
    [random.Random], list[Secret]
]:
    def factory(rng: random.Random) -> list[Secret]:
        value = make(rng)
        return [Secret(kind, rng.choice(keys), value, value)]

    return factory


def _slack_bot(rng: random.Random) -> str:
    return f"xoxb-{rng.randrange(10**10, 10**12)}-{rng.randrange(10**10, 10**13)}-{rand(rng, ALNUM, 24)}"


def _slack_webhook(rng: random.Random) -> str:
    team = "T" + rand(rng, string.ascii_uppercase + string.digits, 10)
    hook = "B" + rand(rng, string.ascii_uppercase + string.digits, 10)
    return f"https://hooks.slack.com/services/{team}/{hook}/{rand(rng, ALNUM, 24)}"


def _openai(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"sk-{rand(rng, ALNUM, 20)}T3BlbkFJ{rand(rng, ALNUM, 20)}"
    return f"sk-proj-{rand(rng, URLSAFE, 74)}T3BlbkFJ{rand(rng, URLSAFE, 74)}"


def _connection_uri(rng: random.Random) -> list[Secret]:
    scheme, port, key = rng.choice(
        [
            ("postgres", 5432, "database_url"),
            ("postgresql", 5432, "db_url"),
            ("mysql", 3306, "database_url"),
            ("mongodb+srv", 0, "mongo_uri"),
            ("redis", 6379, "redis_url"),
            ("amqp", 5672, "broker_url"),
        ]
    )
    user = rng.choice(["app", "svc_orders", "billing_rw", "admin", "etl"])
    password = rand(rng, ALNUM, rng.randrange(16, 28))
    host = f"{rng.choice(['db', 'primary', 'cluster0', 'mq'])}.{rand(rng, string.ascii_lowercase, 6)}.internal"
    where = f"{host}:{port}" if port else host
    uri = f"{scheme}://{user}:{password}@{where}/{rng.choice(['orders', 'app', 'billing', 'events'])}"
    return [Secret("connection-uri", key, uri, password)]


def _password(rng: random.Random) -> str:
    return rand(rng, ALNUM, 4) + rand(rng, PASSWORD_CHARS, rng.randrange(12, 22))


def _pem(rng: random.Random, label: str, body_bytes: int, prefix: bytes = b"") -> str:
    body = base64.b64encode(prefix + rng.randbytes(body_bytes)).decode()
    rows = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *rows, f"-----END {label}-----"])


def _private_key(rng: random.Random) -> list[Secret]:
    kind = rng.choice(["rsa", "ec", "openssh"])
    if kind == "rsa":
        pem = _pem(rng, "RSA PRIVATE KEY", 1190, b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00")
    elif kind == "ec":
        pem = _pem(rng, "EC PRIVATE KEY", 115, b"\x30\x77\x02\x01\x01\x04\x20")
    else:
        pem = _pem(rng, "OPENSSH PRIVATE KEY", 380, b"openssh-key-v1\x00\x00\x00\x00\x04none")
    key = rng.choice(["private_key", "tls_key", "signing_key", "deploy_key"])
    return [Secret(f"private-key-{kind}", key, pem, pem)]


FACTORIES: dict[str, Callable[[random.Random], list[Secret]]] = {
    "aws": _aws_pair,
    "github-pat": _one(
        "github-pat",
        ("github_token", "gh_token", "github_pat"),
        lambda r: github_token_with_checksum(rand(r, ALNUM, 30)),
    ),
    "gitlab-pat": _one(
        "gitlab-pat", ("gitlab_token", "gitlab_private_token"), lambda r: "glpat-" + rand(r, URLSAFE, 20)
    ),
    "slack-bot-token": _one("slack-bot-token", ("slack_bot_token", "slack_token"), _slack_bot),
    "slack-webhook": _one("slack-webhook", ("slack_webhook_url", "alert_webhook"), _slack_webhook),
    "stripe-live-key": _one(
        "stripe-live-key",
        ("stripe_secret_key", "stripe_api_key"),
        lambda r: "sk_live_" + rand(r, ALNUM, r.choice([24, 34, 99])),
    ),
    "private-key": _private_key,
    "google-api-key": _one(
        "google-api-key", ("google_api_key", "maps_api_key", "firebase_api_key"),
        lambda r: "AIza" + rand(r, URLSAFE, 35),
    ),
    "sendgrid-api-key": _one(
        "sendgrid-api-key", ("sendgrid_api_key", "mail_api_key"),
        lambda r: f"SG.{rand(r, URLSAFE, 22)}.{rand(r, URLSAFE, 43)}",
    ),
    "npm-token": _one(
        "npm-token", ("npm_token", "npm_auth_token"),
        lambda r: github_token_with_checksum(rand(r, ALNUM, 30), prefix="npm_"),
    ),
    "openai-api-key": _one("openai-api-key", ("openai_api_key", "llm_api_key"), _openai),
    "connection-uri": _connection_uri,
    "generic-password": _one(
        "generic-password", ("db_password", "admin_password", "smtp_password", "keystore_password"),
        _password,
    ),
}

# How many of each family a full corpus plants (an AWS entry is a key id + secret pair).
PLAN: dict[str, int] = {
    "aws": 14, "github-pat": 14, "gitlab-pat": 10, "slack-bot-token": 10, "slack-webhook": 8,
    "stripe-live-key": 10, "private-key": 12, "google-api-key": 10, "sendgrid-api-key": 8,
    "npm-token": 10, "openai-api-key": 10, "connection-uri": 14, "generic-password": 16,
}

# Host file types each family is written into (file types from corpus_content.BANKS, plus "pem").
HOSTS: dict[str, tuple[str, ...]] = {
    "aws": ("env", "ini", "py", "js", "ts", "yaml", "tf", "properties", "sh", "json", "rb", "go"),
    "github-pat": ("env", "ci", "sh", "py", "js", "json", "md", "go", "dockerfile"),
    "gitlab-pat": ("env", "ci", "sh", "toml", "py", "rb"),
    "slack-bot-token": ("env", "py", "js", "yaml", "json", "rb", "php"),
    "slack-webhook": ("yaml", "sh", "py", "js", "json", "tf", "go", "minjs"),
    "stripe-live-key": ("env", "py", "js", "ts", "php", "rb", "java", "cs"),
    "private-key": ("pem", "pem", "k8s", "tf", "py", "json"),
    "google-api-key": ("js", "ts", "json", "yaml", "env", "xml", "md", "py", "minjs"),
    "sendgrid-api-key": ("env", "py", "js", "php", "rb", "yaml", "cs"),
    "npm-token": ("npmrc", "env", "ci", "sh", "dockerfile"),
    "openai-api-key": ("env", "py", "js", "ts", "yaml", "json", "md"),
    "connection-uri": ("env", "yaml", "py", "js", "go", "json", "tf", "compose", "k8s"),
    "generic-password": ("py", "yaml", "ini", "properties", "toml", "json", "xml", "env", "tf", "php",
                         "java", "cs", "rb", "sh"),
}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.capitalize() for p in rest)


def _pascal(key: str) -> str:
    return "".join(p.capitalize() for p in key.split("_"))


def _indent_block(value: str, indent: str) -> list[str]:
    return [indent + row for row in value.split("\n")]


def render(host: str, key: str, value: str) -> tuple[list[str], int]:
    """Lines that assign `value` to `key` in a `host` file, and the index of the value's first line."""
    up, camel, pascal = key.upper(), _camel(key), _pascal(key)
    if "\n" in value:
        return _render_multiline(host, key, value)
    forms: dict[str, str] = {
        "py": f'{up} = "{value}"',
        "js": f'const {camel} = "{value}";',
        "ts": f"export const {camel}: string = '{value}';",
        "go": f'\t{camel} := "{value}"',
        "java": f'    private static final String {up} = "{value}";',
        "rb": f'  config.{key} = "{value}"',
        "php": f"        '{key}' => '{value}',",
        "cs": f'        private const string {pascal} = "{value}";',
        "yaml": f"{key}: {value}",
        "json": f'  "{camel}": "{value}",',
        "ini": f"{key} = {value}",
        "toml": f'{key} = "{value}"',
        "env": f"{up}={value}",
        "properties": f"app.{key.replace('_', '-')}={value}",
        "xml": f'  <add key="{pascal}" value="{value}" />',
        "tf": f'  {key} = "{value}"',
        "tfvars": f'{key} = "{value}"',
        "dockerfile": f"ENV {up}={value}",
        "compose": f"      {up}: {value}",
        "k8s": f"  {up}: \"{value}\"",
        "ci": f"  {up}: {value}",
        "sh": f'export {up}="{value}"',
        "md": f"    export {up}={value}",
        "npmrc": f"//registry.npmjs.org/:_authToken={value}",
        "minjs": f'var {camel}="{value}";',
    }
    return [forms[host]], 0


def _render_multiline(host: str, key: str, pem: str) -> tuple[list[str], int]:
    if host == "pem":
        return pem.split("\n"), 0
    if host == "k8s":
        head = ["---", "apiVersion: v1", "kind: Secret", "metadata:", f"  name: {key.replace('_', '-')}",
                "type: Opaque", "stringData:", f"  {key}.pem: |"]
        return head + _indent_block(pem, "    "), len(head)
    if host == "tf":
        head = [f'resource "tls_self_signed_cert" "{key}" {{', f"  {key}_pem = <<-EOT"]
        return head + _indent_block(pem, "    ") + ["  EOT", "}"], len(head)
    if host == "py":
        return [f'{key.upper()} = """{pem.split(chr(10))[0]}', *pem.split("\n")[1:], '"""'], 0
    if host == "json":  # service-account style: the PEM on one line with escaped newlines
        return [f'  "{key}": "{pem.replace(chr(10), chr(92) + "n")}\\n",'], 0
    raise ValueError(f"no multi-line form for host {host!r}")


@dataclass(frozen=True)
class Decoy:
    kind: str
    host: str
    line: str


def decoys(rng: random.Random) -> list[Decoy]:
    """Look-alikes that a good scanner must not report (one of each, in varied hosts)."""
    bad_ghp = "ghp_" + rand(rng, ALNUM, 36)
    while github_token_with_checksum(bad_ghp[4:34]) == bad_ghp:
        bad_ghp = "ghp_" + rand(rng, ALNUM, 36)
    return [
        Decoy("aws-doc-example", "ini", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
        Decoy("aws-doc-example", "ini", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        Decoy("aws-doc-example", "md", "    export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"),
        Decoy("template", "env", "DB_PASSWORD=${DB_PASSWORD}"),
        Decoy("template", "yaml", "password: {{ .Values.db.password }}"),
        Decoy("template", "py", 'DB_PASSWORD = os.environ["DB_PASSWORD"]'),
        Decoy("template", "js", "const dbPassword = process.env.DB_PASSWORD;"),
        Decoy("template", "tf", "  password = var.db_password"),
        Decoy("template", "ini", "password = %(db_password)s"),
        Decoy("template", "sh", 'export DATABASE_URL="postgres://app:${DB_PASS}@db.internal:5432/app"'),
        Decoy("placeholder", "yaml", "admin_password: changeme"),
        Decoy("placeholder", "env", "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
        Decoy("placeholder", "py", 'API_KEY = "<your-api-key>"'),
        Decoy("placeholder", "js", 'const githubToken = "your_token_here";'),
        Decoy("placeholder", "properties", "app.smtp-password=xxxxxxxxxxxx"),
        Decoy("placeholder", "md", "    export SLACK_BOT_TOKEN=xoxb-your-bot-token"),
        Decoy("placeholder", "yaml", "database_url: postgres://user:password@localhost:5432/mydb"),
        Decoy("bad-checksum", "env", f"GITHUB_TOKEN={bad_ghp}"),
    ]
