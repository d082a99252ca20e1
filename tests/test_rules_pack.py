"""The built-in rule pack: every rule's own examples and negatives, pack-wide invariants,
the keyword/regex consistency the prefilter relies on, and the precision filters."""

from __future__ import annotations

import base64
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine import Engine
from scanner.engine import filters as flt
from scanner.engine.checksums import basic_auth, github_token_with_checksum, jwt_structure
from scanner.engine.prefilter import Prefilter
from scanner.models import Chunk, Example, Finding, Origin, Rule
from scanner.rules import compile_pattern, load_builtin_rules
from scanner.ruletest import reported_by

DEFAULT_PATH = "example.txt"


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    return tuple(load_builtin_rules())


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine(rules())


@lru_cache(maxsize=1)
def compiled() -> tuple[tuple[Rule, object], ...]:
    return tuple((r, compile_pattern(r.regex, r.source, r.id, "regex", r.multiline)) for r in rules() if r.keywords)


def findings(rule: Rule, ex: Example) -> list[Finding]:
    path = ex.path or DEFAULT_PATH
    found = engine().scan_path(path) if rule.path_only else engine().scan(Chunk(ex.text, Origin(path=path)))
    return [f for f in found if reported_by(f, rule.id)]


def scan(text: str, path: str = "app/config.py") -> list[Finding]:
    return engine().scan(Chunk(text=text, origin=Origin(path=path)))


def _cases(kind: str) -> list[object]:
    out: list[object] = []
    for r in load_builtin_rules():
        for i in range(len(getattr(r, kind))):
            out.append(pytest.param(r.id, i, id=f"{r.id}-{i}"))
    return out


def _rule(rule_id: str) -> Rule:
    return next(r for r in rules() if r.id == rule_id)


# -- every rule's examples and negatives ---------------------------------------------------------

@pytest.mark.parametrize(("rule_id", "index"), _cases("examples"))
def test_example_is_found(rule_id: str, index: int) -> None:
    rule = _rule(rule_id)
    ex = rule.examples[index]
    found = findings(rule, ex)
    assert found, f"{rule_id}: no finding in {ex.text[:120]!r}"
    if ex.secret is not None:
        assert ex.secret in [f.secret for f in found]


@pytest.mark.parametrize(("rule_id", "index"), _cases("negatives"))
def test_negative_is_not_found(rule_id: str, index: int) -> None:
    rule = _rule(rule_id)
    ex = rule.negatives[index]
    assert findings(rule, ex) == [], f"{rule_id}: unexpected finding in {ex.text[:120]!r}"


# -- pack-wide invariants ---------------------------------------------------------------------------

def test_pack_has_at_least_1000_rules_with_unique_ids() -> None:
    ids = [r.id for r in rules()]
    assert len(ids) >= 1000
    assert len(set(ids)) == len(ids)


def test_every_rule_has_two_examples_a_negative_and_its_source() -> None:
    missing = [r.id for r in rules() if len(r.examples) < 2 or not r.negatives or not r.references]
    assert missing == []


def test_starter_ids_and_aws_pair_tags_are_kept() -> None:
    by_id = {r.id: r for r in rules()}
    for rid in ("aws-access-key-id", "aws-secret-access-key", "github-pat-classic", "private-key", "generic-password"):
        assert rid in by_id
    assert "pair-id:aws" in by_id["aws-access-key-id"].tags
    assert "pair-secret:aws" in by_id["aws-secret-access-key"].tags


def test_one_rules_file_per_provider_family() -> None:
    files = {r.source.rsplit("/", 1)[-1] for r in rules()}
    assert {"aws.toml", "gcp.toml", "azure.toml", "cloud.toml", "github.toml", "gitlab.toml", "cicd.toml",
            "registries.toml", "messaging.toml", "payments.toml", "ai.toml", "saas.toml", "observability.toml",
            "databases.toml", "keys.toml", "credential_files.toml", "generic.toml"} <= files


