"""Confidence on every finding: the base level from the rule's shape, context lowering one step,
checksum-valid and verified secrets never lowered, and `--min-confidence` on the reporting commands."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest

from scanner.engine import Engine
from scanner.engine.confidence import at_least, made_up, verified
from scanner.models import Chunk, Confidence, Finding, Origin, Verification, VerificationStatus
from scanner.rules import load_builtin_rules
from tests.cloud.runcli import keysweep
from tests.helpers import AWS_KEY_ID, GITHUB_PAT, RSA_KEY


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine(load_builtin_rules())


def found(text: str, path: str = "app/settings.py") -> list[Finding]:
    return engine().scan(Chunk(text, Origin(path=path)))


def one(text: str, path: str = "app/settings.py") -> Finding:
    [f] = found(text, path)
    return f


def test_checksum_valid_token_is_high_everywhere() -> None:
    for path in ("app/settings.py", "tests/fixtures/test_auth.py", "docs/index.md"):
        f = one(f'TOKEN = "{GITHUB_PAT}"\n', path)
        assert f.confidence is Confidence.HIGH and "checksum" in f.confidence_reason, path


def test_prefixed_format_is_high_and_test_context_lowers_it_one_step() -> None:
    src = one(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n", "deploy/env.sh")
    test = one(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n", "tests/deploy/env.sh")
    assert src.confidence is Confidence.HIGH
    assert test.confidence is Confidence.MEDIUM and "lowered" in test.confidence_reason


def test_private_key_is_medium_and_low_in_a_fixture() -> None:
    assert one(RSA_KEY, "deploy/id_rsa").confidence is Confidence.MEDIUM
    assert one(RSA_KEY, "tests/fixtures/id_rsa").confidence is Confidence.LOW


@pytest.mark.parametrize("value", ["Zq8#rT2!vLw9pXk4", "r7Kp2Wq9Xz4Lm8Tn3Vb6"])
def test_strong_password_literal_in_source_is_medium(value: str) -> None:
    f = one(f'DB_PASSWORD = "{value}"\n')
    assert f.rule_id.startswith("generic") and f.confidence is Confidence.MEDIUM


@pytest.mark.parametrize("value", ["Welcome2024#", "hunter2hunter2", "Abcde12345xyz!", "admin12345!"])
def test_weak_or_typed_password_is_low(value: str) -> None:
    fs = [f for f in found(f'DB_PASSWORD = "{value}"\n') if f.rule_id.startswith("generic")]
    assert fs and all(f.confidence is Confidence.LOW for f in fs)


def test_strong_password_in_a_test_file_is_lowered_to_low() -> None:
    f = one('DB_PASSWORD = "Zq8#rT2!vLw9pXk4"\n', "tests/test_db.py")
    assert f.confidence is Confidence.LOW and "test" in f.confidence_reason


def test_a_live_verdict_raises_to_high_and_filtering_counts_what_is_hidden() -> None:
    f = one('DB_PASSWORD = "Zq8#rT2!vLw9pXk4"\n', "tests/test_db.py")
    live = replace(f, verification=Verification(VerificationStatus.VALID, "ok"))
    dead = replace(f, verification=Verification(VerificationStatus.INVALID, "no"))
    a, b = verified([live, dead])
    assert a.confidence is Confidence.HIGH and b.confidence is Confidence.LOW
    kept, hidden = at_least([a, b], Confidence.MEDIUM)
    assert kept == [a] and hidden == 1


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "app" / "env.sh").write_text(f"export AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
    (tmp_path / "tests" / "test_db.py").write_text('DB_PASSWORD = "Zq8#rT2!vLw9pXk4"\n')
    return tmp_path


def test_scan_hides_low_by_default_and_says_how_many(tree: Path) -> None:
    code, out, _ = keysweep("scan", "--no-progress", str(tree))
    assert code == 1
    assert "AKIA" in out and "test_db.py" not in out
    assert "1 lower-confidence finding(s) below medium hidden" in out and "--min-confidence low" in out
    code, out, _ = keysweep("scan", "--no-progress", "--min-confidence", "low", "--format", "json", str(tree))
    levels = {Path(f["path"]).name: (f["confidence"], f["confidence_reason"]) for f in json.loads(out)}
    assert levels["env.sh"][0] == "high" and levels["test_db.py"][0] == "low" and levels["test_db.py"][1]


def test_only_low_findings_exit_0_at_the_default_level(tree: Path) -> None:
    (tree / "app" / "env.sh").unlink()
    code, out, _ = keysweep("scan", "--no-progress", str(tree))
    assert code == 0 and "No secrets found at medium confidence or above." in out
    code, _, _ = keysweep("scan", "--no-progress", "--min-confidence", "high", str(tree))
    assert code == 0


def test_csv_and_sarif_carry_confidence(tree: Path) -> None:
    _, out, _ = keysweep("scan", "--no-progress", "--format", "csv", str(tree))
    head, row = out.splitlines()[:2]
    assert head.endswith("confidence,confidence_reason") and ",high," in row
    _, out, _ = keysweep("scan", "--no-progress", "--format", "sarif", str(tree))
    [res] = json.loads(out)["runs"][0]["results"]
    assert res["properties"]["confidence"] == "high"


def test_git_history_and_report_from_findings_file_filter_by_confidence(tree: Path, tmp_path: Path) -> None:
    import subprocess

    run = ["git", "-C", str(tree)]
    subprocess.run([*run, "init", "-q"], check=True)
    subprocess.run([*run, "add", "."], check=True)
    subprocess.run([*run, "-c", "user.name=a", "-c", "user.email=a@b.c", "commit", "-qm", "x"], check=True)
    code, out, _ = keysweep("git", "--no-progress", "--min-confidence", "low", "--format", "json", str(tree))
    assert code == 1 and sorted(f["confidence"] for f in json.loads(out)) == ["high", "low"]
    findings = tmp_path / "findings.json"
    findings.write_text(out)
    code, out, _ = keysweep("report", "--findings", str(findings), "--format", "json")
    assert [f["confidence"] for f in json.loads(out)] == ["high"]
    _, out, _ = keysweep("report", "--findings", str(findings), "--format", "json", "--min-confidence", "low")
    assert len(json.loads(out)) == 2


def test_identical_files_in_source_and_docs_keep_their_own_confidence(tmp_path: Path) -> None:
    for folder in ("src", "docs"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "env.sh").write_text(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")
    _, out, _ = keysweep("scan", "--no-progress", "--min-confidence", "low", "--format", "json", str(tmp_path))
    levels = {Path(f["path"]).parent.name: f["confidence"] for f in json.loads(out)}
    assert levels == {"src": "high", "docs": "medium"}


SHA512_CRYPT = "$6$Yh3kP9qZ$Vb7sLm2Qx9rTn4Wk8Jc1Fd6Hy3Zg5Ra0Ue2Ki7Po1Lq3Ms5Nt8Ov0Pw2Qx4Ry6Sz8Ta0Ub2Vc4Wd6Xe8Yf0Zg2"


def test_password_hash_in_a_comment_is_example_output_and_lowered() -> None:
    stored = one(f"deploy:{SHA512_CRYPT}:19000:0:99999:7:::\n", "backup/etc/shadow")
    assigned = one(f'admin_password_hash: "{SHA512_CRYPT}"\n', "roles/users/vars/main.yml")
    shown = one(f'    # pwdhash => "{SHA512_CRYPT}"\n', "plugins/filter/hashing.yml")
    assert stored.confidence is Confidence.MEDIUM and assigned.confidence is Confidence.MEDIUM
    assert shown.confidence is Confidence.LOW and "comment" in shown.confidence_reason


@pytest.mark.parametrize(("text", "path"), [
    ("DB_PASSWORD=pass123\n", "deploy/.env"),
    ("spring.datasource.password=welcome1\n", "src/main/resources/application.properties"),
    ("      - MYSQL_ROOT_PASSWORD=4711\n", "docker-compose.yml"),
])
def test_a_weak_password_in_a_deployment_config_file_is_a_medium_finding(text: str, path: str) -> None:
    f = one(text, path)
    assert f.rule_id == "config-file-weak-password"
    assert f.confidence is Confidence.MEDIUM and "deployment config" in f.confidence_reason


def test_the_same_weak_password_in_code_is_not_reported() -> None:
    assert found('DB_PASSWORD = "pass123"\n', "app/db.py") == []


@pytest.mark.parametrize("text", ["      - POSTGRES_PASSWORD=postgres\n", "RABBITMQ_DEFAULT_PASS=guest\n",
                                  "MINIO_ROOT_PASSWORD=minioadmin\n"])
def test_a_service_default_password_in_a_compose_file_is_at_most_low(text: str) -> None:
    fs = found(text, "docker-compose.yml")
    assert fs == [] or [f.confidence for f in fs] == [Confidence.LOW]


def test_a_weak_password_in_an_example_env_file_is_low() -> None:
    f = one("DB_PASSWORD=pass123\n", "deploy/.env.example")
    assert f.confidence is Confidence.LOW


def test_a_strong_password_in_an_env_file_keeps_the_generic_password_rule() -> None:
    # baselines hold fingerprints by rule: the weak-password rule must not take over strong values
    f = one("DB_PASSWORD=iarFnE%VRmm9JOw\n", "deploy/.env")
    assert f.rule_id == "generic-password" and f.confidence is Confidence.MEDIUM


def test_random_keys_that_spell_a_test_word_by_chance_are_not_made_up() -> None:
    # generated keys: `FO0` and hex `f00` / `7e57` / `a5df` are chance, not a person typing "foo"
    aws_secret = "aH+tH6A1WF/FO0j2HVQcXoFKQ+tM4pDyDsuSD93G"
    text = f'aws_access_key_id = "{AWS_KEY_ID}"\naws_secret_access_key = "{aws_secret}"\n'
    [f] = [x for x in found(text, "app/settings.toml") if x.secret == aws_secret]
    assert "made up" not in f.confidence_reason and f.confidence is not Confidence.LOW
    for value in ("c0ffee7e57a5df00b1a2c3d4e5f60718293a4b5c", "9f00aa7e57b3a5df11c2d3e4f5061728394a5b6c"):
        assert not made_up(value), value


@pytest.mark.parametrize("value", ["ghp_t3stt3stt3stt3stt3stt3stt3stt3st", "s3cr3t", "pa55w0rd", "f00f00f00f00",
                                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAIOSFODNN7EXAMPLE"])
def test_typed_or_spelt_test_values_stay_made_up(value: str) -> None:
    assert made_up(value)
