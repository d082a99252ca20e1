"""verify_findings: one request per distinct secret, pairs, limits, and where secrets may go."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from scanner.models import VerificationStatus
from scanner.verify import OutcomeCache, keep_valid, verify_findings
from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply
from tests.verify.fakes import FAKES, RULES, finding, settings_for

Factory = Callable[[], FakeHttpServer]
GITHUB, SLACK = FAKES[0], FAKES[2]


def test_one_request_per_distinct_secret(fake_http: Factory) -> None:
    server = fake_http()
    GITHUB.install(server)
    other = "ghp-second-token"
    findings = [finding("github-token", GITHUB.token, path=f"src/f{i}.py") for i in range(6)]
    findings += [finding("github-token", other, path=f"lib/g{i}.py") for i in range(3)]
    out = verify_findings(findings, settings_for({"github": server.url}), RULES)
    assert len(server.at("/user")) == 2
    statuses = [f.verification.status for f in out if f.verification]
    assert statuses == [VerificationStatus.VALID] * 6 + [VerificationStatus.INVALID] * 3
    assert [f.path for f in out] == [f.path for f in findings]


def test_a_shared_cache_spans_calls(fake_http: Factory) -> None:
    server = fake_http()
    GITHUB.install(server)
    cache = OutcomeCache()
    settings = settings_for({"github": server.url})
    for path in ("a.py", "b.py"):
        verify_findings([finding("github-token", GITHUB.token, path=path)], settings, RULES, cache=cache)
    assert len(server.at("/user")) == 1


def test_concurrency_is_limited(fake_http: Factory) -> None:
    server = fake_http()
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def handle(req: Recorded) -> Reply:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return json_reply(200, {"login": "x"})

    server.route("GET", "/user", handle)
    findings = [finding("github-token", f"token-{i}") for i in range(12)]
    verify_findings(findings, settings_for({"github": server.url}, concurrency="3"), RULES)
    assert len(server.at("/user")) == 12
    assert 1 <= state["max"] <= 3


def test_each_secret_goes_to_its_own_provider_only(fake_http: Factory) -> None:
    gh, sl = fake_http(), fake_http()
    GITHUB.install(gh)
    SLACK.install(sl)
    findings = [finding("github-token", GITHUB.token), finding("slack-token", SLACK.token)]
    out = verify_findings(findings, settings_for({"github": gh.url, "slack": sl.url}), RULES)
    assert {f.verification.status for f in out if f.verification} == {VerificationStatus.VALID}
    assert all(SLACK.token not in str(r.headers) for r in gh.requests)
    assert all(GITHUB.token not in str(r.headers) for r in sl.requests)
    assert len(gh.at("/user")) == len(sl.at("/auth.test")) == 1


def test_a_redirect_never_carries_the_secret_elsewhere(fake_http: Factory) -> None:
    legit, elsewhere = fake_http(), fake_http()
    elsewhere.route("GET", "/collect", lambda req: json_reply(200, {"login": "thief"}))
    legit.route("GET", "/user", lambda req: (302, {"Location": elsewhere.url + "/collect"}, b""))
    [f] = verify_findings([finding("github-token", GITHUB.token)], settings_for({"github": legit.url}), RULES)
    assert f.verification is not None and f.verification.status is VerificationStatus.UNKNOWN
    assert elsewhere.requests == []


def test_rules_without_verifier_are_not_checked(fake_http: Factory) -> None:
    [f] = verify_findings([finding("generic-password", "hunter2-but-longer")], settings_for({}), RULES)
    assert f.verification is not None
    assert f.verification.status is VerificationStatus.NOT_CHECKED
    assert f.verification.checked_at is None


def test_keep_valid(fake_http: Factory) -> None:
    server = fake_http()
    GITHUB.install(server)
    findings = [finding("github-token", GITHUB.token), finding("github-token", "dead-token"),
                finding("generic-password", "hunter2-but-longer")]
    out = verify_findings(findings, settings_for({"github": server.url}), RULES)
    assert [f.secret for f in keep_valid(out)] == [GITHUB.token]
    assert out[0].verification is not None and out[0].verification.checked_at


def test_the_verifier_names_rules_are_checked_against_are_the_registered_verifiers() -> None:
    from scanner.verify.names import VERIFIER_NAMES
    from scanner.verify.registry import VERIFIERS

    assert set(VERIFIERS) == VERIFIER_NAMES


def test_loading_the_rules_does_not_import_the_verifiers() -> None:
    # boto3 costs a quarter of a second of start-up: a scan without --verify must not pay it
    import subprocess
    import sys

    code = ("import sys\nfrom scanner.rules import load_builtin_rules, check_verifiers\n"
            "check_verifiers(load_builtin_rules())\n"
            "print(sorted(m for m in ('boto3', 'botocore', 'scanner.verify.registry') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