# Every provider family the issue names, with the rule-id prefixes that cover it.
PROVIDERS = {
    "aws": ["aws-access-key-id", "aws-secret-access-key", "aws-session-token", "aws-mws-auth-token"],
    "gcp": ["gcp-service-account-key", "gcp-api-key", "gcp-oauth-client-secret"],
    "azure": ["azure-storage-account-key", "azure-storage-connection-string", "azure-sas-token",
              "azure-ad-client-secret", "azure-cosmosdb-", "azure-servicebus-"],
    "digitalocean": ["digitalocean-"], "alibaba": ["alibaba-"], "ibm": ["ibm-"], "oracle": ["oracle-"],
    "heroku": ["heroku-"], "cloudflare": ["cloudflare-"], "fastly": ["fastly-"], "linode": ["linode-"],
    "scaleway": ["scaleway-"], "vercel": ["vercel-"], "netlify": ["netlify-"], "flyio": ["flyio-"],
    "github": ["github-pat-classic", "github-fine-grained-pat", "github-oauth-token", "github-user-to-server-token",
               "github-server-to-server-token", "github-refresh-token"],
    "gitlab": ["gitlab-pat", "gitlab-runner-", "gitlab-deploy-token", "gitlab-pipeline-trigger-token",
               "gitlab-ci-job-token"],
    "bitbucket": ["bitbucket-"], "circleci": ["circleci-"], "travis": ["travis-"], "buildkite": ["buildkite-"],
    "jenkins": ["jenkins-"], "terraform": ["terraform-cloud-"], "pulumi": ["pulumi-"], "vault": ["vault-"],
    "doppler": ["doppler-"], "1password": ["1password-"],
    "npm": ["npm-"], "pypi": ["pypi-"], "rubygems": ["rubygems-"], "nuget": ["nuget-"], "dockerhub": ["dockerhub-"],
    "jfrog": ["jfrog-"], "crates": ["crates-io-"], "packagist": ["packagist-"],
    "slack": ["slack-bot-token", "slack-user-token", "slack-app-token", "slack-webhook-url"],
    "discord": ["discord-"], "telegram": ["telegram-"], "twilio": ["twilio-"], "sendgrid": ["sendgrid-"],
    "mailgun": ["mailgun-"], "mailchimp": ["mailchimp-"], "postmark": ["postmark-"], "teams": ["teams-"],
    "stripe": ["stripe-"], "square": ["square-"], "paypal": ["paypal-", "braintree-"], "shopify": ["shopify-"],
    "adyen": ["adyen-"],
    "openai": ["openai-"], "anthropic": ["anthropic-"], "huggingface": ["huggingface-"], "cohere": ["cohere-"],
    "replicate": ["replicate-"], "groq": ["groq-"], "mistral": ["mistral-"], "perplexity": ["perplexity-"],
    "gemini": ["google-gemini-"],
    "datadog": ["datadog-"], "newrelic": ["newrelic-"], "sentry": ["sentry-"], "grafana": ["grafana-"],
    "pagerduty": ["pagerduty-"], "dynatrace": ["dynatrace-"], "honeycomb": ["honeycomb-"], "splunk": ["splunk-"],
    "atlassian": ["atlassian-"], "notion": ["notion-"], "airtable": ["airtable-"], "asana": ["asana-"],
    "linear": ["linear-"], "figma": ["figma-"], "okta": ["okta-"], "auth0": ["auth0-"], "hubspot": ["hubspot-"],
    "salesforce": ["salesforce-"], "zendesk": ["zendesk-"], "twitter": ["twitter-"], "facebook": ["facebook-"],
    "dropbox": ["dropbox-"], "box": ["box-"],
    "database-uris": ["postgres-uri", "mysql-uri", "mongodb-uri", "redis-uri", "amqp-uri", "mssql-uri", "jdbc-"],
    "keys": ["private-key", "openssh-private-key", "pgp-private-key-block", "putty-private-key", "pkcs12-file",
             "java-keystore-file", "jwt"],
    "credential-files": ["netrc-", "git-credentials", "pgpass-", "npmrc-", "pypirc-", "docker-config-auth",
                         "htpasswd-", "s3cfg-", "filezilla-", "winscp-", "sftp-client-config-", "jetbrains-"],
    "generic": ["generic-password", "generic-secret", "generic-token", "generic-api-key"],
    "password-material": ["crypt-password-hash", "mysql-password-hash", "postgres-password-hash",
                          "sql-dump-user-password-hash", "django-password-hash", "rails-master-key",
                          "rails-secret-key-base", "django-secret-key", "laravel-app-key", "symfony-app-secret",
                          "php-config-password-", "mail-client-password", "game-server-rcon-password",
                          "base64-private-key"],
}


