"""`keysweep sweep`, `exposure` and `report` end to end through the console entry point."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.engine import fingerprint
from tests.store.builders import AWS_KEY_ID, AWS_SECRET
from tests.sweep.conftest import Fleet
from tests.sweep.gitrepos import github_pat


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def entry(ctx: click.Context) -> None:
    main(list(ctx.args))


def ks(*args: str, input: str | None = None) -> tuple[int, str, str]:
    res = CliRunner().invoke(entry, list(args), input=input, catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def swept(tmp_path: Path, fleet: Fleet) -> Path:
    store = tmp_path / "ks.db"
    code, _, err = ks("sweep", str(fleet.root), "--store", str(store))
    assert code == 1, err
    return store


def test_sweep_reports_open_findings_then_only_news(tmp_path: Path, fleet: Fleet, swept: Path) -> None:
    code, out, err = ks("sweep", str(fleet.root), "--store", str(swept), "--format", "json")
    records = json.loads(out)
    assert code == 1 and {r["rule_id"] for r in records} == {"aws-access-key-id", "aws-secret-access-key"}
    assert {r["repository"] for r in records} == {str(fleet.payments.path)}
    assert {r["status"] for r in records} == {"open"} and AWS_SECRET not in out
    assert "3 unchanged" in err and "0 new findings, 2 open" in err
    code, out, _ = ks("sweep", str(fleet.root), "--store", str(swept), "--new-only")
    assert code == 0 and "No new secrets since the last sweep; 2 open secret occurrence(s) remain." in out
    fleet.docs.commit({"deploy.sh": f"export GITHUB_TOKEN={github_pat()}\n"}, "deploy")
    code, out, _ = ks("sweep", str(fleet.root), "--store", str(swept), "--new-only", "--format", "json")
    assert code == 1 and [(r["path"], r["status"]) for r in json.loads(out)] == [("deploy.sh", "new")]


def test_default_store_lives_under_xdg_data_home(tmp_path: Path, fleet: Fleet,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert ks("sweep", str(fleet.docs.path))[0] == 0
    assert (tmp_path / "data" / "keysweep" / "keysweep.db").is_file()


def test_repos_file_and_a_bad_entry(tmp_path: Path, fleet: Fleet) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# fleet\n{fleet.payments.path}\nrepos/not-there\n\n", encoding="utf-8")
    code, out, err = ks("sweep", "--repos", str(listing), "--store", str(tmp_path / "ks.db"))
    assert code == 1 and "payments/deploy/env.sh" in out
    assert f"{tmp_path}/repos/not-there: no such repository" in err and "Traceback" not in err


def test_every_repository_failing_is_exit_3(tmp_path: Path) -> None:
    code, out, err = ks("sweep", "file:///nonexistent/a.git", "--store", str(tmp_path / "ks.db"),
                      "--clone-dir", str(tmp_path / "clones"))
    assert code == 3 and "cannot fetch file:///nonexistent/a.git" in err
    assert "Nothing was swept: no repository could be read" in out and "No secrets found" not in out


def test_reports_from_the_store_mask_once_and_have_no_entropy(tmp_path: Path, swept: Path) -> None:
    from scanner.report.base import mask

    code, out, _ = ks("report", "--store", str(swept), "--format", "text")
    assert code == 0 and f"secret {mask(AWS_SECRET)}" in out  # 6 characters kept, as in a scan's report
    code, out, _ = ks("report", "--store", str(swept), "--format", "json")
    records = json.loads(out)
    assert records and all(r["entropy"] is None for r in records)
    assert {r["secret"] for r in records} >= {mask(AWS_SECRET)}
    code, out, err = ks("report", "--store", str(swept), "--format", "csv", "-o", str(tmp_path / "r.csv"))
    assert code == 0 and out == "" and "2 finding(s)" in err and "Report written to" in err


def test_usage_errors(tmp_path: Path) -> None:
    assert ks("sweep", "--store", str(tmp_path / "ks.db"))[0] == 2
    (tmp_path / "plain").mkdir()
    code, _, err = ks("sweep", str(tmp_path / "plain"), "--store", str(tmp_path / "ks.db"))
    assert code == 2 and "neither a git repository nor a folder of repositories" in err


def test_locked_store_is_exit_3_and_keeps_data(tmp_path: Path, fleet: Fleet, swept: Path) -> None:
    blocker = sqlite3.connect(swept, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = ks("sweep", str(fleet.root), "--store", str(swept), "--lock-timeout", "0.2")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert code == 3 and err.strip().splitlines() == [
        f"keysweep: error: {swept}: store is locked by another process (waited 0.2 s); "
        "try again when the other sweep has finished"]
    code, out, _ = ks("report", "--store", str(swept), "--format", "json")
    assert code == 0 and len(json.loads(out)) == 2


def test_corrupt_store_is_named_and_untouched(tmp_path: Path, fleet: Fleet) -> None:
    bad = tmp_path / "ks.db"
    bad.write_bytes(b"\x00garbage" * 1000)
    code, _, err = ks("sweep", str(fleet.root), "--store", str(bad))
    assert code == 3 and str(bad) in err and "left untouched" in err and "Traceback" not in err
    assert bad.read_bytes() == b"\x00garbage" * 1000


def test_exposure_by_key_id(swept: Path, fleet: Fleet, tmp_path: Path) -> None:
    iam = tmp_path / "iam.json"
    iam.write_text(json.dumps({"generated_at": "2024-06-01T00:00:00Z", "accounts": [], "credentials": [
        {"access_key_id": AWS_KEY_ID, "account_id": "123456789012", "user_name": "deploy-bot", "status": "Active",
         "created": "2023-01-01T00:00:00Z", "age_days": 517, "last_used": None, "flags": ["leaked-active"],
         "risk": "critical", "leaks": []}]}), encoding="utf-8")
    code, out, _ = ks("exposure", AWS_KEY_ID, "--store", str(swept), "--iam-report", str(iam))
    assert code == 1
    assert "OPEN, still at HEAD" in out and "deploy/env.sh:1" in out and "deploy/env.sh:2" in out
    assert "user deploy-bot in account 123456789012; Active" in out and "risk critical" in out
    assert fleet.payments.git("rev-parse", "HEAD~1")[:12] in out and AWS_SECRET not in out
    assert f"{fleet.payments.path}  main  " in out


def test_exposure_of_a_secret_from_stdin_never_echoes_it(swept: Path) -> None:
    code, out, err = ks("exposure", "-", "--store", str(swept), "--format", "json", input=github_pat() + "\n")
    data = json.loads(out)
    assert code == 1 and github_pat() not in out + err
    assert data["fingerprints"] == [fingerprint("github-pat-classic", github_pat())]
    assert data["still_at_head"] is False and data["resolved_reason"] == "removed-from-head"
    (s,) = data["sightings"]
    assert (s["path"], s["author_email"], s["source"]) == ("settings.py", "mallory@example.com", "store")


def test_exposure_by_fingerprint_also_scans_paths_now(tmp_path: Path, fleet: Fleet,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # no default store: only the scan counts
    elsewhere = tmp_path / "loose"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text(f"aws_secret_access_key = {AWS_SECRET}\n", encoding="utf-8")
    fp = fingerprint("aws-secret-access-key", AWS_SECRET)
    code, out, _ = ks("exposure", fp, str(fleet.payments.path), str(elsewhere), "--format", "json")
    data = json.loads(out)
    where = {(Path(s["repository"]).name if s["repository"] else None, s["path"], s["source"])
             for s in data["sightings"]}
    assert code == 1 and {("payments", "deploy/env.sh", "scan"), (None, str(elsewhere / "notes.txt"), "scan")} <= where
    assert data["rules"][0] == "aws-secret-access-key" and AWS_KEY_ID in data["access_key_ids"]
    code, _, err = ks("exposure", fp, "--store", str(tmp_path / "no.db"))
    assert code == 2 and "no such store" in err  # an explicit --store must exist


def test_exposure_not_found_and_bad_keys(swept: Path) -> None:
    code, out, _ = ks("exposure", "github-pat-classic:0123456789abcdef0123", "--store", str(swept))
    assert code == 0 and "not found" in out
    code, _, err = ks("exposure", "hunter2-my-password", "--store", str(swept))
    assert code == 2 and "hunter2" not in err and "stdin" in err


def test_report_html_from_store_and_from_findings_file(tmp_path: Path, swept: Path, fleet: Fleet) -> None:
    page = tmp_path / "report.html"
    assert ks("report", "--store", str(swept), "--output", str(page))[0] == 0
    html = page.read_text(encoding="utf-8")
    assert html.count('<tr data-severity=') == 2 and str(fleet.payments.path) in html and AWS_SECRET not in html
    assert ks("report", "--store", str(swept), "--all", "-o", str(page))[0] == 0
    assert page.read_text(encoding="utf-8").count('<tr data-severity=') == 3
    findings = tmp_path / "findings.json"
    ks("scan", str(fleet.payments.path), "--format", "json", "--output", str(findings))
    assert ks("report", "--findings", str(findings), "-o", str(page))[0] == 0
    assert "deploy/env.sh" in page.read_text(encoding="utf-8")
    code, _, err = ks("report", "--store", str(tmp_path / "missing.db"))
    assert code == 2 and "no such store" in err


def test_verify_resolves_keys_their_provider_rejects(tmp_path: Path, fleet: Fleet, fake_http,  # type: ignore[no-untyped-def]
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fixtures.fake_http import json_reply

    server = fake_http()
    server.route("GET", "/user", lambda req: json_reply(401, {"message": "Bad credentials"}))
    monkeypatch.setenv("KEYSWEEP_GITHUB_URL", server.url)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    fleet.docs.commit({"ci.yml": f"token: {github_pat()}\n"}, "ci")
    store = str(tmp_path / "ks.db")
    code, out, _ = ks("sweep", str(fleet.docs.path), str(fleet.web.path), "--store", store, "--verify",
                      "--format", "json")
    assert code == 0 and json.loads(out) == []  # rejected by GitHub: resolved as deactivated
    # the same token is in `docs` and in `web`'s history: asked about once
    assert len(server.requests) == 1 and server.requests[0].headers["authorization"].endswith(github_pat())
    _, out, _ = ks("report", "--store", store, "--all", "--format", "json")
    docs = next(r for r in json.loads(out) if r["path"] == "ci.yml")
    assert (docs["resolved_reason"], docs["verification"]["status"]) == ("deactivated", "invalid")


def test_exposure_live_reads_the_iam_record(tmp_path: Path, aws, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.moto_server import ADMIN_POLICY

    aws.admin()
    ((key_id, _),) = aws.user("deploy-bot", policy=ADMIN_POLICY)
    aws.enforce()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, out, err = ks("exposure", key_id, "--live", "--format", "json")
    assert code == 1, err
    ((rec),) = json.loads(out)["iam"]
    assert (rec["access_key_id"], rec["user_name"], rec["status"]) == (key_id, "deploy-bot", "Active")
    assert "over-privileged" in rec["flags"]
    code, out, _ = ks("exposure", key_id, "--live")
    assert "user deploy-bot in account" in out and "Active" in out


def test_the_store_keeps_every_confidence_level_and_reports_filter_them(tmp_path: Path, fleet: Fleet,
                                                                       swept: Path) -> None:
    fleet.docs.commit({"tests/test_db.py": 'DB_PASSWORD = "Zq8#rT2!vLw9pXk4"\n'}, "test password")
    code, out, err = ks("sweep", str(fleet.root), "--store", str(swept), "--format", "json", "--new-only")
    assert code == 0 and json.loads(out) == [], err  # the only new finding is low confidence
    code, out, _ = ks("report", "--store", str(swept), "--format", "json", "--min-confidence", "low")
    levels = {r["path"]: r["confidence"] for r in json.loads(out)}
    assert levels["tests/test_db.py"] == "low" and levels["deploy/env.sh"] in ("high", "medium")
    _, out, _ = ks("report", "--store", str(swept), "--format", "text")
    assert "test_db.py" not in out and "1 lower-confidence finding(s) below medium hidden" in out


def test_a_swept_repository_config_is_ignored_unless_trusted(tmp_path: Path, fleet: Fleet,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (fleet.payments.path / ".keysweep.toml").write_text("[allowlist]\npaths = ['.*']\n")
    monkeypatch.chdir(fleet.payments.path)  # the config a sweep would find in the current folder
    code, out, err = ks("sweep", str(fleet.payments.path), "--store", str(tmp_path / "a.db"))
    assert code == 1 and "deploy/env.sh" in out
    assert "inside a swept repository; ignored" in err
    code, out, err = ks("sweep", str(fleet.payments.path), "--store", str(tmp_path / "b.db"), "--trust-repo-config")
    assert code == 0 and "ignored" not in err


def test_what_the_sweep_config_suppresses_is_counted(tmp_path: Path, fleet: Fleet) -> None:
    config = tmp_path / "ks.toml"
    config.write_text("[allowlist]\npaths = ['^deploy/']\n")
    code, out, err = ks("sweep", str(fleet.payments.path), "--store", str(tmp_path / "ks.db"), "--config", str(config))
    assert code == 0 and "deploy/env.sh" not in out
    assert "2 suppressed by the configuration's allowlist" in err


def test_a_secret_at_the_tip_of_any_branch_stays_open(tmp_path: Path) -> None:
    from tests.git.builder import PAT_A, GitRepo, lines

    repo = GitRepo(tmp_path / "svc")
    repo.commit("token", files={"ci.sh": lines(f"export GH={PAT_A}")})
    repo.git("branch", "release")  # the release branch keeps the token
    repo.commit("drop token", files={"ci.sh": lines("export GH=$GH")})
    store = str(tmp_path / "ks.db")

    def open_ones() -> list[dict]:
        code, out, _ = ks("report", "--store", store, "--format", "json")
        return json.loads(out)

    assert ks("sweep", str(repo.path), "--store", store)[0] == 1
    (rec,) = open_ones()
    assert rec["rule_id"] == "github-pat-classic" and rec["present_in_head"] is False  # open: on release
    repo.git("checkout", "-q", "release")
    repo.commit("release work", files={"notes.txt": "v2\n"})  # release moves; the token is still there
    repo.git("checkout", "-q", "main")
    ks("sweep", str(repo.path), "--store", store)
    assert len(open_ones()) == 1
    repo.git("branch", "-D", "release")
    ks("sweep", str(repo.path), "--store", store)
    assert open_ones() == []  # no branch holds it any more: resolved
    code, out, _ = ks("report", "--store", store, "--format", "json", "--all")
    assert [r["resolved_reason"] for r in json.loads(out)] == ["removed-from-head"]


def test_the_sweep_config_excludes_paths_in_history_and_at_head(tmp_path: Path) -> None:
    from tests.git.builder import PAT_A, PAT_B, GitRepo, lines

    repo = GitRepo(tmp_path / "svc")
    repo.commit("vendored", files={"vendor/lib/ci.sh": lines(f"export GH={PAT_A}"),
                                   "app/deploy.sh": lines(f"export GH={PAT_B}")})
    config = tmp_path / "ks.toml"
    config.write_text("[scan]\nexclude = ['vendor/**']\n")
    store = str(tmp_path / "ks.db")
    assert ks("sweep", str(repo.path), "--store", store, "--config", str(config))[0] == 1
    code, out, _ = ks("report", "--store", store, "--format", "json")
    assert [r["path"] for r in json.loads(out)] == ["app/deploy.sh"]
    # without the exclude, a new sweep store sees both
    other = str(tmp_path / "other.db")
    ks("sweep", str(repo.path), "--store", other)
    code, out, _ = ks("report", "--store", other, "--format", "json")
    assert sorted(r["path"] for r in json.loads(out)) == ["app/deploy.sh", "vendor/lib/ci.sh"]


def test_sweeps_apply_terraform_structure_and_the_configs_disabled_rules(tmp_path: Path) -> None:
    from tests.sweep.gitrepos import make_repo

    infra = make_repo(tmp_path / "repos" / "infra", {"vars.tf": 'variable "db" { type = string }\n'})
    infra.commit({"vars.tf": 'variable "db_password" {\n  default = "Tr0ub4dor&3xK9q"\n}\n'}, "default")
    code, out, err = ks("sweep", str(infra.path), "--store", str(tmp_path / "a.db"), "--format", "json")
    assert code == 1, err
    assert [(r["rule_id"], r["path"]) for r in json.loads(out)] == [("terraform-variable-default-secret", "vars.tf")]
    config = tmp_path / "ks.toml"
    config.write_text('disabled_rules = ["terraform-variable-default-secret"]\n', encoding="utf-8")
    code, out, err = ks("sweep", str(infra.path), "--store", str(tmp_path / "b.db"), "--config", str(config),
                        "--format", "json")
    assert code == 0 and json.loads(out) == [], err
