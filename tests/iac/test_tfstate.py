"""Terraform state: plaintext secrets in resource attributes and outputs, with resource addresses."""

from __future__ import annotations

import json
import logging

import pytest

from scanner.engine import Engine
from scanner.iac import scan_structured
from scanner.iac.tfstate import StateError, load_state
from scanner.models import Finding

KEY_ID = "AKIAQ6BN3JX7KPLR2MZT"
SECRET = "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"


def instance(attrs: dict[str, object], index_key: object = None, sensitive: tuple[str, ...] = ()) -> dict[str, object]:
    out: dict[str, object] = {} if index_key is None else {"index_key": index_key}
    out.update({"schema_version": 0, "attributes": attrs,
                "sensitive_attributes": [[{"type": "get_attr", "value": s}] for s in sensitive]})
    return out


def state(resources: list[dict[str, object]], outputs: dict[str, object] | None = None) -> str:
    return json.dumps({"version": 4, "terraform_version": "1.7.5", "serial": 1, "lineage": "x",
                       "outputs": outputs or {}, "resources": resources}, indent=2) + "\n"


def resource(rtype: str, name: str, instances: list[dict[str, object]], module: str | None = None,
             mode: str = "managed") -> dict[str, object]:
    out: dict[str, object] = {"module": module} if module else {}
    out.update({"mode": mode, "type": rtype, "name": name, "provider": "provider[\"x\"]", "instances": instances})
    return out


def scan(engine: Engine, text: str, path: str = "terraform.tfstate") -> list[Finding]:
    out = scan_structured(path, text, engine)
    assert out is not None
    return out


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_access_key_in_module_with_address_and_lines(engine: Engine) -> None:
    text = state([resource("aws_iam_access_key", "deployer", [instance({
        "id": KEY_ID, "secret": SECRET, "ses_smtp_password_v4": "BPq7Xr2mTz9Lw4Kc8Nv3Hs6Jd1Yf5Ga0Re2Ui8Ko7Mn4",
        "encrypted_secret": "wcBMA0Xt1aQ7dV1hAQgAm3e0vJQ5s6pJc3yO8qI1kF2xXw==", "user": "deployer",
        "status": "Active"})], module="module.ci")])
    fs = scan(engine, text, "envs/prod/terraform.tfstate")
    got = [(f.rule_id, f.line, f.secret) for f in fs]
    assert got == [
        ("aws-access-key-id", line_of(text, KEY_ID), KEY_ID),
        ("aws-secret-access-key", line_of(text, SECRET), SECRET),
        ("tfstate-secret", line_of(text, "ses_smtp"), "BPq7Xr2mTz9Lw4Kc8Nv3Hs6Jd1Yf5Ga0Re2Ui8Ko7Mn4"),
    ]
    assert {f.extra["resource"] for f in fs} == {"module.ci.aws_iam_access_key.deployer"}
    assert fs[1].fingerprint in fs[0].linked


@pytest.mark.parametrize(("rtype", "attrs", "secret"), [
    ("random_password", {"result": "oB2OjC2AzR^5c99N**wQ3e", "length": 22,
                         "bcrypt_hash": "$2a$10$Zx8b0f8QhR3c5k1nVtLhOu9pD2yWq7sE4mJ6aG1iK3oN5rT7uX9yC"},
     "oB2OjC2AzR^5c99N**wQ3e"),
    ("aws_db_instance", {"password": "Quy1QgtIz5ZsUaApTy", "username": "app", "engine": "postgres"},
     "Quy1QgtIz5ZsUaApTy"),
    ("aws_iam_user_login_profile", {"password": "Lw8Xc4mP1qT7nB2r", "user": "alice"}, "Lw8Xc4mP1qT7nB2r"),
    ("kubernetes_secret", {"data": {"config": "Xk48Qp2VbNm7Lq1Rz5"}}, "Xk48Qp2VbNm7Lq1Rz5"),
    ("aws_ssm_parameter", {"type": "SecureString", "value": "Zr5Tw9Yc3Hf6Jd0Sa8"}, "Zr5Tw9Yc3Hf6Jd0Sa8"),
    ("azurerm_storage_account", {"primary_access_key": "dGhpc2lzbm90YXJlYWxrZXlidXRsb29rc2xpa2VvbmU=",
                                 "name": "acmelogs"}, "dGhpc2lzbm90YXJlYWxrZXlidXRsb29rc2xpa2VvbmU="),
])
def test_state_secret_attributes(engine: Engine, rtype: str, attrs: dict[str, object], secret: str) -> None:
    text = state([resource(rtype, "main", [instance(attrs)])])
    fs = [f for f in scan(engine, text) if f.secret == secret]
    assert [(f.line, f.extra["resource"]) for f in fs] == [(line_of(text, secret), f"{rtype}.main")]
    assert len(scan(engine, text)) == 1  # nothing else (bcrypt hash, names, lengths)


