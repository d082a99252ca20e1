"""Confidence: how sure a finding is a real credential, with a short reason (pure).

The base level comes from the rule's shape: a checksummed or strictly prefixed format is high; a
context format (a prefix-less value next to the provider's name), a private key or a credential file
is medium; a value in a generic password/token slot is medium when it is a strong literal and low when
it is weak or word-like, except a password in a deployment config file (`.env`, application.properties,
docker-compose ...), which is medium however weak unless it is a service's default. Context then
lowers it one step: test, fixture, example, documentation, mock and vendored paths,
`*.example`/`*.sample` files, and values that look made up for tests. A checksum-valid
secret is never lowered; a provider's "valid" verdict raises any finding to high.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import replace

from scanner.engine import filters as flt
from scanner.engine.entropy import shannon
from scanner.engine.lazyre import lazy
from scanner.models import Confidence, Finding, Rule, VerificationStatus

# checksums that prove the value came from the provider (the others check structure only)
STRONG_CHECKSUMS = frozenset({"github", "npm"})

CONTEXT_PATH = lazy(
    r"(?i)(?:^|/)(?:t|tests?|testing|unit_?tests?|integration_?tests?|spec|specs|__tests__|__mocks__"
    r"|fixtures?|testdata|test_?data|test_?files|examples?|samples?|mocks?|demos?|docs?|documentation|vendor|vendored|third_party|thirdparty"
    r"|node_modules|site-packages)(?:/|$)"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_tests?\.[a-z]+|[^/]*\.(?:spec|test)\.[a-z]+|conftest\.py"
    r"|[^/]*\.(?:example|sample|dist|template|tmpl)|[^/]*\.(?:md|rst|adoc|ipynb))$"
)
# values people type when they need a credential-shaped string in a test
_MADE_UP = lazy(
    r"(?i)test|fake|dummy|example|sample|mock|stub|bogus|invalid|secret|passw|hunter2|foo|qwerty|asdf|deadbeef"
    r"|place_?holder|changeit|letmein|welcome|admin"
    r"|(.)\1{4}"
)
_SHORT_VALUE = 120  # longer values (keys, certificates) contain test words by chance
_TYPED = 20  # values up to this long may be typed by a person (leetspeak counts whole)
_HEX = lazy(r"^[0-9a-fA-F]+$")
_RUN = 5  # this many consecutive ascending characters (`12345`, `abcde`) look typed, not generated
_FORMAT = lazy(r"%[sdr(]|\{\d*\}|\{[a-z_]+\}")  # a format string (`%s`, `{0}`, `{name}`), not a value
# leetspeak undone both ways a typed `pa33w0rd` or `s3cr3t` can mean
_LEET = (str.maketrans("013457@$", "oieastas"), str.maketrans("0134579@$", "oisastgas"))
# a line that is a comment in the common syntaxes (shell/YAML/Python, C family, SQL, INI, block bodies)
_COMMENT = lazy(r"^[ \t]*(?:#|//|--|;|/?\*|<!--)")
_UUID = lazy(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_B64 = lazy(r"^[A-Za-z0-9+/]{16,}={0,2}$")


def assess(rule: Rule, secret: str, path: str, line: str = "") -> tuple[Confidence, str]:
    """The confidence of a finding of `rule` for `secret` at `path` (on `line`), and why."""
    level, reason = base(rule, secret)
    if rule.checksum in STRONG_CHECKSUMS:
        return level, reason
    why = lowering(path, secret, rule, line)
    if why is None or level is Confidence.LOW:
        return level, reason if why is None else f"{reason}; {why}"
    return level.lowered(), f"{reason}; lowered: {why}"


def base(rule: Rule, secret: str) -> tuple[Confidence, str]:
    if rule.confidence is not None:
        return Confidence(rule.confidence), f"{rule.confidence} by rule"
    if rule.checksum in STRONG_CHECKSUMS:
        return Confidence.HIGH, f"{rule.checksum} checksum valid"
    tags = set(rule.tags)
    if _slot(rule):
        weak = weakness(secret)
        if weak and "weak-password" in tags and weak != "value looks made up" and not service_default(secret):
            return Confidence.MEDIUM, f"password in a deployment config file ({weak}: still a leak)"
        if weak:
            return Confidence.LOW, weak
        return Confidence.MEDIUM, "strong literal in a generic secret slot"
    if "key" in tags:
        return Confidence.MEDIUM, "private key"
    if "credential-file" in tags or rule.path_only:
        return Confidence.MEDIUM, "credential file"
    low = secret.lower()
    if any(k in low for k in rule.keywords):
        return Confidence.HIGH, "provider prefix and format"
    return Confidence.MEDIUM, "provider context and value format"


def weakness(secret: str) -> str | None:
    """Why a value in a generic slot is weak (short, word-like, dictionary, an id), or None."""
    v = secret.strip()
    if len(v) < 10:
        return "short value"
    if _UUID.match(v):
        return "UUID-shaped value"
    if flt._wordlike(v) or flt._wordlike(flt._TRAILING_DIGITS.sub("", v.rstrip("!@#$%^&*?."))):
        return "word-like value"
    if made_up(v):
        return "value looks made up"
    if _FORMAT.search(v):
        return "format string"
    if _plain_text_base64(v):
        return "base64 of plain text"
    if flt._char_classes(v) < 2 or shannon(v) < 3.0:
        return "low-entropy value"
    return None


# the passwords services ship with or images set by default (a local-development stack, not a leak)
_SERVICE_DEFAULTS = frozenset({
    "postgres", "postgresql", "mysql", "mariadb", "root", "toor", "guest", "redis", "rabbitmq", "mongo",
    "mongodb", "admin", "sa", "oracle", "elastic", "changeme", "password", "secret", "pass", "user",
    "minio", "minioadmin", "keycloak", "airflow", "superset", "grafana", "jenkins", "sonar", "docker",
    "vagrant", "ubuntu", "test", "dev", "local", "default", "app",
})


def service_default(secret: str) -> bool:
    """A service's out-of-the-box password (`postgres`, `guest`, `minioadmin` ...)."""
    return secret.lower() in _SERVICE_DEFAULTS


