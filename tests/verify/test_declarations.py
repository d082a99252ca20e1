"""Verifiers declared as data: validated at load (the host comes only from the declaration), run
against a local server through the explicit override, and never taken from scanned content."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.errors import RuleError
from scanner.models import VerificationStatus
from scanner.rules import builtin_declarations, load_rules_file, parse_rules_text
from scanner.verify import verify_findings
from scanner.verify.names import VERIFIER_NAMES
from tests.cloud.runcli import keysweep
from tests.fixtures.fake_http import FakeHttpServer, json_reply
from tests.verify.fakes import finding, settings_for

Factory = Callable[[], FakeHttpServer]
TOKEN = "acme_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

RULE = """
[[rules]]
id = 'acme-token'
description = 'Acme token'
severity = 'high'
keywords = ['acme_']
regex = '(acme_[0-9a-f]{32})'
secret_group = 1
verifier = 'acme'
"""


def declaration(**over: str) -> str:
    fields = {"name": "'acme'", "base": "'https://api.acme.example'", "path": "'/v1/whoami'",
              "headers": "{ Authorization = 'Bearer {secret}' }",
              "identity": "{ login = 'json:user.login', plan = 'header:x-acme-plan' }"}
    fields.update(over)
    return "[[verifiers]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v)


def test_every_builtin_declaration_is_named_and_sends_only_to_https() -> None:
    decls = builtin_declarations()
    assert len(decls) >= 23 and {d.name for d in decls} <= VERIFIER_NAMES
    assert all(d.base.startswith("https://") and d.references for d in decls)


@pytest.mark.parametrize(("over", "message"), [
    ({"base": "'https://{secret}.acme.example'"}, "may not hold a template"),
    ({"base": "'http://api.acme.example'"}, "https://"),
    ({"base": "'https://user:pw@api.acme.example'"}, "credentials"),
    ({"path": "'v1/whoami'"}, "must start with '/'"),
    ({"path": "'/v1/{password}'"}, "unknown placeholder"),
    ({"headers": "{ Host = 'evil.example', Authorization = 'Bearer {secret}' }"}, "Host"),
    ({"headers": "{ Authorization = 'Bearer' }"}, "not sent anywhere"),
    ({"method": "'DELETE'"}, "GET, POST, HEAD"),
    ({"timeout": "3"}, "unknown field"),
    ({"identity": "{ login = 'body:login' }"}, "json:PATH"),
    ({"valid": "[{ status = [999] }]"}, "status codes"),
])
def test_a_bad_declaration_is_refused_at_load_naming_the_field(over: dict[str, str], message: str) -> None:
    with pytest.raises(RuleError) as e:
        parse_rules_text(declaration(**over) + RULE, "user.toml")
    assert message in str(e.value) and "user.toml" in str(e.value)


def test_a_user_file_cannot_redeclare_a_builtin_verifier(tmp_path: Path) -> None:
    f = tmp_path / "rules.toml"
    f.write_text(declaration(name="'github'") + RULE.replace("'acme'", "'github'"), encoding="utf-8")
    with pytest.raises(RuleError, match="built-in verifier"):
        load_rules_file(f)


def acme(server: FakeHttpServer) -> None:
    server.route("GET", "/v1/whoami", lambda req: json_reply(200, {"user": {"login": "ops"}}, {"X-Acme-Plan": "pro"})
                 if req.headers.get("authorization") == f"Bearer {TOKEN}" else json_reply(401, {}))


def test_a_declared_verifier_checks_through_the_override(tmp_path: Path, fake_http: Factory) -> None:
    f = tmp_path / "rules.toml"
    f.write_text(declaration() + RULE, encoding="utf-8")
    rules = load_rules_file(f)
    server = fake_http()
    acme(server)
    good, bad = finding("acme-token", TOKEN), finding("acme-token", TOKEN[:-4] + "0000")
    out = verify_findings([good, bad], settings_for({"acme": server.url}), rules)
    assert [v.status for v in (o.verification for o in out) if v] == [VerificationStatus.VALID,
                                                                       VerificationStatus.INVALID]
    assert out[0].verification is not None and dict(out[0].verification.identity) == {"login": "ops", "plan": "pro"}
    assert [r.path for r in server.requests] == ["/v1/whoami", "/v1/whoami"]


def test_a_rules_own_verify_table(fake_http: Factory) -> None:
    text = RULE.replace("verifier = 'acme'\n", "") + textwrap.dedent("""
        [rules.verify]
        base = 'https://api.acme.example'
        path = '/v1/whoami'
        headers = { Authorization = 'Bearer {secret}' }
        valid = { status = [200], json = { user.login = 'ops' } }
        """)
    [rule] = parse_rules_text(text, "user.toml")
    assert rule.verifier == "acme-token" and rule.verify is not None
    server = fake_http()
    acme(server)
    [f] = verify_findings([finding("acme-token", TOKEN)], settings_for({"acme-token": server.url}), [rule])
    assert f.verification is not None and f.verification.status is VerificationStatus.VALID


def test_a_config_inside_the_scanned_tree_cannot_declare_where_secrets_go(
        tmp_path: Path, fake_http: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    collector = fake_http()
    acme(collector)
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "acme.toml").write_text(declaration() + RULE, encoding="utf-8")
    (tree / ".keysweep.toml").write_text("rules_files = ['acme.toml']\n", encoding="utf-8")
    (tree / "app.py").write_text(f'ACME = "{TOKEN}"\n', encoding="utf-8")
    monkeypatch.setenv("KEYSWEEP_ACME_URL", collector.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    code, out, err = keysweep("scan", str(tree), "--verify", "--format", "json", "--no-progress")
    [f] = json.loads(out)
    assert f["rule_id"] == "acme-token" and f["verification"]["status"] == "not_checked"
    assert collector.requests == [] and "cannot verify what its own rules find" in err
    code, out, _ = keysweep("scan", str(tree), "--verify", "--format", "json", "--no-progress",
                            "--config", str(tree / ".keysweep.toml"))
    [f] = json.loads(out)  # the user trusts it explicitly: their declaration is used
    assert f["verification"]["status"] == "valid" and len(collector.requests) == 1


def test_rules_verifiers_lists_where_each_check_sends_the_secret(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(declaration() + RULE, encoding="utf-8")
    cfg = tmp_path / "keysweep.toml"
    cfg.write_text("rules_files = ['acme.toml']\n", encoding="utf-8")
    code, out, _ = keysweep("rules", "verifiers", "--format", "json", "--config", str(cfg))
    rows = {row["name"]: row for row in json.loads(out)}
    assert code == 0
    assert rows["acme"] == {"name": "acme", "endpoint": "GET https://api.acme.example/v1/whoami",
                            "rules": ["acme-token"]}
    assert rows["aws"]["endpoint"] == "(code)" and "aws-access-key-id" in rows["aws"]["rules"]
    assert rows["github"]["endpoint"].startswith("GET https://api.github.com/")
    assert set(rows) == VERIFIER_NAMES | {"acme"}
    code, text, _ = keysweep("rules", "verifiers")
    assert code == 0 and text.rstrip().endswith(f"{len(VERIFIER_NAMES)} verifiers")
