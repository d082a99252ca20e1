"""Structure-aware Terraform scanning: what is a finding, where, and what never is."""

from __future__ import annotations

import logging
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import Engine
from scanner.iac import file_kind, scan_structured
from scanner.iac.prefilter import worth_parsing
from scanner.models import Finding

AWS_ID = "AKIAQ6BN3JX7KPLR2MZT"
AWS_SECRET = "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"
PASSWORD = "Tr0ub4dor&3xK9q"


def scan(engine: Engine, text: str, path: str = "infra/main.tf") -> list[Finding]:
    out = scan_structured(path, textwrap.dedent(text), engine)
    assert out is not None
    return out


def by_secret(findings: list[Finding]) -> dict[str, Finding]:
    return {f.secret: f for f in findings}


def where(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of `needle` in the dedented text."""
    for i, line in enumerate(textwrap.dedent(text).splitlines(), 1):
        if needle in line:
            return i, line.index(needle) + 1
    raise AssertionError(needle)


def test_provider_keys_found_with_lines_and_linked(engine: Engine) -> None:
    fs = by_secret(scan(engine, f'''
        provider "aws" {{
          region     = "eu-west-1"
          access_key = "{AWS_ID}"
          secret_key = "{AWS_SECRET}"
        }}
    '''))
    key_id, secret = fs[AWS_ID], fs[AWS_SECRET]
    assert (key_id.rule_id, key_id.line, key_id.column) == ("aws-access-key-id", 4, 17)
    assert (secret.rule_id, secret.line, secret.column) == ("aws-secret-access-key", 5, 17)
    assert secret.end_column == 17 + len(AWS_SECRET) - 1
    assert secret.fingerprint in key_id.linked and key_id.fingerprint in secret.linked
    assert secret.extra["resource"] == "provider.aws"
    assert AWS_SECRET in secret.line_text and secret.line_text.strip().startswith("secret_key")


@pytest.mark.parametrize(("block", "rule"), [
    ('provider "datadog" {\n  api_key = "%s"\n}', "terraform-provider-credential"),
    ('provider "grafana" {\n  auth = "%s"\n}', "terraform-provider-credential"),
    ('provider "nomad" {\n  secret_id = "%s"\n}', "terraform-provider-credential"),
    ('terraform {\n  backend "pg" {\n    conn_str = "%s"\n  }\n}', "terraform-backend-credential"),
    ('terraform {\n  cloud {\n    token = "%s"\n  }\n}', "terraform-backend-credential"),
    ('variable "db_password" {\n  default = "%s"\n}', "terraform-variable-default-secret"),
    ('variable "db" {\n  sensitive = true\n  default = "%s"\n}', "terraform-variable-default-secret"),
    ('variable "cfg" {\n  default = { admin_password = "%s" }\n}', "terraform-variable-default-secret"),
    ('locals {\n  api_token = "%s"\n}', "terraform-hardcoded-secret"),
    ('locals {\n  admin_password = sensitive("%s")\n}', "terraform-hardcoded-secret"),
    ('module "db" {\n  source = "./db"\n  master_password = "%s"\n}', "terraform-hardcoded-secret"),
    ('module "app" {\n  settings = {\n    db_password = "%s"\n  }\n}', "terraform-hardcoded-secret"),
    ('module "app" {\n  secrets = ["%s"]\n}', "terraform-hardcoded-secret"),
    ('resource "aws_db_instance" "x" {\n  password = "%s"\n}', "terraform-hardcoded-secret"),
    ('resource "azurerm_key_vault_secret" "x" {\n  value = "%s"\n}', "terraform-hardcoded-secret"),
    ('resource "aws_ssm_parameter" "x" {\n  type = "SecureString"\n  value = "%s"\n}',
     "terraform-hardcoded-secret"),
    ('resource "github_actions_secret" "x" {\n  plaintext_value = "%s"\n}', "terraform-hardcoded-secret"),
    ('resource "aws_secretsmanager_secret_version" "x" {\n  secret_string = jsonencode({ password = "%s" })\n}',
     "terraform-hardcoded-secret"),
    ('resource "aws_db_instance" "x" {\n  password = var.use_default ? "%s" : var.password\n}',
     "terraform-hardcoded-secret"),
    ('output "admin_password" {\n  value = "%s"\n}', "terraform-hardcoded-secret"),
])
def test_structural_rule_fires_on_literal(engine: Engine, block: str, rule: str) -> None:
    text = block % PASSWORD
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if PASSWORD in ln)
    fs = [f for f in scan(engine, text) if f.secret == PASSWORD]
    assert [(f.rule_id, f.line) for f in fs] == [(rule, line)]
    col = text.splitlines()[line - 1].index(PASSWORD) + 1
    assert fs[0].column == col


def test_tfvars_assignments(engine: Engine) -> None:
    fs = scan(engine, f'''
        region      = "eu-west-1"
        db_password = "{PASSWORD}"
        tags        = {{ owner = "platform" }}
    ''', path="env/prod.auto.tfvars")
    assert [(f.rule_id, f.line, f.secret) for f in fs] == [("terraform-tfvars-secret", 3, PASSWORD)]


def test_heredoc_credential_reported_on_its_own_line(engine: Engine) -> None:
    token = "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"
    text = f'''
        resource "aws_instance" "web" {{
          user_data = <<-EOT
            #!/bin/bash
            apt-get update
            export GITHUB_TOKEN={token}
          EOT
        }}
    '''
    assert [(f.rule_id, f.line, f.column) for f in scan(engine, text)] == [
        ("github-pat-classic", *where(text, token))]


def test_heredoc_payload_of_a_secret_attribute(engine: Engine) -> None:
    fs = scan(engine, '''
        resource "vault_generic_secret" "x" {
          path      = "secret/x"
          data_json = <<EOT
        {
          "user": "ci",
          "pin": "Xy7pLm2qRt9zW4"
        }
        EOT
        }
    ''')
    assert [(f.rule_id, f.line, f.column, f.end_line) for f in fs] == [("terraform-hardcoded-secret", 5, 1, 8)]
    assert fs[0].secret.startswith("{") and fs[0].secret.endswith("}")


def test_heredoc_keeps_the_precise_engine_finding(engine: Engine) -> None:
    text = f'''
        resource "vault_generic_secret" "x" {{
          data_json = <<EOT
        {{"user": "ci", "token": "{AWS_ID}"}}
        EOT
        }}
    '''
    assert [(f.rule_id, f.line, f.column) for f in scan(engine, text)] == [
        ("aws-access-key-id", *where(text, AWS_ID))]


def test_comment_scanned_with_its_line(engine: Engine) -> None:
    fs = scan(engine, f'''
        locals {{
          region = "eu-west-1" # old key was {AWS_ID}
        }}
        /* rotated:
           {AWS_ID} */
    ''')
    assert [(f.rule_id, f.line) for f in fs] == [("aws-access-key-id", 3), ("aws-access-key-id", 6)]


REFERENCES = '''
    provider "aws" {
      access_key = var.aws_access_key
      secret_key = local.creds.secret
      token      = data.aws_ssm_parameter.token.value
    }
    provider "github" {
      token = trimspace(file("${path.root}/.secrets/github-token"))
    }
    terraform {
      backend "s3" {
        bucket = "state"
        key    = "prod/terraform.tfstate"
      }
    }
    variable "db_password" {
      type      = string
      sensitive = true
    }
    variable "api_token" {
      default = null
    }
    locals {
      db_password   = random_password.db.result
      secret        = aws_iam_access_key.ci.secret
      api_key       = lookup(var.api_keys, "prod", "")
      auth_header   = "Bearer ${var.token}"
      conn          = "postgres://${var.user}:${random_password.db.result}@db:5432/app"
      secret_name   = "prod/db/password"
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
      token_ttl     = "768h"
      kms_key_id    = "alias/prod"
      password_file = "/run/secrets/db_password"
      password_len  = 24
      credentials   = file("creds/sa.json")
    }
    module "db" {
      source      = "./db"
      db_password = local.db_password
      api_token   = each.value.token
    }
    resource "aws_ssm_parameter" "plain" {
      type  = "String"
      value = "db.internal.acme.io"
    }
    resource "aws_db_instance" "x" {
      password = coalesce(var.db_password, random_password.db.result)
    }
    resource "kubernetes_secret" "x" {
      data = {
        password = random_password.db.result
        token    = "${var.token}"
      }
    }
    output "secret" {
      value     = aws_iam_access_key.ci.secret
      sensitive = true
    }
'''


def test_references_and_expressions_are_never_findings(engine: Engine) -> None:
    assert worth_parsing(REFERENCES)
    assert scan(engine, REFERENCES) == []


@pytest.mark.parametrize("value", ["changeme", "REPLACE_ME", "", "<your-password>", "${DB_PASSWORD}", "true",
                                   "xxxxxxxxxxxx", "your-password-here"])
def test_placeholders_are_not_findings(engine: Engine, value: str) -> None:
    assert scan(engine, f'variable "db_password" {{\n  default = "{value}"\n}}\n') == []


def test_inline_allow_suppresses(engine: Engine) -> None:
    text = f'locals {{\n  db_password = "{PASSWORD}" # keysweep:allow\n  api_key = "{AWS_ID}" # gitleaks:allow\n}}\n'
    assert scan(engine, text) == []


def test_unparseable_file_falls_back_to_plain_engine(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    text = f'provider "aws" {{\n  access_key = "{AWS_ID}"\n  secret_key = "{AWS_SECRET}"\n'
    with caplog.at_level(logging.WARNING, logger="scanner.iac"):
        fs = scan(engine, text, path="legacy/main.tf")
    assert (AWS_ID, 2) in [(f.secret, f.line) for f in fs]
    records = [r for r in caplog.records if r.name.startswith("scanner.iac")]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "legacy/main.tf" in message and "plain text" in message and "\n" not in message
    assert AWS_ID not in message and AWS_SECRET not in message


def test_tf_json(engine: Engine) -> None:
    text = f'''\
        {{
          "provider": {{
            "aws": {{
              "access_key": "{AWS_ID}",
              "secret_key": "{AWS_SECRET}"
            }},
            "github": {{ "token": "${{var.github_token}}" }}
          }},
          "variable": {{
            "db_password": {{ "default": "{PASSWORD}" }}
          }}
        }}
    '''
    fs = scan(engine, text, path="main.tf.json")
    assert [(f.rule_id, f.line, f.column) for f in fs] == [
        ("aws-access-key-id", *where(text, AWS_ID)), ("aws-secret-access-key", *where(text, AWS_SECRET)),
        ("terraform-variable-default-secret", *where(text, PASSWORD)),
    ]


def test_tfvars_json(engine: Engine) -> None:
    fs = scan(engine, f'{{\n  "db_password": "{PASSWORD}",\n  "region": "eu-west-1"\n}}\n', path="x.tfvars.json")
    assert [(f.rule_id, f.line) for f in fs] == [("terraform-tfvars-secret", 2)]


def test_file_kinds() -> None:
    assert [file_kind(p) for p in ("a/main.tf", "b.tf.json", "prod.auto.tfvars", "x.tfvars.json",
                                   "terraform.tfstate", "s/prod.tfstate.backup", "a/tf.py", "main.tfx")] == [
        "tf", "tf.json", "tfvars", "tfvars.json", "tfstate", "tfstate", None, None]


def test_other_files_are_left_to_the_plain_engine(engine: Engine) -> None:
    assert scan_structured("deploy.sh", f"export AWS_ACCESS_KEY_ID={AWS_ID}\n", engine) is None


def test_prefilter_skips_parsing_without_changing_findings(engine: Engine) -> None:
    from scanner.iac.hcl import parse_hcl
    from scanner.iac.terraform import scan_document

    text = f'resource "aws_s3_bucket" "b" {{\n  bucket = "logs"\n  tags = {{ note = "{AWS_ID}" }}\n}}\n'
    assert not worth_parsing(text)
    skipped = scan(engine, text)
    parsed = scan_document("infra/main.tf", text, parse_hcl(text), engine, tfvars=False)
    assert [(f.rule_id, f.line, f.secret) for f in skipped] == [(f.rule_id, f.line, f.secret) for f in parsed]
    assert [f.secret for f in parsed] == [AWS_ID]


BIG_FILE = f'''
# Platform stack
resource "aws_s3_bucket" "logs" {{
  bucket = "acme-logs"
  tags   = {{ note = "rotated {AWS_ID}" }}
}}

locals {{
  db_password = "{PASSWORD}" # from the old wiki
  region      = "eu-west-1"
}}

resource "aws_iam_role" "x" {{
  name = "x"
  policy = <<POLICY
{{
  "Version": "2012-10-17"
}}
POLICY
}}

module "db" {{
  source   = "./db"
  password = var.db_password
}}
'''


def test_only_triggered_blocks_are_parsed_with_the_same_findings(engine: Engine) -> None:
    from scanner.iac import prefilter
    from scanner.iac.hcl import parse_hcl
    from scanner.iac.terraform import scan_document

    spans = prefilter.blocks_to_parse(BIG_FILE, prefilter.triggers(BIG_FILE))
    assert spans is not None and [BIG_FILE[s:e].split("\n")[0] for s, e in spans] == ["locals {"]
    partial = scan(engine, BIG_FILE)
    whole = scan_document("infra/main.tf", BIG_FILE, parse_hcl(BIG_FILE), engine, tfvars=False)
    key = [(f.rule_id, f.line, f.column, f.secret) for f in partial]
    assert key == [(f.rule_id, f.line, f.column, f.secret) for f in whole]
    assert [(f.rule_id, f.line) for f in partial] == [("aws-access-key-id", 5), ("terraform-hardcoded-secret", 9)]


def test_block_cut_short_by_a_heredoc_falls_back_to_the_whole_file(engine: Engine) -> None:
    text = f'''resource "vault_generic_secret" "x" {{
  data_json = <<JSON
{{
  "pin": "{PASSWORD}"
}}
JSON
}}
'''
    from scanner.iac import prefilter

    spans = prefilter.blocks_to_parse(text, prefilter.triggers(text))
    assert spans is not None and text[spans[0][0]:spans[0][1]].endswith('"\n}')  # cut at the heredoc's `}`
    fs = scan(engine, text)
    assert [(f.rule_id, f.line, f.end_line) for f in fs] == [("terraform-hardcoded-secret", 3, 5)]


def test_file_not_cut_into_blocks_is_parsed_whole(engine: Engine) -> None:
    text = f'locals {{ db_password = "{PASSWORD}" }}\n'
    assert [(f.rule_id, f.line) for f in scan(engine, text)] == [("terraform-hardcoded-secret", 1)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list('abc_="{}[]()<>$#/*\n .,:0123456789') + [
    "<<EOT\n", "EOT\n", "password", "variable ", "provider ", "${", AWS_ID, "true"]), max_size=40).map("".join))
def test_never_crashes_on_any_text(text: str) -> None:
    from scanner.rules import load_builtin_rules

    eng = _ENGINE.get("e") or _ENGINE.setdefault("e", Engine(load_builtin_rules()))
    for path in ("x.tf", "x.tfvars", "x.tf.json", "terraform.tfstate"):
        assert isinstance(scan_structured(path, text, eng), list)


_ENGINE: dict[str, Engine] = {}


def test_deeply_nested_input_falls_back(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    nested = 'locals {\n  password = "Tr0ub4dor&3xK9q"\n  x = ' + "{ a = " * 600 + "1" + " }" * 600 + "\n}\n"
    with caplog.at_level(logging.WARNING, logger="scanner.iac"):
        assert isinstance(scan_structured("deep.tf", nested, engine), list)
        state = '{"version": 4, "resources": [' + "[" * 900 + "]" * 900 + "]}"
        assert isinstance(scan_structured("terraform.tfstate", state, engine), list)
    assert any("nested too deeply" in r.getMessage() for r in caplog.records)


def test_globally_allowed_path_has_no_structural_findings() -> None:
    from scanner.engine import Allowlist
    from scanner.rules import load_builtin_rules

    eng = Engine(load_builtin_rules(), allowlist=Allowlist(paths=(r"^vendor/",)))
    text = f'variable "db_password" {{\n  default = "{PASSWORD}"\n}}\n'
    assert scan_structured("vendor/mod/main.tf", text, eng) == []
    assert [f.rule_id for f in scan_structured("mod/main.tf", text, eng) or []] == ["terraform-variable-default-secret"]
