"""Engine behaviour with plain values: prefilter, regex confirmation, locations, filters."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine import Allowlist, Engine, fingerprint
from scanner.engine.prefilter import Prefilter
from scanner.models import Chunk, Origin, Rule, Severity
from scanner.rules import load_builtin_rules, parse_rules_text
from tests.helpers import AWS_KEY_ID, AWS_SECRET, GITHUB_PAT, RSA_KEY, by_rule, scan_text


def rule(**kw: object) -> Rule:
    base: dict[str, object] = dict(id="t", description="test rule", severity=Severity.HIGH, keywords=("tok_",),
                                   regex=r"\b(tok_[a-zA-Z0-9]{12})\b", secret_group=1)
    base.update(kw)
    return Rule(**base)  # type: ignore[arg-type]


def scan(engine: Engine, text: str, path: str = "src/a.py") -> list:
    return engine.scan(Chunk(text=text, origin=Origin(path=path)))


def test_rule_regex_runs_only_when_a_keyword_occurs() -> None:
    # the regex alone would match "zzz_..." but the keyword is absent, so the rule never runs
    e = Engine([rule(keywords=("needle",), regex=r"\b(zzz_[a-z0-9]{12})\b")])
    assert scan(e, "x = zzz_a1b2c3d4e5f6") == []
    assert [f.secret for f in scan(e, "needle: zzz_a1b2c3d4e5f6")] == ["zzz_a1b2c3d4e5f6"]


def test_keywords_match_case_insensitively() -> None:
    e = Engine([rule(keywords=("tok_",), regex=r"(?i)\b(tok_[a-z0-9]{12})\b")])
    assert len(scan(e, "TOK_A1B2C3D4E5F6")) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["alpha", "beta", "Gamma", "x", "betamax"]), max_size=8),
       st.text(alphabet="abc XYZ\n", max_size=40))
def test_prefilter_reports_exactly_the_rules_whose_keywords_occur(words: list[str], noise: str) -> None:
    sets = [("alpha",), ("beta", "delta"), ("gamma",), ("zeta",)]
    text = noise + " ".join(words)
    expected = {i for i, kws in enumerate(sets) if any(k in text.lower() for k in kws)}
    assert Prefilter(sets).candidates(text) == expected


def test_secret_group_and_location_of_hit() -> None:
    e = Engine([rule()])
    text = "line one\n  value = tok_AbCdEf123456 # here\nlast"
    [f] = scan(e, text)
    assert f.secret == "tok_AbCdEf123456"
    assert (f.line, f.column, f.end_line) == (2, 11, 2)
    assert f.end_column == 11 + len("tok_AbCdEf123456") - 1
    assert f.line_text == "  value = tok_AbCdEf123456 # here"
    assert f.fingerprint == fingerprint("t", "tok_AbCdEf123456")


def test_line_offset_and_line_map_translate_line_numbers() -> None:
    e = Engine([rule()])
    shifted = e.scan(Chunk(text="a\ntok_AbCdEf123456", origin=Origin(path="p"), line_offset=10))
    assert shifted[0].line == 12
    mapped = e.scan(Chunk(text="a\ntok_AbCdEf123456", origin=Origin(path="p"), line_map=(7, 42)))
    assert mapped[0].line == 42


def test_entropy_threshold_drops_low_entropy_values() -> None:
    e = Engine([rule(entropy=3.0)])
    assert scan(e, "tok_abababababab") == []
    assert len(scan(e, "tok_Q7x9Lm2Pz8Rk")) == 1


def test_rule_allowlist_and_global_allowlist() -> None:
    e = Engine([rule(allowlist=(r"^tok_TEST",))])
    assert scan(e, "tok_TESTabcdefgh") == []
    g = Engine([rule()], allowlist=Allowlist(paths=(r"^vendor/",), regexes=(r"FIXTURE",), stopwords=("zzz",)))
    assert scan(g, "tok_Q7x9Lm2Pz8Rk", path="vendor/lib.py") == []
    assert scan(g, "tok_FIXTUREab123") == []
    assert scan(g, "tok_Q7x9zzzPz8Rk") == []
    assert len(scan(g, "tok_Q7x9Lm2Pz8Rk")) == 1


@pytest.mark.parametrize("marker", ["# keysweep:allow", "// gitleaks:allow", "# pragma: allowlist secret"])
def test_inline_allow_markers_skip_the_line(marker: str) -> None:
    e = Engine([rule()])
    assert scan(e, f"x = tok_Q7x9Lm2Pz8Rk  {marker}\ny = tok_R8y0Mn3Qa9Sl") != []
    found = scan(e, f"x = tok_Q7x9Lm2Pz8Rk  {marker}\ny = tok_R8y0Mn3Qa9Sl")
    assert [f.secret for f in found] == ["tok_R8y0Mn3Qa9Sl"]


def test_multiline_private_key_is_one_finding() -> None:
    text = f"# deploy key\n{RSA_KEY}\nafter\n"
    found = by_rule(scan_text(text, "deploy/id_rsa"), "private-key")
    assert len(found) == 1
    assert (found[0].line, found[0].end_line) == (2, 6)


def test_aws_key_id_and_secret_nearby_are_linked_both_ways() -> None:
    text = f"[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    found = scan_text(text, "home/.aws/credentials")
    kid = by_rule(found, "aws-access-key-id")[0]
    sec = by_rule(found, "aws-secret-access-key")[0]
    assert kid.linked == (sec.fingerprint,)
    assert sec.linked == (kid.fingerprint,)


def test_aws_pair_far_apart_is_not_linked() -> None:
    text = f"aws_access_key_id = {AWS_KEY_ID}\n" + "\n" * 30 + f"aws_secret_access_key = {AWS_SECRET}\n"
    found = scan_text(text)
    assert by_rule(found, "aws-access-key-id")[0].linked == ()


def test_base64_values_in_kubernetes_secret_are_decoded_and_rescanned() -> None:
    enc = base64.b64encode(f"aws_secret_access_key = {AWS_SECRET}".encode()).decode()
    manifest = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  credentials: {enc}\n"
    found = by_rule(scan_text(manifest, "k8s/secret.yaml"), "aws-secret-access-key")
    assert [f.secret for f in found] == [AWS_SECRET]
    assert found[0].line == 6
    assert found[0].extra["encoding"] == "base64"


def test_a_value_named_or_piped_as_base64_is_decoded_a_mention_elsewhere_decodes_nothing() -> None:
    enc = base64.b64encode(f"aws_secret_access_key = {AWS_SECRET}".encode()).decode()
    secrets = lambda text, path="app/config.py": [  # noqa: E731
        (f.line, f.secret) for f in by_rule(scan_text(text, path), "aws-secret-access-key")]
    assert secrets(f"import os\nCREDS_B64 = '{enc}'\n") == [(2, AWS_SECRET)]
    assert secrets(f"creds_base64:\n  '{enc}'\n", "deploy/values.yaml") == [(2, AWS_SECRET)]
    assert secrets(f"echo '{enc}' | base64 -d > ~/.aws/credentials\n", "ci/setup.sh") == [(1, AWS_SECRET)]
    far = "import base64\n" + "x = 1\n" * 20 + f"BLOB = '{enc}'\n"
    assert secrets(far) == []  # a module import is not a name for the value 21 lines on
    assert secrets("kind: Secret\n" + far, "k8s/creds.yaml") == [(23, AWS_SECRET)]  # a Secret: every value


def test_a_base64_value_running_past_a_long_line_cut_is_decoded_whole() -> None:
    from scanner.engine.prefilter import REACH

    enc = base64.b64encode(f"aws_secret_access_key = {AWS_SECRET} ".encode() + b"x" * REACH).decode()
    bundle = "var a=1;" * 100 + f'window.creds_b64="{enc}";' + "var b=2;" * 1000
    found = by_rule(scan_text(bundle, "static/app.min.js"), "aws-secret-access-key")
    assert [f.secret for f in found] == [AWS_SECRET]


def test_base64_decoding_can_be_switched_off() -> None:
    from scanner.rules import load_builtin_rules

    enc = base64.b64encode(f"aws_secret_access_key = {AWS_SECRET}".encode()).decode()
    e = Engine(load_builtin_rules(), decode=False)
    assert scan(e, f"data:\n  credentials: {enc}\n") == []


@pytest.mark.parametrize("value", [
    "changeme1234", "your_password_here", "<your-db-password>", "${DB_PASSWORD}", "$DB_PASSWORD",
    "{{ db_password }}", "%(password)s", 'os.environ["DB_PASSWORD"]', "process.env.DB_PASSWORD",
    "var.db_password", "xxxxxxxxxxxx",
])
def test_placeholders_templates_and_references_are_not_findings(value: str) -> None:
    assert by_rule(scan_text(f"db_password = {value}\n"), "generic-password") == []


def test_real_looking_password_is_found() -> None:
    assert by_rule(scan_text('db_password = "Tr0ub4dor&3xK9q"\n'), "generic-password")


def test_aws_documentation_examples_are_not_findings() -> None:
    text = ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    assert scan_text(text) == []


def test_github_token_with_wrong_checksum_is_not_a_finding() -> None:
    assert by_rule(scan_text(f'token = "{GITHUB_PAT}"'), "github-pat-classic")
    broken = GITHUB_PAT[:-1] + ("A" if GITHUB_PAT[-1] != "A" else "B")
    assert by_rule(scan_text(f'token = "{broken}"'), "github-pat-classic") == []


def test_lockfile_integrity_hashes_and_plain_uuids_are_not_findings() -> None:
    lock = '"integrity": "sha512-Q7x9Lm2Pz8RkQ7x9Lm2Pz8RkQ7x9Lm2Pz8RkQ7x9Lm2Pz8Rk+/Aa=="\n'
    assert scan_text(lock, "package-lock.json") == []
    assert scan_text("request_id = 3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b\n") == []


def test_generic_values_in_lock_files_are_dropped_by_the_file_name_only() -> None:
    line = 'password = "Tr0ub4dor&3xK9q"\n'
    for lock in ("yarn.lock", "web/app/yarn.lock", "Cargo.lock", "go.sum", "gradle.lockfile"):
        assert by_rule(scan_text(line, lock), "generic-password") == [], lock
    for other in ("app/settings.py", "myyarn.lock", "yarn.lock.bak", "yarn.lock/notes.txt", "Yarn.Lock"):
        assert by_rule(scan_text(line, other), "generic-password"), other


def test_generic_findings_in_test_paths_get_lower_severity() -> None:
    text = 'db_password = "Tr0ub4dor&3xK9q"\n'
    [prod] = by_rule(scan_text(text, "app/settings.py"), "generic-password")
    [test] = by_rule(scan_text(text, "tests/test_settings.py"), "generic-password")
    assert test.severity.rank < prod.severity.rank
    assert test.extra["context"] == "test-or-example"


def test_generic_rule_does_not_duplicate_a_specific_finding() -> None:
    rules = parse_rules_text('''
[[rules]]
id = "specific"
description = "specific"
severity = "high"
keywords = ["tok_"]
regex = '(tok_[A-Za-z0-9]{12})'
secret_group = 1
[[rules]]
id = "generic"
description = "generic"
severity = "medium"
keywords = ["token"]
regex = 'token\\s*=\\s*"([^"]+)"'
secret_group = 1
tags = ["generic"]
''', "inline")
    found = Engine(rules).scan(Chunk('token = "tok_Q7x9Lm2Pz8Rk"', Origin("a.py")))
    assert [f.rule_id for f in found] == ["specific"]


def test_two_specific_rules_on_one_secret_report_it_once_under_the_rule_that_knows_the_setting() -> None:
    rules = parse_rules_text('''
[[rules]]
id = "bare"
description = "bare format"
severity = "high"
keywords = ["tok_"]
regex = '(tok_[A-Za-z0-9]{12})'
secret_group = 1
[[rules]]
id = "in-context"
description = "format in its config key"
severity = "high"
keywords = ["deploy_token"]
regex = 'deploy_token:\\s*(tok_[A-Za-z0-9]{12})'
secret_group = 1
''', "inline")
    engine = Engine(rules)
    found = engine.scan(Chunk("deploy_token: tok_Q7x9Lm2Pz8Rk\nother: tok_Z8x9Lm2Pz8Rq\n", Origin("a.yml")))
    assert [(f.rule_id, f.line) for f in found] == [("in-context", 1), ("bare", 2)]
    first = found[0]
    # the other rule is named, and the bare prefixed format's higher confidence is kept
    assert first.extra["also"] == ["bare"]
    assert first.confidence == found[1].confidence
    assert "also" not in found[1].extra


def test_a_provider_key_under_its_name_is_not_reported_as_the_provider_whose_prefix_it_shares() -> None:
    found = scan_text("PAYSTACK_SECRET=sk_live_80f25f20c1df8365054b9b8d6f1cfd96604b87b4\n", "app.env")
    assert [f.rule_id for f in found] == ["paystack-secret-key"]
    assert "stripe-secret-key" in found[0].extra["also"]


def test_a_rule_made_for_the_file_beats_a_connection_string_rule_on_its_password() -> None:
    text = 'servers = ( { address = "irc.libera.chat"; password = "FqICdUdjfSPXT9"; } );\n'
    found = scan_text(text, "home/me/.irssi/config")
    assert [(f.rule_id, f.secret) for f in found] == [("irssi-config-password", "FqICdUdjfSPXT9")]


def test_a_kubeconfig_client_key_is_one_finding_not_also_a_bare_base64_key() -> None:
    rule = next(r for r in load_builtin_rules() if r.id == "kubeconfig-client-key")
    ex = rule.examples[0]
    found = scan_text(ex.text, ex.path or "kubeconfig")
    assert [(f.rule_id, f.secret) for f in found] == [("kubeconfig-client-key", ex.secret)]


def test_a_decoded_value_holding_two_secrets_reports_both() -> None:
    inner = f"aws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    text = f"kind: Secret\ndata:\n  credentials: {base64.b64encode(inner.encode()).decode()}\n"
    found = scan_text(text, "deploy/secret.yaml")
    assert {f.secret for f in found} >= {AWS_KEY_ID, AWS_SECRET}


def test_same_secret_gets_same_fingerprint_regardless_of_position() -> None:
    a = scan_text(f"key = {AWS_KEY_ID}")
    b = scan_text(f"\n\n    other_key = {AWS_KEY_ID}  # moved")
    assert a[0].fingerprint == b[0].fingerprint


def test_decoded_secret_wins_over_its_encoded_form() -> None:
    enc = base64.b64encode(b"Sx9!vQ2#mL7pRt4z").decode()
    found = by_rule(scan_text(f"kind: Secret\ndata:\n  password: {enc}\n", "k8s/s.yaml"), "generic-password")
    assert [f.secret for f in found] == ["Sx9!vQ2#mL7pRt4z"]


def test_a_base64_private_key_is_one_finding_not_two() -> None:
    # the encoded value matches the base64-private-key rule and its decoding the private-key rule:
    # one secret, reported once, by the rule that knows the encoded form
    enc = base64.b64encode(RSA_KEY.encode()).decode()
    found = scan_text(f"DEPLOY_KEY={enc}\n", "deploy/.env")
    assert [(f.rule_id, f.secret, f.line) for f in found] == [("base64-private-key", enc, 1)]


def test_a_private_key_inside_base64_json_is_decoded() -> None:
    blob = json.dumps({"name": "deploy-1", "key": RSA_KEY})
    assert blob.index("-----BEGIN") % 3  # not on a base64 boundary: the encoded text shows no PEM opening
    enc = base64.b64encode(blob.encode()).decode()
    found = scan_text(f"DEPLOY_BUNDLE_B64={enc}\n", "deploy/.env")
    assert [f.rule_id for f in found] == ["private-key"]
    assert found[0].secret.startswith("-----BEGIN RSA PRIVATE KEY-----") and found[0].extra["encoding"] == "base64"


def test_base64_digests_in_lock_files_are_not_decoded() -> None:
    enc = base64.b64encode(f"aws_secret_access_key = {AWS_SECRET}".encode()).decode()
    assert scan_text(f'"integrity": "{enc}", "b64_note": "base64"\n', "package-lock.json") == []
