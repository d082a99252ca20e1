"""Baselines as users keep them: inside the tree, under version control, updated and audited."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scanner.baseline import Baseline, Entry, baseline_of, marked, read_baseline, updated, without_baseline
from scanner.errors import ConfigError
from tests.git.builder import PAT_A, PAT_B, GitRepo, filler, lines
from tests.git.test_cli import keysweep
from tests.helpers import AWS_KEY_ID, AWS_SECRET, GITHUB_PAT
from tests.store.builders import make_finding

PASSWORD_LINE = 'db_password = "Qm7vT2pX9wLk4Rz8"\n'


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "conf").mkdir(parents=True)
    (root / "conf" / "app.ini").write_text(PASSWORD_LINE + f"aws_access_key_id = {AWS_KEY_ID}\n"
                                           f"aws_secret_access_key = {AWS_SECRET}\n")
    (root / "src.py").write_text(f'TOKEN = "{GITHUB_PAT}"\n')
    return root


def test_baseline_inside_the_tree_does_not_flag_itself_and_converges(tree: Path) -> None:
    code, _, err = keysweep("baseline", "create", cwd=tree)
    assert code == 0, err
    base = tree / ".keysweep-baseline.json"
    first = base.read_bytes()
    assert keysweep("scan", ".", "--baseline", ".keysweep-baseline.json", "--min-confidence", "low",
                    cwd=tree)[0] == 0
    assert keysweep("baseline", "create", cwd=tree)[0] == 0
    assert base.read_bytes() == first  # same tree, same bytes: no timestamps, nothing of its own added
    assert keysweep("baseline", "update", cwd=tree)[0] == 0
    assert base.read_bytes() == first
    doc = json.loads(first)
    assert len(doc["findings"]) == 4 and "generated_at" not in doc
    assert first.decode().count("\n    {") == 4  # one entry a line


def test_reports_left_in_the_tree_are_not_scanned(tree: Path) -> None:
    code, out, _ = keysweep("scan", ".", "--format", "json", cwd=tree)
    assert code == 1
    before = sorted(f["fingerprint"] for f in json.loads(out))
    for fmt in ("json", "jsonl", "csv", "sarif", "text"):
        for redact in ((), ("--redact",)):
            name = f"report{'-redacted' if redact else ''}.{fmt}"
            keysweep("scan", "conf", "src.py", "--format", fmt, "-o", name, *redact, cwd=tree)
    keysweep("report", "--findings", "report.json", "-o", "report.html", cwd=tree)
    code, out, err = keysweep("scan", ".", "--format", "json", "-v", cwd=tree)
    assert sorted(f["fingerprint"] for f in json.loads(out)) == before
    for name in ("report.json", "report-redacted.sarif", "report.csv", "report.html", "report-redacted.text"):
        assert f"{name}: keysweep " in err and "not scanned" in err


def test_a_baseline_entry_covers_the_secret_whichever_rule_finds_it() -> None:
    known = baseline_of([make_finding(AWS_SECRET, "s3cfg-secret-key")])
    other_rule = make_finding(AWS_SECRET, "generic-secret")
    new_secret = make_finding(PAT_A, "generic-secret")
    assert without_baseline([other_rule, new_secret], known) == [new_secret]


def test_update_adds_new_drops_gone_and_keeps_marks() -> None:
    old = marked(baseline_of([make_finding(AWS_SECRET, "s3cfg-secret-key"), make_finding(PAT_A, "r-one")]),
                 {f"s3cfg-secret-key:{make_finding(AWS_SECRET, 's3cfg-secret-key').fingerprint[-20:]}":
                  "accepted-risk"})
    today = [make_finding(AWS_SECRET, "generic-secret"), make_finding(PAT_B, "r-two")]
    new, added, dropped = updated(old, today)
    assert (added, dropped) == (1, 1)
    by_rule = {e.rule_id: e for e in new.entries}
    assert set(by_rule) == {"s3cfg-secret-key", "r-two"}
    assert by_rule["s3cfg-secret-key"].audit == "accepted-risk"


def test_bad_marks_and_fingerprints_are_errors(tmp_path: Path) -> None:
    b = Baseline.of([Entry("generic-password:0123456789abcdef0123", "generic-password")])
    with pytest.raises(ConfigError, match="unknown audit mark"):
        marked(b, {"generic-password:0123456789abcdef0123": "maybe"})
    with pytest.raises(ConfigError, match="not in the baseline"):
        marked(b, {"other:0123456789abcdef0123": "real"})
    bad = tmp_path / "b.json"
    bad.write_text('{"format": "keysweep-baseline", "version": 1, "findings": [{"fingerprint": "a:b", '
                   '"audit": "yes"}]}')
    with pytest.raises(ConfigError, match=r"findings\[0\]: unknown audit mark"):
        read_baseline(bad)


def test_audit_marks_interactively_and_with_mark(tree: Path) -> None:
    assert keysweep("baseline", "create", cwd=tree)[0] == 0
    base = tree / ".keysweep-baseline.json"
    entries = json.loads(base.read_text())["findings"]
    first = entries[0]["fingerprint"]
    code, _, err = keysweep("baseline", "audit", "--mark", f"{first}=false-positive", "--note", "test value",
                            cwd=tree)
    assert code == 0, err
    got = {e["fingerprint"]: e for e in json.loads(base.read_text())["findings"]}
    assert got[first]["audit"] == "false-positive" and got[first]["note"] == "test value"
    import os
    import sys

    from tests.git.test_cli import ROOT

    done = subprocess.run([sys.executable, "-m", "scanner.cli", "baseline", "audit"], input="r\na\nq\n",
                          capture_output=True, text=True, cwd=tree, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert AWS_SECRET not in done.stdout and GITHUB_PAT not in done.stdout
    assert "[1/3]" in done.stdout and ":" in done.stdout
    marks = [e.get("audit") for e in json.loads(base.read_text())["findings"]]
    assert sorted(m or "" for m in marks) == sorted(["false-positive", "real", "accepted-risk", ""])


@pytest.fixture
def hooked(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", files={"README.md": "# demo\n", "app/settings.py": lines(*filler(10))})
    return r


def test_hook_counts_after_the_baseline_and_names_the_bypasses(hooked: GitRepo) -> None:
    hooked.write("a.sh", lines(f"export A={PAT_A}"))
    hooked.write("b.sh", lines(f"export B={PAT_B}"))
    hooked.git("add", "-A")
    code, out, err = keysweep("git", "--staged", "--format", "json", cwd=hooked.path)
    assert code == 1 and "add 2 secret(s)" in err
    assert "SKIP=keysweep" in err and "--no-verify" in err and "keysweep baseline create" not in err
    fp_a = next(f["fingerprint"] for f in json.loads(out) if f["path"] == "a.sh")
    # the printed command, as pre-commit's environment would run it: this interpreter, the scanner module
    cmd = next(line.strip() for line in err.splitlines() if " -m scanner baseline add " in line)
    assert fp_a in cmd
    code, _, e2 = keysweep("baseline", "add", fp_a, "--baseline", ".keysweep-baseline.json", cwd=hooked.path)
    assert code == 0, e2
    hooked.git("add", "-A")  # the baseline is staged with the commit: it must not block it
    code, _, err = keysweep("git", "--staged", "--baseline", ".keysweep-baseline.json", cwd=hooked.path)
    assert code == 1 and "add 1 secret(s)" in err, err
    assert "already reads it" in err


def test_output_file_still_prints_the_summary(hooked: GitRepo) -> None:
    hooked.write("a.sh", lines(f"export A={PAT_A}"))
    hooked.git("add", "-A")
    code, out, err = keysweep("git", "--staged", "-o", "report.json", "--format", "json", cwd=hooked.path)
    assert code == 1 and out == ""
    assert "1 finding(s), 1 distinct secret(s): 1 critical." in err and "Report written to report.json" in err
