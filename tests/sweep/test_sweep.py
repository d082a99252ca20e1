"""Sweeps over real repositories: incremental re-runs, resolution, faults."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from scanner.store import OccurrenceQuery, Store
from scanner.sweep import EngineSpec, SweepOptions, resolve, sweep
from scanner.sweep.pool import DIED
from tests.store.builders import AWS_KEY_ID
from tests.sweep.conftest import Fleet
from tests.sweep.faults import CrashOn
from tests.sweep.gitrepos import github_pat

LOCAL = SweepOptions(jobs=2)


def run(store: Store, fleet: Fleet, spec: EngineSpec, options: SweepOptions = LOCAL, **kw):
    targets, problems = resolve([str(fleet.root)], store.repositories())
    assert not problems
    return sweep(store, targets, spec, options, **kw)


def by_repo(result) -> dict[str, str]:
    return {Path(o.location).name: o.status for o in result.outcomes}


def test_first_sweep_finds_and_attributes(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        r = run(store, fleet, spec)
        assert r.status == "ok" and by_repo(r) == {"payments": "scanned", "web": "scanned", "docs": "scanned"}
        rules = {(Path(o.repository).name, o.secret.rule_id, o.occurrence.path, o.occurrence.line) for o in r.new}
        assert rules == {("payments", "aws-access-key-id", "deploy/env.sh", 1),
                         ("payments", "aws-secret-access-key", "deploy/env.sh", 2),
                         ("web", "github-pat-classic", "settings.py", 1)}
        token = next(o for o in r.new if o.secret.rule_id == "github-pat-classic")
        assert token.occurrence.author_email == "mallory@example.com"
        assert token.occurrence.commit == fleet.web.git("rev-parse", "HEAD~1")
        assert not token.at_head and token.history.resolved_reason == "removed-from-head"
        assert token.occurrence.extra["refs"] == ["main"]
        assert {o.secret.rule_id for o in r.open} == {"aws-access-key-id", "aws-secret-access-key"}
        assert store.scanned_commit_count(str(fleet.web.path)) == 3


def test_unchanged_second_sweep_scans_nothing(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        run(store, fleet, spec)
        r = run(store, fleet, spec)
        assert set(by_repo(r).values()) == {"unchanged"}
        assert r.new == () and len(r.open) == 2


def test_new_commit_is_the_only_work_and_the_only_news(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        run(store, fleet, spec)
        commit = fleet.docs.commit({"ci.yml": f"token: {github_pat()}\n"}, "ci")
        r = run(store, fleet, spec)
        assert by_repo(r) == {"payments": "unchanged", "web": "unchanged", "docs": "scanned"}
        docs = next(o for o in r.outcomes if o.name == "docs")
        assert docs.new_commits == (commit,)
        assert [(Path(o.repository).name, o.occurrence.path, o.at_head) for o in r.new] == [("docs", "ci.yml", True)]
        # the token was resolved in `web`; appearing at HEAD of `docs` opens it again
        assert {Path(o.repository).name for o in r.open if o.secret.rule_id == "github-pat-classic"} == {"web", "docs"}


def test_removing_a_secret_resolves_it(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        run(store, fleet, spec)
        fleet.payments.commit({"deploy/env.sh": "# moved to the vault\n"}, "rotate")
        r = run(store, fleet, spec)
        assert r.open == () and r.new == ()
        reasons = {o.history.resolved_reason for o in store.occurrences()}
        assert reasons == {"removed-from-head"}


def test_changed_rules_sweep_everything_again(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        run(store, fleet, spec)
        fewer = replace(spec, rules=tuple(r for r in spec.rules if r.id != "github-pat-classic"))
        r = run(store, fleet, fewer)
        assert set(by_repo(r).values()) == {"scanned"}
        assert sum(len(o.new_commits) for o in r.outcomes) == 6


def test_full_flag_rescans_without_new_findings(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        run(store, fleet, spec)
        r = run(store, fleet, spec, replace(LOCAL, full=True))
        assert set(by_repo(r).values()) == {"scanned"} and r.new == ()


def test_deleted_repository_is_reported_and_its_findings_kept(tmp_path: Path, fleet: Fleet,
                                                               spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        run(store, fleet, spec)
        shutil.rmtree(fleet.payments.path)
        r = run(store, fleet, spec)
        assert by_repo(r)["payments"] == "missing"
        assert r.status == "ok"
        kept = [o for o in r.open if Path(o.repository).name == "payments"]
        assert len(kept) == 2 and {o.repository_state for o in kept} == {"missing"}


def test_unreachable_clone_url_is_one_error_and_the_rest_go_on(tmp_path: Path, fleet: Fleet,
                                                                spec: EngineSpec) -> None:
    bare = tmp_path / "remote.git"
    fleet.web.git("clone", "-q", "--bare", str(fleet.web.path), str(bare))
    targets, _ = resolve([bare.as_uri(), "file:///nonexistent/nowhere.git", str(fleet.payments.path)])
    with Store(tmp_path / "ks.db") as store:
        r = sweep(store, targets, spec, replace(LOCAL, clone_root=str(tmp_path / "clones")))
        status = {o.location: (o.status, o.error) for o in r.outcomes}
        assert status[bare.as_uri()] == ("scanned", None)
        err_status, err = status["file:///nonexistent/nowhere.git"]
        assert err_status == "error" and err.startswith("cannot fetch file:///nonexistent/nowhere.git")
        assert "\n" not in err
        assert r.status == "partial"
        assert {o.secret.rule_id for o in r.new} == {"github-pat-classic", "aws-access-key-id",
                                                     "aws-secret-access-key"}
        # a second sweep fetches the mirror again; nothing changed
        fleet.web.commit({"x.txt": "x\n"}, "more")
        r2 = sweep(store, targets[:1], spec, replace(LOCAL, clone_root=str(tmp_path / "clones")))
        assert [o.status for o in r2.outcomes] == ["unchanged"]


def test_worker_that_dies_once_is_retried(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    crash = CrashOn("web", marker=str(tmp_path / "crashed-once"))
    with Store(tmp_path / "ks.db") as store:
        r = run(store, fleet, spec, scan=crash)
        web = next(o for o in r.outcomes if o.name == "web")
        assert (web.status, web.attempts) == ("scanned", 2)
        assert r.status == "ok" and len(r.new) == 3


def test_worker_that_keeps_dying_is_reported_and_the_rest_kept(tmp_path: Path, fleet: Fleet,
                                                                spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        r = run(store, fleet, spec, scan=CrashOn("web"))
        web = next(o for o in r.outcomes if o.name == "web")
        assert (web.status, web.error, web.attempts) == ("error", DIED, 2)
        assert by_repo(r)["payments"] == "scanned" and r.status == "partial"
        assert {o.secret.rule_id for o in store.occurrences()} == {"aws-access-key-id", "aws-secret-access-key"}
        # next time the worker survives: the repository is swept from scratch
        r2 = run(store, fleet, spec)
        assert by_repo(r2)["web"] == "scanned" and [o.secret.rule_id for o in r2.new] == ["github-pat-classic"]


def test_iam_status_resolves_deactivated_keys(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        run(store, fleet, spec)
        r = run(store, fleet, spec, key_status={AWS_KEY_ID: "Inactive"})
        assert r.open == ()
        assert {o.history.resolved_reason for o in store.occurrences(OccurrenceQuery(repository=str(
            fleet.payments.path)))} == {"deactivated"}


def test_secret_only_in_a_tag_is_found_and_named(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    docs = fleet.docs
    docs.git("checkout", "-q", "-b", "release-prep")
    docs.commit({"release.env": f"GITHUB_TOKEN={github_pat()}\n"}, "release")
    docs.git("tag", "v1.0")
    docs.git("checkout", "-q", "main")
    docs.git("branch", "-q", "-D", "release-prep")
    with Store(tmp_path / "ks.db") as store:
        r = run(store, fleet, spec)
        (tagged,) = [o for o in r.new if Path(o.repository).name == "docs"]
        assert (tagged.occurrence.path, tagged.occurrence.extra["refs"], tagged.at_head) == ("release.env", ["v1.0"],
                                                                                             False)


class CountingSpec:
    """A SpecSource that records whether the rules had to be loaded."""

    def __init__(self, spec: EngineSpec) -> None:
        self.spec, self.loads = spec, 0

    @property
    def digest(self) -> str:
        return self.spec.digest

    def get(self) -> EngineSpec:
        self.loads += 1
        return self.spec


def test_unchanged_sweep_never_loads_the_rules(tmp_path: Path, fleet: Fleet, spec: EngineSpec) -> None:
    with Store(tmp_path / "ks.db") as store:
        first, again = CountingSpec(spec), CountingSpec(spec)
        run(store, fleet, first)
        run(store, fleet, again)
        assert first.loads > 0 and again.loads == 0
