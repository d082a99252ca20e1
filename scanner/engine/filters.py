"""False-positive filters: small pure functions over a candidate, cheapest first.

Each filter returns a short reason when the candidate is not a secret, else None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from scanner.engine.checksums import CHECKSUMS
from scanner.models import Rule

INLINE_ALLOW_MARKERS = ("keysweep:allow", "gitleaks:allow", "pragma: allowlist secret")


@dataclass(frozen=True)
class Candidate:
    rule: Rule
    secret: str
    match: str
    line_text: str  # full text of the line(s) holding the match
    path: str
    key: str | None = None  # assignment key name when the rule captures one


Filter = Callable[[Candidate], str | None]

# Values that documentation uses in place of a real credential.
_PLACEHOLDER_WORDS = (
    "changeme", "change_me", "change-me", "replaceme", "replace_me", "replace-me", "your_", "your-",
    "yourpassword", "yourtoken", "yourkey", "yoursecret", "insert_", "insert-", "put_your", "put-your",
    "_here", "-here", "example", "placeholder", "dummy", "sample", "redacted", "<redacted>",
    "notasecret", "not_a_secret", "not-a-secret", "notreal", "fake_", "fakefake", "foobar", "xxxxx",
    "*****", "....", "todo", "tbd", "fixme", "enter_", "enter-", "my_secret", "mysecret", "mypassword",
    "my_password", "secret123", "password123", "p@ssw0rd", "s3cr3t", "test1234", "abcdefgh", "12345678",
    "qwerty", "letmein", "<", ">", "...", "${", "{{", "}}",
)
_EXACT_PLACEHOLDERS = frozenset({
    "password", "passwd", "secret", "token", "apikey", "api_key", "null", "none", "nil", "true", "false",
    "undefined", "empty", "string", "str", "value", "test", "testing", "admin", "root", "user", "username",
    "pass", "default", "required", "optional", "hidden", "masked", "secure", "private", "public",
})

# Templates and references: the value names a variable, it is not the secret itself.
_REFERENCE = regex.compile(
    r"""^(?:
        \$\{[^}]*\}                              # ${VAR}, ${{ secrets.X }}
      | \$\(\s*[^)]*\)                            # $(cmd)
      | \$[A-Za-z_][A-Za-z0-9_]*                  # $VAR
      | %\([^)]+\)[sdr]                           # %(x)s
      | %[A-Za-z_][A-Za-z0-9_]*%                  # %VAR%
      | \{\{.*\}\}                                # {{ var }}
      | \{%.*%\}                                  # {% tag %}
      | <%=?.*%>                                  # erb
      | \#\{[^}]*\}                               # ruby interpolation
      | (?:os\.environ|os\.getenv|getenv|process\.env|ENV|env|System\.getenv|Environment\.GetEnvironmentVariable)\b.*
      | (?:var|local|module|data|each|self|terraform)\.[A-Za-z_][\w.\[\]"-]*  # terraform references
      | (?:secrets|vars|env|inputs|needs|steps|github|matrix)\.[A-Za-z_][\w.]*   # CI expressions
      | <[^<>\s]{1,60}>                           # <your-api-key>
      | \[[A-Z_ -]{3,60}\]                        # [API KEY]
    )$""",
    regex.VERBOSE,
)
# An identifier or call on the right-hand side: `password = get_password()`, `token = self.token`.
_CODE_EXPRESSION = regex.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*(?:\(.*\)|\[.*\])?$"
)
_UUID = regex.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_GIT_SHA = regex.compile(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
_INTEGRITY = regex.compile(r"^(?:sha1|sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$")
_SECRET_KEY_NAMES = regex.compile(
    r"(?i)(?:secret|passw|pwd|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth)"
)

# Vendor documentation examples that are published as non-secrets.
DOC_EXAMPLES = frozenset({
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ASIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "xoxb-not-a-real-token-this-will-not-work",
})

_LOCKFILE_PATH = regex.compile(
    r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock"
    r"|Cargo\.lock|composer\.lock|Gemfile\.lock|go\.sum|packages\.lock\.json|bun\.lock|uv\.lock|gradle\.lockfile)$"
)
TEST_PATH = regex.compile(
    r"(?i)(?:^|/)(?:tests?|spec|specs|__tests__|fixtures?|testdata|test_data|examples?|samples?|mocks?|demo)(?:/|$)"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_test\.[a-z]+|[^/]*\.(?:spec|test)\.[a-z]+|[^/]*\.example|[^/]*\.sample)$"
)


def inline_allow(c: Candidate) -> str | None:
    low = c.line_text.lower()
    for marker in INLINE_ALLOW_MARKERS:
        if marker in low:
            return "inline allow"
    return None


def doc_example(c: Candidate) -> str | None:
    return "vendor documentation example" if c.secret in DOC_EXAMPLES else None


def single_char_run(c: Candidate) -> str | None:
    s = c.secret
    body = s.split("_", 1)[-1] if "_" in s[:12] else s
    return "repeated character" if len(set(body)) <= 2 and len(body) >= 3 else None


def placeholder(c: Candidate) -> str | None:
    low = c.secret.lower()
    if low.strip("'\"` ") in _EXACT_PLACEHOLDERS:
        return "placeholder"
    for word in _PLACEHOLDER_WORDS:
        if word in low:
            return "placeholder"
    return None


def reference(c: Candidate) -> str | None:
    v = c.secret.strip().strip("'\"`")
    if _REFERENCE.match(v):
        return "template or reference"
    return None


def code_expression(c: Candidate) -> str | None:
    """A generic assignment whose value is an identifier or call, not a literal."""
    if "generic" not in c.rule.tags:
        return None
    v = c.secret.strip()
    if v and v[0] not in "'\"" and _CODE_EXPRESSION.match(v) and (
        "." in v or "(" in v or "[" in v or v.isidentifier() and not _looks_random(v)
    ):
        return "code expression"
    return None


def uuid_or_sha_without_context(c: Candidate) -> str | None:
    if not (_UUID.match(c.secret) or _GIT_SHA.match(c.secret)):
        return None
    context = c.key or ""
    if _SECRET_KEY_NAMES.search(context):
        return None
    if "uuid" in c.rule.tags or "hex" in c.rule.tags:
        return None  # the rule itself asks for this shape with its own context
    return "uuid or git sha without secret context"


def lockfile_integrity(c: Candidate) -> str | None:
    if _INTEGRITY.match(c.secret):
        return "integrity hash"
    if _LOCKFILE_PATH.search(c.path) and "generic" in c.rule.tags:
        return "lock file"
    return None


def stopwords(c: Candidate) -> str | None:
    low = c.secret.lower()
    for w in c.rule.stopwords:
        if w in low:
            return "stop word"
    return None


def checksum(c: Candidate) -> str | None:
    if c.rule.checksum is None:
        return None
    check = CHECKSUMS.get(c.rule.checksum)
    if check is not None and not check(c.secret):
        return "checksum mismatch"
    return None


def _looks_random(v: str) -> bool:
    return sum(ch.isdigit() for ch in v) >= 2 and any(ch.isupper() for ch in v) and any(ch.islower() for ch in v)


# Order matters: cheapest and most decisive first.
DEFAULT_FILTERS: tuple[Filter, ...] = (
    doc_example,
    single_char_run,
    checksum,
    stopwords,
    lockfile_integrity,
    reference,
    code_expression,
    placeholder,
    uuid_or_sha_without_context,
)


def first_reason(c: Candidate, filters: tuple[Filter, ...] = DEFAULT_FILTERS) -> str | None:
    for f in filters:
        reason = f(c)
        if reason:
            return reason
    return None