@pytest.mark.parametrize("family", sorted(PROVIDERS))
def test_provider_family_is_covered(family: str) -> None:
    ids = [r.id for r in rules()]
    missing = [p for p in PROVIDERS[family] if not any(i == p or (p.endswith("-") and i.startswith(p)) for i in ids)]
    assert missing == []


# -- keywords consistent with regexes (what the prefilter relies on) ---------------------------------

def test_every_example_contains_one_of_its_rule_keywords() -> None:
    bad = [(r.id, ex.text[:60]) for r in rules() if r.keywords for ex in r.examples
           if not any(k in ex.text.lower() for k in r.keywords)]
    assert bad == []


# '@' is rarer than '://' in real trees (bundles and lock files hold half a million URLs) and every
# URL with credentials has one; the rule's regex still starts at '://'.
SHORT_KEYWORDS = {("generic-url-credentials", "@")}


def test_keywords_are_lower_case_and_not_too_short() -> None:
    bad = [(r.id, k) for r in rules() for k in r.keywords
           if k != k.lower() or (len(k) < 3 and (r.id, k) not in SHORT_KEYWORDS)]
    assert bad == []


@lru_cache(maxsize=1)
def planted_texts() -> tuple[str, ...]:
    return tuple(ex.text for r in rules() for ex in r.examples + r.negatives)


NOISE = st.text(alphabet=st.sampled_from(list("abcxyzABCXYZ019 _-=:\"'{}()/.\n\t@$")), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(NOISE, st.integers(min_value=0, max_value=100_000), st.booleans()), min_size=1, max_size=4),
       NOISE)
def test_prefilter_never_drops_a_match_the_plain_regex_finds(
        parts: list[tuple[str, int, bool]], tail: str) -> None:
    texts = planted_texts()
    pieces = []
    for noise, pick, swap in parts:
        planted = texts[pick % len(texts)]
        pieces.append(noise + (planted.swapcase() if swap else planted))
    text = "".join(pieces) + tail
    pairs = compiled()
    prefilter = Prefilter([r.keywords for r, _ in pairs])
    candidates = prefilter.candidates(text)
    dropped = [r.id for i, (r, pattern) in enumerate(pairs)
               if i not in candidates and pattern.search(text)]  # type: ignore[attr-defined]
    assert dropped == []


# -- specific over generic, and the engine pieces this pack relies on ----------------------------------

def test_specific_token_wins_over_generic_assignment() -> None:
    tok = github_token_with_checksum("Q7x9Lm2Pz8RkVn3kQ8wLz2Xr7Tb5Hm")
    ids = [f.rule_id for f in scan(f'GITHUB_TOKEN = "{tok}"\n')]
    assert ids == ["github-pat-classic"]


def test_file_name_bound_rule_without_keywords_runs_only_on_its_file() -> None:
    line = "db.internal:5432:orders:app_rw:Zq8-Lm2Px7Rk\n"
    assert [f.secret for f in scan(line, "home/app/.pgpass") if f.rule_id == "pgpass-password"] == ["Zq8-Lm2Px7Rk"]
    assert [f for f in scan(line, "docs/notes.txt") if f.rule_id == "pgpass-password"] == []


def test_keystore_files_are_reported_by_path() -> None:
    ids = {f.rule_id for f in engine().scan_path("android/app/upload.jks")}
    assert ids == {"java-keystore-file"}


# -- generic secrets: found in every language and config format ----------------------------------------

SECRET = "Zq8-Lm2Px7Rk!v4T"


@pytest.mark.parametrize(("text", "path"), [
    (f'db_password = "{SECRET}"', "app/settings.py"),
    (f'const dbPassword = "{SECRET}";', "src/db.ts"),
    (f'\tPassword: "{SECRET}",', "internal/db.go"),
    (f'private static final String DB_PASSWORD = "{SECRET}";', "src/Db.java"),
    (f"config.password = '{SECRET}'", "config/initializers/db.rb"),
    (f"$password = '{SECRET}';", "config.php"),
    (f'public const string Password = "{SECRET}";', "Db.cs"),
    (f"password: {SECRET}", "config/database.yml"),
    (f'{{"password": "{SECRET}"}}', "config.json"),
    (f"password = {SECRET}", "setup.cfg"),
    (f'password = "{SECRET}"', "pyproject.toml"),
    (f"DB_PASSWORD={SECRET}", ".env"),
    (f"db.password={SECRET}", "application.properties"),
    (f'<add key="DbPassword" value="{SECRET}" />', "Web.config"),
    (f"<password>{SECRET}</password>", "settings.xml"),
    (f"export DB_PASSWORD='{SECRET}'", "deploy.sh"),
    (f"ENV DB_PASSWORD={SECRET}", "Dockerfile"),
    (f"ENV DB_PASSWORD {SECRET}", "Dockerfile"),
    (f"      - DB_PASSWORD={SECRET}", "docker-compose.yml"),
    (f"        - name: DB_PASSWORD\n          value: {SECRET}\n", "k8s/deploy.yaml"),
    (f"ansible_become_password: {SECRET}", "group_vars/all.yml"),
    (f"Server=db;Database=app;User Id=app;Password={SECRET};", "appsettings.txt"),
])
def test_generic_password_literals_are_found(text: str, path: str) -> None:
    assert SECRET in [f.secret for f in scan(text, path)]