def test_not_secrets_in_state(engine: Engine) -> None:
    text = state([
        resource("aws_ssm_parameter", "host", [instance({"type": "String", "value": "db.internal.acme.io"})]),
        resource("aws_iam_access_key", "pgp", [instance({
            "id": "", "secret": None, "encrypted_secret": "wcBMA0Xt1aQ7dV1hAQgAm3e0vJQ5s6pJc3yO8qI1kF2xXw==",
            "key_fingerprint": "4f:9b:1c:2d", "pgp_key": "keybase:acme"})]),
        resource("aws_secretsmanager_secret", "db", [instance({
            "arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", "name": "prod/db"})]),
    ], outputs={"vpc_id": {"value": "vpc-0a1b2c3d4e5f67890", "type": "string"}})
    assert scan(engine, text) == []


def test_index_keys_in_addresses(engine: Engine) -> None:
    text = state([resource("random_password", "db", [
        instance({"result": "Lw8Xc4mP1qT7nB2rK9"}, index_key="blue"),
        instance({"result": "Qp2VbNm7Lq1Rz5Tw9Y"}, index_key=1),
    ])])
    assert [f.extra["resource"] for f in scan(engine, text)] == ['random_password.db["blue"]', "random_password.db[1]"]


def test_outputs_sensitive_or_named_secret(engine: Engine) -> None:
    text = state([], outputs={
        "db_password": {"value": "aUpdp7Kc3fvx501fbw", "type": "string"},
        "bootstrap": {"value": "Lw8Xc4mP1qT7nB2rK9", "type": "string", "sensitive": True},
        "endpoint": {"value": "db.internal.acme.io", "type": "string"},
        "creds": {"value": {"user": "ci", "token": "Qp2VbNm7Lq1Rz5Tw9Y"}, "type": ["object", {}]},
    })
    got = [(f.rule_id, f.extra["resource"], f.line) for f in scan(engine, text)]
    assert got == [
        ("tfstate-output-secret", "output.db_password", line_of(text, "aUpdp7")),
        ("tfstate-output-secret", "output.bootstrap", line_of(text, "Lw8Xc4")),
        ("tfstate-output-secret", "output.creds", line_of(text, "Qp2VbN")),
    ]


def test_sensitive_attributes_mark_unknown_types(engine: Engine) -> None:
    text = state([resource("acme_widget", "w", [instance({"handle": "Lw8Xc4mP1qT7nB2rK9", "label": "w"},
                                                        sensitive=("handle",))])])
    assert [(f.rule_id, f.secret) for f in scan(engine, text)] == [("tfstate-secret", "Lw8Xc4mP1qT7nB2rK9")]


def test_format_3_state(engine: Engine) -> None:
    text = json.dumps({"version": 3, "serial": 1, "modules": [
        {"path": ["root", "iam"], "outputs": {}, "resources": {"aws_iam_access_key.ci": {
            "type": "aws_iam_access_key", "primary": {"id": KEY_ID, "attributes": {
                "id": KEY_ID, "secret": SECRET, "user": "ci"}}}}},
    ]}, indent=2)
    fs = scan(engine, text)
    id_lines = [i for i, ln in enumerate(text.splitlines(), 1) if f'"id": "{KEY_ID}' in ln]
    assert [(f.rule_id, f.line) for f in fs] == [("aws-access-key-id", id_lines[-1]),  # in attributes
                                                 ("aws-secret-access-key", line_of(text, SECRET))]
    assert {f.extra["resource"] for f in fs} == {"module.iam.aws_iam_access_key.ci"}


def test_invalid_state_falls_back_with_one_line_warning(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    text = '{"version": 4, "resources": [ {"secret": "' + SECRET + f'" aws_access_key_id = {KEY_ID}\n'
    with caplog.at_level(logging.WARNING, logger="scanner.iac"):
        fs = scan(engine, text, "broken.tfstate.backup")
    assert KEY_ID in [f.secret for f in fs]
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("scanner.iac")]
    assert len(messages) == 1 and "broken.tfstate.backup" in messages[0] and SECRET not in messages[0]


def test_load_state_rejects_other_json() -> None:
    with pytest.raises(StateError):
        load_state('{"name": "package.json"}')
    with pytest.raises(StateError):
        load_state("[1, 2]")
