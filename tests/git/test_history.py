"""History sweeps over real repositories: completeness, attribution, selection."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from scanner.models import Finding
from scanner.sources import git as git_source
from scanner.sources.git import GitOptions, attribute, scan_history
from scanner.sources.gitrepo import RepoInfo, Selection
from tests.git.builder import AUTHOR, OTHER, PAT_A, PAT_B, PAT_C, PAT_D, GitRepo, filler, lines
from tests.helpers import AWS_KEY_ID, AWS_SECRET, RSA_KEY, builtin_engine


def sweep(repo: GitRepo | Path, **kw: object) -> list[Finding]:
    jobs = int(kw.pop("jobs", 1))  # type: ignore[call-overload]
    opts = GitOptions(selection=Selection(**kw), jobs=jobs)  # type: ignore[arg-type]
    path = repo.path if isinstance(repo, GitRepo) else repo
    return list(scan_history(path, builtin_engine(), opts).findings)


def of(findings: list[Finding], secret: str) -> list[Finding]:
    return [f for f in findings if f.secret == secret]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("initial", files={"README.md": "# demo\n", "app/settings.py": lines(*filler(30))})
    return r


def test_secret_added_then_removed_is_attributed_to_the_adding_commit(repo: GitRepo) -> None:
    base = filler(30)
    added = repo.commit("configure s3 uploads", author=OTHER, files={"app/settings.py": lines(
        *base[:10], f'aws_access_key_id = "{AWS_KEY_ID}"', f'aws_secret_access_key = "{AWS_SECRET}"', *base[10:])})
    repo.commit("read credentials from the environment", files={"app/settings.py": lines(*base)})
    found = sweep(repo)
    key, secret = of(found, AWS_KEY_ID), of(found, AWS_SECRET)
    assert len(key) == 1 and len(secret) == 1
    f = key[0]
    assert (f.commit, f.path, f.line, f.column) == (added, "app/settings.py", 11, 22)
    assert (f.author_name, f.author_email, f.subject) == (OTHER[0], OTHER[1], "configure s3 uploads")
    assert f.date == repo.date_of(added)
    assert secret[0].line == 12
    assert f.extra["present_in_head"] is False
    assert f.linked == (secret[0].fingerprint,)


def test_keyword_free_credential_file_in_history_is_found(repo: GitRepo) -> None:
    # a .pgpass line has no rule keyword: the file name alone makes the section worth reading
    added = repo.commit("db access", files={"ops/.pgpass": "db.internal:5432:orders:app_rw:f7D0An*uNO7ayFr\n"})
    repo.remove("ops/.pgpass")
    repo.commit("drop pgpass")
    (f,) = of(sweep(repo), "f7D0An*uNO7ayFr")
    assert (f.commit, f.path, f.line) == (added, "ops/.pgpass", 1)
    assert f.extra["present_in_head"] is False


def test_secret_still_at_head_says_so(repo: GitRepo) -> None:
    repo.commit("token", files={"ci/deploy.env": lines("REGION=eu", f"GITHUB_TOKEN={PAT_A}")})
    (f,) = of(sweep(repo), PAT_A)
    assert f.extra["present_in_head"] is True and f.line == 2


def test_kept_and_reindented_lines_are_not_reported_again(repo: GitRepo) -> None:
    base = filler(40)
    first = repo.commit("add token", files={"app/settings.py": lines(*base[:5], f'TOKEN = "{PAT_A}"', *base[5:])})
    for i in range(4):  # many later edits of the same file, the token line untouched
        repo.commit(f"edit {i}", files={"app/settings.py": lines(*base[:5], f'TOKEN = "{PAT_A}"', *base[5:],
                                                                   *filler(i + 1, f"e{i}"))})
    # re-indented and moved further down, in one commit
    repo.commit("restructure", files={"app/settings.py": lines(*base[:20], f'    TOKEN = "{PAT_A}"', *base[20:])})
    (f,) = of(sweep(repo), PAT_A)
    assert f.commit == first and f.line == 6


def test_secret_moved_to_another_file_in_one_commit_is_not_new(repo: GitRepo) -> None:
    first = repo.commit("add", files={"a/conf.py": lines("x = 1", f'TOKEN = "{PAT_A}"')})
    repo.commit("move config", files={"a/conf.py": lines("x = 1"),
                                      "b/other.py": lines("# moved", f'TOKEN = "{PAT_A}"')})
    assert [(f.commit, f.path) for f in of(sweep(repo), PAT_A)] == [(first, "a/conf.py")]


def test_same_secret_in_two_files_is_one_fingerprint_with_two_occurrences(repo: GitRepo) -> None:
    one = repo.commit("sync script", files={"scripts/sync.sh": lines("#!/bin/sh", f"export GITHUB_TOKEN={PAT_B}")})
    two = repo.commit("backup script", files={"scripts/backup.sh": lines("#!/bin/sh", "set -e",
                                                                         f"export GITHUB_TOKEN={PAT_B}")})
    found = of(sweep(repo), PAT_B)
    assert sorted((f.path, f.commit, f.line) for f in found) == [("scripts/backup.sh", two, 3),
                                                                   ("scripts/sync.sh", one, 2)]
    assert len({f.fingerprint for f in found}) == 1


def test_side_branch_only(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "-b", "spike/experiment")
    side = repo.commit("try token", files={"spike.py": lines(f'tok = "{PAT_A}"')})
    repo.git("checkout", "-q", "main")
    repo.commit("main work", files={"main.py": lines("x = 1")})
    (f,) = of(sweep(repo), PAT_A)
    assert f.commit == side and f.extra["present_in_head"] is False
    assert of(sweep(repo, refs=("main",)), PAT_A) == []
    assert [f.commit for f in of(sweep(repo, refs=("spike/experiment",)), PAT_A)] == [side]


def test_only_in_a_tag(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "-b", "hotfix")
    tagged = repo.commit("hotfix", files={"ops/creds.yml": lines("hotfix:", f"  aws_access_key_id: {AWS_KEY_ID}")})
    repo.git("tag", "-a", "-m", "release", "v1.0.1")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-D", "hotfix")
    (f,) = of(sweep(repo), AWS_KEY_ID)
    assert (f.commit, f.path, f.line) == (tagged, "ops/creds.yml", 2)


def test_only_in_the_stash_including_older_entries_and_untracked_files(repo: GitRepo) -> None:
    repo.write("app/settings.py", lines(*filler(30), f'OLD = "{PAT_C}"'))
    repo.git("stash", "push", "-q", "-m", "older")
    repo.write("app/settings.py", lines(*filler(30), f'STASHED = "{PAT_A}"'))
    repo.write("notes/untracked.txt", lines(f"token {PAT_B}"))
    repo.git("stash", "push", "-q", "--include-untracked", "-m", "newer")
    found = sweep(repo)
    for pat in (PAT_A, PAT_B, PAT_C):
        assert len(of(found, pat)) == 1, pat
    assert of(found, PAT_A)[0].line == 31


def test_merge_resolution_lines_are_attributed_to_the_merge(repo: GitRepo) -> None:
    base = filler(20)
    repo.git("checkout", "-q", "-b", "feature")
    feat = repo.commit("feature side", files={"app/settings.py": lines(*base[:3], "feature = 1", *base[3:]),
                                              "feat.py": lines(f'FEATURE_TOKEN = "{PAT_B}"')})
    repo.git("checkout", "-q", "main")
    repo.commit("main side", files={"app/settings.py": lines(*base[:3], "main = 1", *base[3:])})
    with contextlib.suppress(AssertionError):  # a conflict, resolved by hand below with a line neither side had
        repo.git("merge", "-q", "--no-ff", "feature", "-m", "merge feature")
    repo.write("app/settings.py", lines(*base[:3], "main = 1", "feature = 1", f'MERGED = "{PAT_A}"', *base[3:]))
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-edit")
    merge = repo.head()
    found = sweep(repo)
    (m,) = of(found, PAT_A)
    assert (m.commit, m.line, m.subject) == (merge, 6, "merge feature")
    (b,) = of(found, PAT_B)  # came in through the merge, but introduced on the branch
    assert b.commit == feat


def test_file_later_renamed_and_file_later_deleted(repo: GitRepo) -> None:
    body = filler(25)
    added = repo.commit("client", files={"lib/client.py": lines(*body[:4], f'GITHUB = "{PAT_A}"', *body[4:]),
                                         "keys/deploy.pem": RSA_KEY + "\n"})
    repo.git("mv", "lib/client.py", "lib/github_client.py")
    repo.write("lib/github_client.py", lines(*body[:4], f'GITHUB = "{PAT_A}"', *body[4:], "extra = 1"))
    repo.git("rm", "-q", "keys/deploy.pem")
    repo.commit("rename client, drop key")
    found = sweep(repo)
    (tok,) = of(found, PAT_A)
    assert (tok.commit, tok.path, tok.line) == (added, "lib/client.py", 5)
    assert tok.extra["present_in_head"] is True
    (key,) = [f for f in found if f.rule_id == "private-key"]
    assert (key.commit, key.path, key.line, key.end_line) == (added, "keys/deploy.pem", 1, 5)
    assert key.extra["present_in_head"] is False


def test_second_private_key_in_a_file_with_one_already(repo: GitRepo) -> None:
    other = RSA_KEY.replace("MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
                            "MIIEpAIBAAKCAQEAz9Kq3Lm2Wn8Rt5Yv1Bx6Hc4Jd7Fg0Ps3Qa9Ue2Ki8Lo5Mn7")
    repo.commit("one key", files={"keys.txt": RSA_KEY + "\n"})
    second = repo.commit("two keys", files={"keys.txt": RSA_KEY + "\n" + other + "\n"})
    keys = [f for f in sweep(repo) if f.rule_id == "private-key"]
    assert sorted((f.commit == second, f.line) for f in keys) == [(False, 1), (True, 6)]


def test_key_pasted_into_a_template_whose_begin_and_end_lines_were_already_there(repo: GitRepo) -> None:
    begin, *body, end = RSA_KEY.split("\n")
    repo.commit("key template", files={"deploy/key.pem": lines(begin, "<paste the key here>", end)})
    pasted = repo.commit("paste key", files={"deploy/key.pem": lines(begin, *body, end)})
    (key,) = [f for f in sweep(repo) if f.rule_id == "private-key"]
    assert (key.commit, key.line, key.end_line) == (pasted, 1, 5)


def test_since_commit_and_range_scan_only_new_commits(repo: GitRepo) -> None:
    old = repo.commit("old", files={"old.py": lines(f'T = "{PAT_A}"')})
    new = repo.commit("new", files={"new.py": lines(f'T = "{PAT_B}"')})
    newer = repo.commit("newer", files={"newer.py": lines(f'T = "{PAT_C}"')})
    since = sweep(repo, since_commit=old)
    assert {f.secret for f in since} == {PAT_B, PAT_C}
    ranged = sweep(repo, commit_range=f"{old}..{new}")
    assert [(f.secret, f.commit) for f in ranged] == [(PAT_B, new)]
    assert {f.commit for f in sweep(repo, max_commits=1)} == {newer}
    assert {f.secret for f in sweep(repo, exclude_commits=(new,))} == {PAT_C}


def test_bare_repository(repo: GitRepo, tmp_path: Path) -> None:
    added = repo.commit("token", files={"t.py": lines(f'T = "{PAT_A}"')})
    bare = tmp_path / "bare.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(bare))
    (f,) = of(sweep(bare), PAT_A)
    assert f.commit == added and f.extra["present_in_head"] is True


def test_parallel_workers_give_the_same_findings(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    pats = [PAT_A, PAT_B, PAT_C, PAT_D]
    for i in range(12):
        repo.commit(f"c{i}", files={f"m{i % 3}.py": lines(*filler(i + 3, str(i)), f'T = "{pats[i % 4]}"')})
    monkeypatch.setattr(git_source, "MIN_TASK_COMMITS", 2)
    serial = sorted((f.fingerprint, f.path, f.commit, f.line) for f in sweep(repo))
    parallel = sorted((f.fingerprint, f.path, f.commit, f.line) for f in sweep(repo, jobs=2))
    assert serial == parallel and len(serial) >= 6


def test_presence_at_head_covers_secrets_found_in_the_last_run(repo: GitRepo,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # secrets found before the last run are looked for at HEAD while it is scanned; the ones the
    # last run finds are looked for after it
    monkeypatch.setattr(git_source, "MIN_TASK_COMMITS", 2)
    repo.commit("a", files={"a.py": lines(f'T = "{PAT_A}"')})
    repo.commit("b", files={"b.py": lines(f'T = "{PAT_B}"')})
    repo.commit("drop b", files={"b.py": lines("T = None")})
    for i in range(10):
        repo.commit(f"c{i}", files={"m.py": lines(*filler(i + 3, str(i)))})
    repo.commit("c", files={"c.py": lines(f'T = "{PAT_C}"')})
    looked_for: list[set[str]] = []
    real = git_source.present_at_head

    def spy(info: object, secrets: set[str], warn: object) -> dict[str, bool]:
        looked_for.append(set(secrets))
        return real(info, secrets, warn)  # type: ignore[arg-type]

    monkeypatch.setattr(git_source, "present_at_head", spy)
    for jobs in (1, 2):
        looked_for.clear()
        present = {f.secret: f.extra["present_in_head"] for f in sweep(repo, jobs=jobs)}
        assert present == {PAT_A: True, PAT_B: False, PAT_C: True}
        assert set().union(*looked_for) == {PAT_A, PAT_B, PAT_C}
    looked_for.clear()
    sweep(repo, jobs=1)
    assert looked_for == [{PAT_A, PAT_B}, {PAT_C}]  # early, then only what the last run added


def test_presence_at_head_that_cannot_be_checked_is_one_warning(tmp_path: Path) -> None:
    # git grep fails before the last run and again after it: one line says so, and presence is unknown
    # (no finding claims "not at HEAD")
    info = RepoInfo(str(tmp_path), str(tmp_path), True, "0" * 40, 0, False)  # no repository there
    presence = git_source.HeadPresence(info)
    presence.start({PAT_A})
    warnings: list[str] = []
    assert presence.result({PAT_A, PAT_B}, warnings.append) == {}
    assert len(warnings) == 1 and "cannot check which secrets are still at HEAD" in warnings[0]


def test_path_excludes_and_inline_allow(repo: GitRepo) -> None:
    repo.commit("fixtures", files={"vendor/lib.py": lines(f'T = "{PAT_A}"'),
                                   "app/x.py": lines(f'T = "{PAT_B}"  # keysweep:allow')})
    opts = GitOptions(exclude=("vendor/**",), jobs=1)
    assert scan_history(repo.path, builtin_engine(), opts).findings == ()


def test_commit_metadata_and_authorship_per_commit(repo: GitRepo) -> None:
    a = repo.commit("by ada", author=AUTHOR, files={"a.py": lines(f'T = "{PAT_A}"')})
    b = repo.commit("by bo", author=OTHER, files={"b.py": lines(f'T = "{PAT_B}"')})
    found = {f.secret: f for f in sweep(repo)}
    assert (found[PAT_A].commit, found[PAT_A].author_name) == (a, AUTHOR[0])
    assert (found[PAT_B].commit, found[PAT_B].author_email, found[PAT_B].subject) == (b, OTHER[1], "by bo")


def test_attribute_keeps_the_earliest_commit_per_secret_and_file() -> None:
    def f(path: str, commit: str, line: int) -> Finding:
        from scanner.models import Severity

        return Finding(rule_id="r", description="", severity=Severity.HIGH, path=path, line=line, end_line=line,
                       column=1, end_column=2, secret="s", match="s", fingerprint="r:1", entropy=4.0, commit=commit)

    hits = [(5, f("a.py", "late", 9)), (2, f("a.py", "early", 3)), (2, f("a.py", "early", 7)), (3, f("b.py", "b", 1))]
    assert [(x.path, x.commit, x.line) for x in attribute(hits)] == [("a.py", "early", 3), ("a.py", "early", 7),
                                                                     ("b.py", "b", 1)]


def test_scattered_changes_in_a_large_file_find_only_the_added_secret(repo: GitRepo) -> None:
    # a regenerated lock file: changes at both ends make the changed region the whole file (past the
    # size from which its added lines are found first), with a keyword on lines that stay the same
    base = [f'    "pkg-{i}": {{"version": "1.{i}.0", "token_hint": "none"}},' for i in range(3000)]
    base[1500] = f'    "ci": {{"github_token": "{PAT_A}"}},'
    repo.commit("lock", files={"web/lock.json": lines(*base)})
    regen = list(base)
    regen[3] = regen[3].replace("1.3.0", "1.3.1")
    regen[2990] = regen[2990].replace("1.2990.0", "1.2990.1")
    regen[700] = f'    "deploy": {{"github_token": "{PAT_B}"}},'
    second = repo.commit("regenerate lock", files={"web/lock.json": lines(*regen)})
    found = sweep(repo)
    assert [(f.commit, f.line) for f in of(found, PAT_B)] == [(second, 701)]
    assert len(of(found, PAT_A)) == 1 and of(found, PAT_A)[0].commit != second