@pytest.mark.parametrize(("text", "path"), [
    ("password: ${{ secrets.DB_PASSWORD }}", ".github/workflows/ci.yml"),
    ("GITLAB_TOKEN: $CI_JOB_TOKEN", ".gitlab-ci.yml"),
    ("      valueFrom:\n        secretKeyRef:\n          name: db\n          key: password\n", "k8s/deploy.yaml"),
    ("db_password: \"{{ vault_db_password }}\"", "group_vars/all.yml"),
    ("db_password: {{vault_db_password}}", "group_vars/all.yml"),
    ("db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6134353...\n", "group_vars/all.yml"),
    ("password: <%= ENV['DB_PASSWORD'] %>", "config/database.yml"),
    ("password = get_secret('db/password')", "app/db.py"),
    ("password = self.settings.db_password", "app/db.py"),
    ("api_token = load_token_from_vault()", "app/db.py"),
    ("password: str", "app/models.py"),
    ("def login(user: str, password: str) -> bool:", "app/auth.py"),
    ("password: Optional[SecretStr] = None", "app/models.py"),
    ('if password == "Zq8-Lm2Px7Rk!v4T":', "app/auth.py"),
    ('assert token != "Zq8-Lm2Px7Rk!v4TZq8-Lm2Px7Rk"', "tests/test_auth.py"),
    ('password = ""', "app/settings.py"),
    ("PASSWORD_FILE=/run/secrets/db_password", ".env"),
    ('client_secret_path = "./secrets/client_secret.json"', "app/settings.py"),
    ('token_url = "https://auth.acme.io/oauth2/token"', "app/settings.py"),
    ('"passwordLabel": "Passwort eingeben"', "i18n/de.json"),
    ('password = "********"', "app/settings.py"),
    ("max_tokens = 4096", "app/llm.py"),
    ('csrf_token = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9"', "app/forms.py"),
    ("password = os.environ['DB_PASSWORD']", "app/settings.py"),
    ('smtp_password: "{{ lookup(\'hashi_vault\', \'secret=secret/data/smtp:password\') }}"', "group_vars/all.yml"),
    ('secret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"', "serverless.yml"),
    ("password: ENC[AES256_GCM,data:Zm9vYmFy,iv:abc,tag:def,type:str]", "secrets.enc.yaml"),
    ('DB_PASSWORD="op://Production/db/password"', ".env"),
])
def test_generic_rules_skip_references_templates_and_code(text: str, path: str) -> None:
    generic = [f for f in scan(text, path) if f.rule_id.startswith("generic-")]
    assert generic == []


def test_generic_finding_in_test_file_is_reported_with_lower_severity() -> None:
    line = f'password = "{SECRET}"'
    [prod] = [f for f in scan(line, "app/settings.py") if f.rule_id == "generic-password"]
    [test] = [f for f in scan(line, "tests/fixtures/settings.py") if f.rule_id == "generic-password"]
    assert test.severity.rank < prod.severity.rank


# -- filter and checksum units ------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "words"), [
    ("dbPassword_HASH", ["db", "password", "hash"]),
    ("X-Auth-Token", ["x", "auth", "token"]),
    ("APIKey", ["api", "key"]),
    ("spring.datasource.password", ["spring", "datasource", "password"]),
])
def test_key_words(key: str, words: list[str]) -> None:
    assert flt.key_words(key) == words