def lowering(path: str, secret: str, rule: Rule, line: str = "") -> str | None:
    """Why context lowers the confidence one step, or None."""
    if CONTEXT_PATH.search(path):
        return "test, example, documentation or vendored path"
    if "password-hash" in rule.tags and _COMMENT.match(line):
        return "password hash in a comment (documentation or example output)"
    if not _slot(rule) and len(secret) <= _SHORT_VALUE and made_up(_without_prefix(secret, rule)):
        return "value looks made up for tests"
    return None


def _slot(rule: Rule) -> bool:
    """A rule that judges a value by the name it is assigned to (generic and Terraform rules)."""
    return "generic" in rule.tags or "iac" in rule.tags


def made_up(v: str) -> bool:
    """Test words, a character repeated five times, or a typed run such as `12345` or `abcde`.

    Words spelt in leetspeak count too, except where chance makes them: in a value longer than a typed
    one, never if it is hex (`f00`, `7e57` and `a5df` are ordinary hex) and otherwise only as a word of
    four or more letters (a random 40-character key reads `FO0` or `5555` often enough to matter).
    """
    if _MADE_UP.search(v):
        return True
    typed = len(v) <= _TYPED
    if typed or not _HEX.match(v):
        for table in _LEET:
            for m in _MADE_UP.finditer(v.translate(table)):
                if typed or (m.group(1) is None and len(m.group()) >= 4):
                    return True
    run = 1
    for a, b in zip(v, v[1:], strict=False):
        run = run + 1 if ord(b) - ord(a) == 1 and a.isalnum() and b.isalnum() else 1
        if run >= _RUN:
            return True
    return False


def _without_prefix(secret: str, rule: Rule) -> str:
    low = secret.lower()
    for k in rule.keywords:
        i = low.find(k)
        if i >= 0:
            return secret[i + len(k):]
    return secret


def _plain_text_base64(v: str) -> bool:
    if not _B64.match(v) or len(v) % 4:
        return False
    try:
        raw = base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return False
    return text.isprintable() and sum(ch.isalpha() or ch == " " for ch in text) >= 0.8 * len(text)


def verified(findings: Iterable[Finding]) -> list[Finding]:
    """A provider's "valid" verdict makes a finding high confidence, whatever its context."""
    out = []
    for f in findings:
        if f.verification is not None and f.verification.status is VerificationStatus.VALID:
            f = replace(f, confidence=Confidence.HIGH, confidence_reason="verified live by the provider")
        out.append(f)
    return out


def at_least(findings: Sequence[Finding], level: Confidence) -> tuple[list[Finding], int]:
    """The findings at `level` or above, and how many were hidden."""
    kept = [f for f in findings if f.confidence.rank >= level.rank]
    return kept, len(findings) - len(kept)


def shown(findings: Sequence[Finding], min_confidence: str) -> tuple[list[Finding], int]:
    """`--min-confidence`: the findings reported (a live verdict counts as high) and how many are hidden."""
    return at_least(verified(findings), Confidence(min_confidence))
