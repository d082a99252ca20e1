"""False-positive filters: small pure functions over a candidate, cheapest first.

Each filter returns a short reason when the candidate is not a secret, else None.
Filters that judge a value by its key name or its shape apply to generic rules only
(tag "generic"); a provider-specific rule already brings its own context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from scanner.engine.checksums import CHECKSUMS
from scanner.engine.lazyre import lazy
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

# Values that documentation uses in place of a real credential (substrings, lower-case).
_PLACEHOLDER_WORDS = (
    "changeme", "change_me", "change-me", "changeit", "replaceme", "replace_me", "replace-me", "your_",
    "your-", "yourpassword", "yourtoken", "yourkey", "yoursecret", "insert_", "insert-", "put_your",
    "put-your", "_here", "-here", "example", "placeholder", "dummy", "sample", "redacted", "notasecret",
    "not_a_secret", "not-a-secret", "notreal", "not_real", "not-real", "fake_", "fake-", "fakefake",
    "foobar", "xxxxx", "*****", "***", "••", "....", "enter_", "enter-", "my_secret", "mysecret",
    "mypassword", "my_password", "secret123", "password123", "password1", "passw0rd", "p@ssw0rd", "p4ssw0rd",
    "s3cr3t", "test1234", "abcdefgh", "abcd1234", "12345678", "87654321", "qwerty", "letmein", "unique phrase",
    "<", ">", "...", "${", "{{", "}}", "<%", "%>", "#{", "$(", "%(", "{%", "%}", "[[", "]]", "((", "))",
)
# Short words that only count as placeholders on their own, not inside random characters, nor
# right after a backslash: in `\nA/...` (an escaped newline in a JSON key file, then a base64 line
# starting "A/") the "n" belongs to the escape, and one service-account key in forty has such a line.
_SHORT_PLACEHOLDER = lazy(r"(?<![a-z0-9\\])(?:todo|tbd|fixme|xxxx?|n/?a)(?![a-z0-9])")
_EXACT_PLACEHOLDERS = frozenset({
    "password", "passwd", "secret", "token", "apikey", "api_key", "null", "none", "nil", "true", "false",
    "undefined", "empty", "string", "str", "value", "test", "testing", "admin", "root", "user", "username",
    "pass", "default", "required", "optional", "hidden", "masked", "secure", "private", "public", "guest",
    "postgres", "mysql", "redis", "rabbitmq", "toor", "welcome", "unset", "notset", "not_set", "unknown",
    "dev", "development", "local", "localhost", "changeit", "secretkey", "secret_key", "accesstoken",
    "access_token", "authtoken", "auth_token", "bearer", "basic", "xxx", "n/a", "na", "tbd", "todo",
    "anonymous", "guest@",
})

# Templates and references: the value names a variable or a secret store, it is not the secret itself.
_REFERENCE = lazy(
    r"""^(?:
        \$\{[^}]*\}\}?                            # ${VAR}, ${{ secrets.X }}
      | \$\(\s*[^)]*\)                            # $(cmd), $(Pipeline.Var)
      | \$[A-Za-z_][\w.\[\]-]*                     # $VAR, $request.header.x
      | \$env:[A-Za-z_][A-Za-z0-9_]*              # PowerShell $env:VAR
      | %\([^)]+\)[sdr]                           # %(x)s
      | %[A-Za-z_][A-Za-z0-9_]*%                  # %VAR%
      | %env\([^)]*\)%                            # Symfony %env(X)%
      | env\([^)]*\)                              # env(X)
      | \{\{.*\}\}                                # {{ var }}
      | \{%.*%\}                                  # {% tag %}
      | \(\(.*\)\)                                # ((concourse-var))
      | <%=?.*%>                                  # erb
      | \#\{[^}]*\}                               # ruby interpolation, Octopus #{Var}
      | \{[A-Za-z_][\w.-]*\}                      # {password} format placeholders
      | @[A-Za-z_][\w.-]*@                        # @maven.filter@
      | __[A-Z0-9_]+__                            # __TOKEN__ replacement markers
      | :[a-z_][a-z0-9_]*                         # ruby symbol
      | ![A-Za-z][\w!]*                           # YAML tags: !vault, !Ref, !Sub, !secret
      | \$ANSIBLE_VAULT;.*                        # ansible-vault ciphertext
      | (?:ENC|DEC)[\[(].*                        # sops / jasypt encrypted values
      | \{cipher\}.*                              # Spring Cloud Config ciphertext
      | vault:v\d+:.*                             # Vault transit ciphertext
      | AQICAH[A-Za-z0-9+/=]+                     # AWS KMS ciphertext blob
      | arn:aws[\w-]*:(?:secretsmanager|ssm|kms):.*   # AWS secret-manager references
      | (?:ssm|secretsmanager|vault|sm|gcpsm|azkv|op|doppler|infisical|keyvault|awssm)://.*
      | @Microsoft\.KeyVault\(.*                  # Azure App Service Key Vault reference
      | projects/[^/]+/secrets/.*                 # GCP Secret Manager resource name
      | (?:os\.environ|os\.getenv|getenv|process\.env|ENV|env|System\.getenv|Environment\.GetEnvironmentVariable)\b.*
      | (?:var|local|module|data|each|self|terraform)\.[A-Za-z_][\w.\[\]"-]*  # terraform references
      | (?:secrets|vars|env|inputs|needs|steps|github|matrix)\.[A-Za-z_][\w.]*   # CI expressions
      | <[^<>\s]{1,60}>                           # <your-api-key>
      | \[[A-Z_ -]{3,60}\]                        # [API KEY]
      | \*{3,}|•{3,}                              # masked
    )$""",
    regex.VERBOSE,
)
# An identifier or call on the right-hand side: `password = get_password()`, `token = self.token`.
_CODE_EXPRESSION = lazy(
    r"^(?:[A-Za-z_$][A-Za-z0-9_$]*(?:\.|::|->))*[A-Za-z_$][A-Za-z0-9_$]*(?:\(.*\)|\[.*\])?[;,]?$"
)
# Source files, where a bare word on the right of `=` is a variable; in config files it is a literal.
_CODE_PATH = lazy(
    r"(?i)\.(?:py|pyi|pyw|js|jsx|mjs|cjs|ts|tsx|vue|svelte|go|java|kt|kts|scala|groovy|gradle|rb|php|cs|vb|fs"
    r"|swift|m|mm|c|h|cc|cpp|cxx|hpp|rs|dart|lua|pl|pm|r|jl|ex|exs|erl|clj|cljs|hs|ml|sol|tf|hcl)$"
    r"|(?:^|/)(?:Jenkinsfile|Rakefile|Gemfile|Vagrantfile|Fastfile|Podfile)$"
)
_UUID = lazy(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_GIT_SHA = lazy(r"^[0-9a-f]{40}$|^[0-9a-f]{64}$")
_INTEGRITY = lazy(r"^(?:sha1|sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$")
_SECRET_KEY_NAMES = lazy(
    r"(?i)(?:secret|passw|pwd|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth)"
)

# -- value shapes that are not plaintext secrets (generic rules) -----------------------------------
_FILE_PATH = lazy(
    r"""^(?:~?/|\.{1,2}/|[A-Za-z]:[\\/]|\\\\|file:)
      | \.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|json|ya?ml|toml|txt|env|conf|cfg|ini|properties|xml
            |gpg|asc|enc|pub|secrets?|db|sqlite|log|sh|ps1|py|js|ts|rb|go|java|php|html?|csv)$""",
    regex.VERBOSE | regex.IGNORECASE,
)
_URL = lazy(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s]*$")
_URL_USERINFO_PASSWORD = lazy(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")
_HASHED = lazy(
    r"^(?:\$(?:2[abxy]?|5|6|y|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?|scrypt|sha1|apr1)\$"
    r"|\{(?:SHA|SSHA|SHA256|SSHA256|SHA512|SSHA512|bcrypt|MD5|CRYPT)\}"
    r"|(?:sha1|sha224|sha256|sha384|sha512|md5|pbkdf2_sha256|bcrypt|argon2)[:$])",
    regex.IGNORECASE,
)
_NOT_SECRET_SHAPE = lazy(
    r"""^(?:
        v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?            # version
      | \d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?           # date
      | \d{1,3}(?:\.\d{1,3}){3}(?::\d+)?               # IPv4
      | [\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}    # e-mail address (letters-only TLD)
      | \#?[0-9a-fA-F]{3}|\#[0-9a-fA-F]{6}            # colours
      | [A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+                  # an environment variable's NAME
      | arn:[\w-]+:.*                                 # an AWS resource name
    )$""",
    regex.VERBOSE,
)
_TEMPLATE_DELIMITERS = (("{{", "}}"), ("{%", "%}"), ("<%", "%>"), ("${", "}"), ("#{", "}"))
# a value that mentions what it stands for (`import-token-5ott6h`, `smb-server-password`) is a name
_NAMES_A_SECRET = lazy(r"(?i)(?<![a-z0-9])(?:token|secret|password|passwd|api[_-]?key)(?![a-z0-9])")
_HEX = lazy(r"^(?:0x)?[0-9a-fA-F]+$")
_HOSTNAME = lazy(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# vendor prefixes whose tokens carry a checksum (see engine.checksums)
_CHECKSUMMED_PREFIXES = (("ghp_", "github"), ("gho_", "github"), ("ghu_", "github"), ("ghs_", "github"),
                         ("ghr_", "github"), ("npm_", "npm"))
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pass", "passphrase", "passcode", "pw"})
_CAMEL_WORDS = lazy(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_LETTER_RUNS = lazy(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_VOWELS = frozenset("aeiouy")
_TRAILING_DIGITS = lazy(r"[-_.]?\d{1,4}$")

# -- key names -------------------------------------------------------------------------------------
_SECRET_STEMS = frozenset({
    "password", "passwd", "pwd", "pass", "passphrase", "passcode", "pw", "secret", "token", "key", "apikey",
    "credential", "credentials", "auth", "authorization", "bearer", "salt", "jwt",
})
_STEM_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey", "credential", "credentials")
_PLURAL_STEMS = frozenset({"passwords", "secrets", "tokens", "keys", "apikeys"})
# a word after the secret word that makes the key about something else: `password_length`, `token_url`
_NON_SECRET_SUFFIX = frozenset({
    "hash", "hashed", "digest", "length", "len", "size", "min", "max", "minimum", "maximum", "policy", "policies",
    "field", "fields", "label", "prompt", "placeholder", "hint", "help", "text", "message", "msg", "title",
    "regex", "regexp", "pattern", "rule", "rules", "reset", "forgot", "url", "uri", "urls", "endpoint", "path",
    "file", "filename", "dir", "directory", "env", "var", "variable", "name", "names", "id", "ids", "type",
    "types", "kind", "mode", "enabled", "enable", "disabled", "required", "expiry", "expires", "expiration",
    "expire", "exp", "ttl", "timeout", "lifetime", "count", "counter", "attempts", "retries", "version",
    "format", "strength", "validator", "validation", "header", "headers", "param", "params", "parameter",
    "prefix", "suffix", "limit", "ref", "reference", "arn", "at", "in", "manager", "provider", "store",
    "storage", "class", "factory", "service", "option", "options", "location", "source", "method",
    "algorithm", "alg", "encoding", "charset", "index", "idx", "position", "offset", "separator", "chars",
    "changed", "updated", "created", "last", "age", "history", "generator", "input", "output", "box",
    "button", "btn", "form", "view", "screen", "page", "component", "icon", "style", "visible", "visibility",
    "show", "hidden", "toggle", "error", "errors", "err", "status", "state", "request", "response", "callback",
    "handler", "budget", "usage", "cost", "price", "rate", "window", "estimate", "total", "num", "number",
    "set", "selector", "element", "widget", "schema", "spec", "metadata", "keys", "lookup", "mapping",
    "map", "lock", "mutex", "paths", "dialog", "modal", "verifier", "expression", "selection",
    "host", "hostname", "port", "server", "address", "addr", "domain", "region", "bucket", "queue", "topic",
    "database", "db", "table", "username", "login", "email", "owner", "group", "role", "scope", "scopes",
    "audience", "issuer", "realm", "zone", "cluster", "namespace", "project", "org", "organization", "team",
    "pool", "channel",
    "template", "example", "sample", "test", "mock", "stub", "dummy", "fixture", "default",
})
# a word right before the secret word: `max_tokens`, `csrf_token`, `public_key`
_NON_SECRET_PREFIX = frozenset({
    "is", "has", "show", "hide", "min", "max", "num", "total", "forgot", "no", "use", "enable", "enabled",
    "disable", "require", "requires", "validate", "check", "input", "output", "prompt", "completion", "csrf",
    "xsrf", "anti", "next", "page", "continuation", "cancellation", "cancel", "pagination", "sync", "resume",
    "cursor", "lex", "lexer", "parse", "parser", "eof", "first", "last", "prev", "previous", "special", "bos",
    "eos", "pad", "unk", "sep", "cls", "mask", "word", "sub", "public", "pub", "publishable", "site",
    "foreign", "primary", "sort", "partition", "hash", "range", "cache", "idempotency", "dedup", "unique",
    "lookup", "dict", "map", "object", "row", "column", "shard", "sitekey", "recaptcha", "form", "field",
    "reset", "confirm", "repeat", "retype", "mock", "fake", "dummy", "example", "sample", "change", "lock",
    "request", "action", "copy", "starting", "start", "unit", "import", "update", "policy", "verification",
    "forward", "backward", "product",
})
# prefixes that only make a *token* something else: `client_token` (idempotency), but `client_secret` is a secret
_NON_SECRET_PREFIX_FOR = {"token": frozenset({"client"})}
_GENERIC_KEY_SPLIT = lazy(r"[^A-Za-z0-9]+")

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
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
})
# Hosts that only documentation uses, in URLs with credentials.
_DOC_HOST = lazy(
    r"@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|example|test|invalid)(?:[:/?#\"'\s]|$)"
    r"|@(?:host|hostname|server|your[\w-]*|my[\w-]*host|db-?host|<[^>]*>)(?:[:/?#\"'\s]|$)",
    regex.IGNORECASE,
)

LOCKFILE_NAMES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Pipfile.lock",
    "Cargo.lock", "composer.lock", "Gemfile.lock", "go.sum", "packages.lock.json", "bun.lock", "uv.lock",
    "gradle.lockfile",
})
TEST_PATH = lazy(
    r"(?i)(?:^|/)(?:tests?|spec|specs|__tests__|fixtures?|testdata|test_data|examples?|samples?|mocks?|demo)(?:/|$)"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_test\.[a-z]+|[^/]*\.(?:spec|test)\.[a-z]+|[^/]*\.example|[^/]*\.sample)$"
)


def _generic(c: Candidate) -> bool:
    return "generic" in c.rule.tags


def inline_allow(c: Candidate) -> str | None:
    low = c.line_text.lower()
    for marker in INLINE_ALLOW_MARKERS:
        if marker in low:
            return "inline allow"
    return None


_FINGERPRINT_TAIL = lazy(r"^[0-9a-f]{20}$")


def keysweep_fingerprint(c: Candidate) -> str | None:
    """The value is the hash part of a keysweep fingerprint (`generic-password:3df370fdf9b7066229db`) in a
    baseline, a report or a log: keysweep's own output, not a secret."""
    s = c.secret
    if len(s) != 20 or not _FINGERPRINT_TAIL.match(s):
        return None
    line = c.line_text
    i = line.find(":" + s)
    while i >= 0:
        j = i
        while j > 0 and (line[j - 1].isalnum() or line[j - 1] in "._-"):
            j -= 1
        rule_id = line[j:i]
        after = line[i + 21:i + 22]
        if "-" in rule_id and rule_id[:1].isalnum() and not (after and after in "0123456789abcdef"):
            return "keysweep fingerprint"
        i = line.find(":" + s, i + 1)
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
    if _SHORT_PLACEHOLDER.search(low):
        return "placeholder"
    if ("uri" in c.rule.tags or _generic(c)) and _DOC_HOST.search(c.match):
        return "documentation host"
    return None


def reference(c: Candidate) -> str | None:
    v = c.secret.strip().strip("'\"`")
    if _REFERENCE.match(v):
        return "template or reference"
    return None


def code_expression(c: Candidate) -> str | None:
    """A generic assignment whose value is an identifier, attribute or call, not a literal."""
    if not _generic(c) or _quoted(c):
        return None
    v = c.secret.strip()
    if not v or not _CODE_EXPRESSION.match(v):
        return None
    names = [p for p in regex.split(r"[.()\[\]$:;,>-]+", v) if p]
    if any(_looks_random(p) for p in names):
        return None  # a JWT or a token with dots, not code
    if "(" in v or "[" in v:
        return "code expression"
    if _CODE_PATH.search(c.path) and (len(names) > 1 or v.isidentifier()):
        return "code expression"  # in config files a bare word is the literal value
    return None


def inside_template(c: Candidate) -> str | None:
    """A generic match inside a template expression (`{{ lookup('x', 'secret=a/b') }}`, `${...}`)."""
    if not _generic(c):
        return None
    i = c.line_text.find(c.match)
    if i <= 0:
        return None
    before = c.line_text[:i]
    for opening, closing in _TEMPLATE_DELIMITERS:
        if before.rfind(opening) > before.rfind(closing):
            return "inside a template expression"
    return None


def key_name(c: Candidate) -> str | None:
    """The key says the value is not the secret itself: `password_length`, `max_tokens`, `token_url`."""
    if not _generic(c) or not c.key:
        return None
    words = key_words(c.key)
    idx = _last_secret_word(words)
    if idx is None:
        return "key name without a secret word"
    if words[idx] in _PLURAL_STEMS:
        return "key names a collection"
    if any(w in _NON_SECRET_SUFFIX for w in words[idx + 1:]):
        return "key names something about the secret"
    if idx > 0 and (words[idx - 1] in _NON_SECRET_PREFIX
                    or words[idx - 1] in _NON_SECRET_PREFIX_FOR.get(words[idx], ())):
        return "key names something about the secret"
    return None


def value_shape(c: Candidate) -> str | None:
    """Generic values shaped like something other than a plaintext secret."""
    if not _generic(c):
        return None
    v = c.secret
    # a password slot of a deployment config file: a weak value there (digits, one word) is the leak
    weak_ok = "weak-password" in c.rule.tags
    if v.isdigit() and not weak_ok:
        return "numeric"
    if _URL.match(v) and not _URL_USERINFO_PASSWORD.match(v):
        return "url without credentials"
    if _FILE_PATH.search(v) or _pathlike(v):
        return "file path"
    if _HASHED.match(v):
        return "password hash"
    if _NOT_SECRET_SHAPE.match(v):
        return "not a secret shape"
    if _HOSTNAME.match(v):
        return "host name"
    if _NAMES_A_SECRET.search(v):
        return "value names a secret"
    if _HEX.match(v) and len(v) < 32 and not _password_like(c) and not (len(v) >= 24 and _names_secret(c)):
        return "short hex identifier"
    if weak_ok:
        return None
    if "jwt" not in c.rule.tags and _char_classes(v) < 2:
        return "one character class"
    if _wordlike(v) and not (_password_like(c) and _digits_and_symbol(v)):
        return "words"
    return None


def uuid_or_sha_without_context(c: Candidate) -> str | None:
    if not _generic(c):
        return None  # a specific rule brings its own context (prefix or provider name)
    if not (_UUID.match(c.secret) or _GIT_SHA.match(c.secret)):
        return None
    context = c.key or ""
    if _SECRET_KEY_NAMES.search(context):
        return None
    if "uuid" in c.rule.tags or "hex" in c.rule.tags:
        return None  # the rule itself asks for this shape with its own context
    return "uuid or git sha without secret context"


def lockfile_integrity(c: Candidate) -> str | None:
    if c.secret.startswith("sha") and _INTEGRITY.match(c.secret):  # (cheap tests first)
        return "integrity hash"
    if _generic(c) and c.path.rpartition("/")[2] in LOCKFILE_NAMES:
        return "lock file"
    return None


def stopwords(c: Candidate) -> str | None:
    low = c.secret.lower()
    for w in c.rule.stopwords:
        if w in low:
            return "stop word"
    return None


def vendor_checksum(c: Candidate) -> str | None:
    """A generic match whose value has a checksummed vendor prefix (`ghp_...`) that fails its checksum:
    the vendor rule already rejected it."""
    if not _generic(c):
        return None
    for prefix, name in _CHECKSUMMED_PREFIXES:
        if c.secret.startswith(prefix):
            check = CHECKSUMS.get(name)
            return "vendor checksum mismatch" if check is not None and not check(c.secret) else None
    return None


def checksum(c: Candidate) -> str | None:
    if c.rule.checksum is None:
        return None
    check = CHECKSUMS.get(c.rule.checksum)
    if check is not None and not check(c.secret):
        return "checksum mismatch"
    return None


# -- helpers -----------------------------------------------------------------------------------------

def key_words(key: str) -> list[str]:
    """Lower-case words of an identifier: `dbPassword_HASH` -> ['db', 'password', 'hash']."""
    words: list[str] = []
    for part in _GENERIC_KEY_SPLIT.split(key):
        words.extend(w.lower() for w in _CAMEL_WORDS.findall(part))
    return words


def _last_secret_word(words: list[str]) -> int | None:
    for i in range(len(words) - 1, -1, -1):
        w = words[i]
        if w in _SECRET_STEMS or w in _PLURAL_STEMS or w.endswith(_STEM_SUFFIXES):
            return i
    return None


def _password_like(c: Candidate) -> bool:
    """The value stands for a password (by rule tag or key name), where short or plain values are normal."""
    if "password" in c.rule.tags:
        return True
    return bool(c.key) and any(w in _PASSWORD_WORDS for w in key_words(c.key or ""))


def _names_secret(c: Candidate) -> bool:
    """The key's last word is `secret` (`PLAID_SECRET`, `client_secret`): a hex value of 24-31 digits is the
    secret itself, not an identifier."""
    words = key_words(c.key or "")
    return bool(words) and words[-1] == "secret"


def _digits_and_symbol(v: str) -> bool:
    """Words joined with a symbol and ending in digits (`Harbor#Tulip1987`): how people make passwords."""
    return sum(ch.isdigit() for ch in v) >= 2 and any(not ch.isalnum() for ch in v)


def _quoted(c: Candidate) -> bool:
    """Whether the value stood in quotes (a literal). Values without a visible match are literals."""
    i = c.match.rfind(c.secret)
    if i <= 0 or c.match == c.secret:
        return True
    return c.match[i - 1] in "\"'`"


def _looks_random(v: str) -> bool:
    return sum(ch.isdigit() for ch in v) >= 2 and any(ch.isupper() for ch in v) and any(ch.islower() for ch in v)


def _char_classes(v: str) -> int:
    lower = upper = digit = other = 0
    for ch in v:
        if ch.islower():
            lower = 1
        elif ch.isupper():
            upper = 1
        elif ch.isdigit():
            digit = 1
        else:
            other = 1
    return lower + upper + digit + other


def _wordlike(v: str) -> bool:
    """Words joined by case or punctuation (`AbstractTokenFactory`, `geheim$parole`), maybe with a number;
    or a sentence run together (`PassWordMustBeAtLeast6Chars`)."""
    core = _TRAILING_DIGITS.sub("", v)
    digits = sum(ch.isdigit() for ch in core)
    runs = _LETTER_RUNS.findall(core)
    if not core or not runs or (digits and (len(runs) < 4 or digits > 2)):
        return False
    if sum(len(r) for r in runs) < sum(ch.isalpha() for ch in core):
        return False
    for run in runs:
        low = run.lower()
        if len(run) < 2 and len(runs) > 1 and run not in ("I", "A", "a"):
            return False
        if len(run) >= 2 and (not _VOWELS.intersection(low) or _max_consonant_run(low) > 4):
            return False
    return True


def _pathlike(v: str) -> bool:
    """`secret/data/smtp:password`, `kv/prod/db`: segments of words separated by slashes."""
    if v.count("/") < 2:
        return False
    return all(not seg or seg.isdigit() or _wordlike(seg) for seg in regex.split(r"[/:#]", v))


def _max_consonant_run(word: str) -> int:
    best = cur = 0
    for ch in word:
        cur = 0 if ch in _VOWELS else cur + 1
        best = max(best, cur)
    return best


# Each filter is a predicate of its own: the order changes only which reason is given first (and the
# checksum count, so those stay early) and what the filters cost. The cheap ones come first, then the
# others by how many candidates they drop for their cost (on the real source trees of
# benchmarks/run_realtree.py: placeholder drops 13k of 21k generic candidates at 2.6 us each).
DEFAULT_FILTERS: tuple[Filter, ...] = (
    keysweep_fingerprint,
    doc_example,
    single_char_run,
    checksum,
    vendor_checksum,
    stopwords,
    lockfile_integrity,
    placeholder,
    reference,
    code_expression,
    value_shape,
    key_name,
    inside_template,
    uuid_or_sha_without_context,
)


def first_reason(c: Candidate, filters: tuple[Filter, ...] = DEFAULT_FILTERS) -> str | None:
    for f in filters:
        reason = f(c)
        if reason:
            return reason
    return None
