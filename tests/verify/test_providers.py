"""Every HTTP verifier against a local server that answers like its provider."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner import __version__
from scanner.models import VerificationStatus
from scanner.verify import verify_findings
from tests.fixtures.fake_http import FakeHttpServer, json_reply, sequence
from tests.verify.fakes import FAKES, RULES, Fake, finding, settings_for

Factory = Callable[[], FakeHttpServer]
by_provider = pytest.mark.parametrize("fake", FAKES, ids=[f.provider for f in FAKES])


def check(fake: Fake, server: FakeHttpServer, secret: str, **numbers: str) -> tuple[VerificationStatus, str, dict]:
    [f] = verify_findings([finding(f"{fake.provider}-token", secret)],
                          settings_for({fake.provider: server.url}, **numbers), RULES)
    assert f.verification is not None
    return f.verification.status, f.verification.detail, dict(f.verification.identity)


@by_provider
def test_a_live_token_is_valid_with_its_identity(fake: Fake, fake_http: Factory) -> None:
    server = fake_http()
    fake.install(server)
    status, _, identity = check(fake, server, fake.token)
    assert status is VerificationStatus.VALID
    assert identity.items() >= dict(fake.identity).items()
    [req] = server.requests
    assert req.headers["user-agent"] == f"keysweep/{__version__}"


@by_provider
def test_a_dead_token_is_invalid(fake: Fake, fake_http: Factory) -> None:
    server = fake_http()
    fake.install(server)
    status, _, identity = check(fake, server, "revoked-" + fake.token)
    assert status is VerificationStatus.INVALID
    assert identity == {}


@by_provider
def test_rate_limited_then_answered(fake: Fake, fake_http: Factory) -> None:
    server = fake_http()
    server.route(fake.method, fake.path, sequence(json_reply(429, {}, {"Retry-After": "0"}), fake.ok))
    status, _, _ = check(fake, server, fake.token)
    assert status is VerificationStatus.VALID
    assert len(server.requests) == 2


@by_provider
def test_still_rate_limited_is_unknown_not_invalid(fake: Fake, fake_http: Factory) -> None:
    server = fake_http()
    server.route(fake.method, fake.path, sequence(json_reply(429, {})))
    status, detail, _ = check(fake, server, fake.token, retries="2")
    assert status is VerificationStatus.UNKNOWN
    assert len(server.requests) == 3


@by_provider
def test_a_hanging_provider_times_out_as_unknown(fake: Fake, fake_http: Factory) -> None:
    server = fake_http()
    server.route(fake.method, fake.path, server.slow(30))
    status, detail, _ = check(fake, server, fake.token, timeout="0.3")
    assert status is VerificationStatus.UNKNOWN
    assert "timed out" in detail


@pytest.mark.parametrize("reply", [
    (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"),
    (200, {"Content-Type": "application/json"}, b"[1, 2"),
    (500, {}, b"oops"),
    (302, {"Location": "http://127.0.0.1:9/elsewhere"}, b""),
], ids=["html", "broken-json", "server-error", "redirect"])
@by_provider
def test_garbage_is_unknown(fake: Fake, fake_http: Factory, reply: tuple) -> None:
    server = fake_http()
    server.route(fake.method, fake.path, lambda req: reply)
    status, _, _ = check(fake, server, fake.token)
    assert status is VerificationStatus.UNKNOWN


def test_nobody_listening_is_unknown(fake_http: Factory) -> None:
    server = fake_http()
    url = server.url
    server.stop()
    fake = FAKES[0]
    [f] = verify_findings([finding("github-token", fake.token)], settings_for({"github": url}), RULES)
    assert f.verification is not None and f.verification.status is VerificationStatus.UNKNOWN
