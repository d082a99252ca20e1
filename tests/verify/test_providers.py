"""Every HTTP verifier against a local server that answers like its provider."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace

import pytest

from scanner import __version__
from scanner.models import VerificationStatus
from scanner.verify import verify_findings
from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply, sequence
from tests.verify.fakes import FAKES, RULES, Fake, finding, rule_for, settings_for

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
    [req] = server.at(fake.path)
    assert req.headers["user-agent"] == f"keysweep/{__version__}"


@by_provider
def test_a_dead_token_is_invalid(fake: Fake, fake_http: Factory) -> None:
    server = fake_http()
    fake.install(server)
    status, _, identity = check(fake, server, fake.token[:-4] + "dead")
    assert status is VerificationStatus.INVALID
    assert identity == {}


@by_provider
def test_rate_limited_then_answered(fake: Fake, fake_http: Factory) -> None:
    server = fake_http()
    server.route(fake.method, fake.path, sequence(json_reply(429, {}, {"Retry-After": "0"}), fake.ok))
    status, _, _ = check(fake, server, fake.token)
    assert status is VerificationStatus.VALID
    assert len(server.at(fake.path)) == 2


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
    status, detail, _ = check(fake, server, fake.token, timeout="0.15")
    assert status is VerificationStatus.UNKNOWN
    assert "timed out" in detail


@pytest.mark.parametrize("reply", [
    (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"),
    (200, {"Content-Type": "application/json"}, b"[1, 2"),
    (500, {}, b"oops"),
    (302, {"Location": "http://127.0.0.1:9/elsewhere"}, b""),
    (403, {"Content-Type": "text/html"}, b"<html><h1>Access denied</h1>Request blocked by the firewall</html>"),
], ids=["html", "broken-json", "server-error", "redirect", "firewall-403"])
@by_provider
def test_garbage_is_unknown(fake: Fake, fake_http: Factory, reply: tuple) -> None:
    server = fake_http()
    server.route(fake.method, fake.path, lambda req: reply)
    status, _, _ = check(fake, server, fake.token)
    assert status is VerificationStatus.UNKNOWN


def test_twilio_checks_the_pair(fake_http: Factory) -> None:
    server = fake_http()
    sid, token = "AC" + "0" * 32, "f" * 32

    def accounts(req: Recorded) -> Reply:
        expected = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
        if req.headers.get("authorization") != expected:
            return json_reply(401, {"code": 20003})
        return json_reply(200, {"accounts": [{"sid": sid, "friendly_name": "prod"}]})

    server.route("GET", "/2010-04-01/Accounts.json", accounts)
    rules = [replace(rule_for("twilio"), id="twilio-sid", verifier=None, tags=("pair-id:twilio",)),
             replace(rule_for("twilio"), tags=("pair-secret:twilio",))]
    sid_f, tok_f = finding("twilio-sid", sid), finding("twilio-token", token)
    sid_f, tok_f = replace(sid_f, linked=(tok_f.fingerprint,)), replace(tok_f, linked=(sid_f.fingerprint,))
    alone = finding("twilio-token", "e" * 32)
    out = verify_findings([sid_f, tok_f, alone], settings_for({"twilio": server.url}), rules)
    assert [f.verification.status for f in out if f.verification] == [
        VerificationStatus.NOT_CHECKED, VerificationStatus.VALID, VerificationStatus.NOT_CHECKED]
    assert out[1].verification and out[1].verification.identity == {"account": sid, "name": "prod"}
    assert len(server.requests) == 1


def test_a_token_kind_that_cannot_be_checked_is_not_sent(fake_http: Factory) -> None:
    server = fake_http()
    [f] = verify_findings([finding("digitalocean-token", "dor_v1_" + "a" * 64)],
                          settings_for({"digitalocean": server.url}), RULES)
    assert f.verification and f.verification.status is VerificationStatus.NOT_CHECKED
    assert server.requests == []


def test_nobody_listening_is_unknown(fake_http: Factory) -> None:
    server = fake_http()
    url = server.url
    server.stop()
    fake = FAKES[0]
    [f] = verify_findings([finding("github-token", fake.token)], settings_for({"github": url}), RULES)
    assert f.verification is not None and f.verification.status is VerificationStatus.UNKNOWN