def _candidate(secret: str, key: str | None = None, rule_id: str = "generic-password", match: str | None = None,
               path: str = "app/config.py") -> flt.Candidate:
    return flt.Candidate(rule=_rule(rule_id), secret=secret, match=match if match is not None else f'"{secret}"',
                         line_text=match or secret, path=path, key=key)


@pytest.mark.parametrize("key", ["password_length", "max_tokens", "token_url", "secretName", "passwordless",
                                 "csrf_token", "public_key", "tokens", "api_key_header"])
def test_key_name_filter_rejects_keys_about_the_secret(key: str) -> None:
    assert flt.key_name(_candidate("Zq8-Lm2Px7Rk!v4T", key)) is not None


@pytest.mark.parametrize("key", ["password", "db_password", "clientSecret", "GITHUB_TOKEN", "x-api-key",
                                 "ansible_become_pass", "SECRET_KEY"])
def test_key_name_filter_keeps_secret_keys(key: str) -> None:
    assert flt.key_name(_candidate("Zq8-Lm2Px7Rk!v4T", key)) is None


@pytest.mark.parametrize("value", ["AbstractTokenFactory", "not-so-secret", "geheim$parole", "12345678901",
                                   "/etc/app/secret.key", "https://vault.acme.io/v1/secret", "$2b$12$abcdefghij",
                                   "DB_PASSWORD", "1.2.3", "ops@acme.io"])
def test_value_shape_filter_rejects_non_secret_shapes(value: str) -> None:
    assert flt.value_shape(_candidate(value)) is not None


@pytest.mark.parametrize("value", ["Zq8-Lm2Px7Rk!v4T", "hunter2hunter2", "a8f3k2m9x7q1z5w4", "Summer2024!"])
def test_value_shape_filter_keeps_secret_shapes(value: str) -> None:
    assert flt.value_shape(_candidate(value)) is None


def test_code_expression_depends_on_quotes_and_file_type() -> None:
    bare = _candidate("user_password", match="password = user_password", path="app/db.py")
    assert flt.code_expression(bare) == "code expression"
    in_env = _candidate("user_password", match="PASSWORD=user_password", path=".env")
    assert flt.code_expression(in_env) is None
    quoted = _candidate("user_password", match='password = "user_password"', path="app/db.py")
    assert flt.code_expression(quoted) is None


def test_generic_rules_defer_to_a_failed_vendor_checksum() -> None:
    good = github_token_with_checksum("Q7x9Lm2Pz8RkVn3kQ8wLz2Xr7Tb5Hm")
    bad = good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB")
    assert flt.vendor_checksum(_candidate(bad, "GITHUB_TOKEN", rule_id="generic-token")) is not None
    assert flt.vendor_checksum(_candidate(good, "GITHUB_TOKEN", rule_id="generic-token")) is None
    assert [f.rule_id for f in scan(f"GITHUB_TOKEN={bad}\n", ".env")] == []


def test_short_placeholder_words_only_count_on_their_own() -> None:
    assert flt.placeholder(_candidate("TODO", rule_id="github-pat-classic")) == "placeholder"
    random_with_tbd = "Q7x9TbdLm2Pz8Rk4Vn3kQ8wLz2Xr7Tb5Hm"
    assert flt.placeholder(_candidate(random_with_tbd, rule_id="github-pat-classic")) is None
    # an escaped newline before a base64 line that starts "A/" or "a+" is not "n/a"
    escaped_pem = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\nA/x9Lm2Pz8Rk4Vn3kQ8wLz2Xr7Tb5Hm\\n"
    assert flt.placeholder(_candidate(escaped_pem, rule_id="gcp-service-account-key")) is None
    assert flt.placeholder(_candidate("n/a", rule_id="github-pat-classic")) == "placeholder"


def test_jwt_structure() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(b'{"sub":"42"}').decode().rstrip("=")
    assert jwt_structure(f"{header}.{payload}.c2lnbmF0dXJlLWJ5dGVz")
    assert not jwt_structure(f"{header}.bm90LWpzb24.c2ln")
    assert not jwt_structure("eyJub3QiOiJqd3QifQ.eyJub3QiOiJqd3QifQ.abc")


def test_basic_auth_checksum() -> None:
    assert basic_auth(base64.b64encode(b"deploy:Zq8-Lm2Px7Rk").decode())
    assert not basic_auth(base64.b64encode(b"no-colon-here").decode())
    assert not basic_auth(base64.b64encode(b"user:").decode())
    assert not basic_auth("not base64!")
