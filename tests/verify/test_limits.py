"""Per-provider limits of one verification run: a token bucket per provider (its own figure from
the user, else its declaration, else the general one), a cap on checks in flight per provider,
and turns between providers so one provider's queue does not hold every worker."""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.errors import ConfigError, RuleError
from scanner.rules import parse_declarations
from scanner.verify import VerifySettings, verify_findings
from scanner.verify.base import Throttle
from tests.fixtures.fake_http import FakeHttpServer, Recorded, Reply, json_reply
from tests.verify.fakes import RULES, finding, settings_for

Factory = Callable[[], FakeHttpServer]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_the_bucket_lets_a_burst_through_then_spaces_requests_by_the_rate() -> None:
    clock = Clock()
    t = Throttle(rate=2.0, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        t.wait("github")
    assert clock.slept == [0.5, 0.5]  # three at once, then one every half second
    clock.now += 10  # idle time refills the bucket, but never beyond the burst
    for _ in range(4):
        t.wait("github")
    assert clock.slept == [0.5, 0.5, 0.5]


def test_each_provider_has_its_own_bucket_and_rate() -> None:
    clock = Clock()
    t = Throttle(rate=1.0, burst=1, rates={"slack": 4.0}, clock=clock, sleep=clock.sleep)
    t.wait("github")
    t.wait("slack")
    t.wait("slack")
    assert clock.slept == [0.25]  # slack's second request waits its own quarter second; github untouched
    t.wait("github")
    assert clock.slept == [0.25, 0.75]


def test_a_pause_holds_only_that_provider_until_it_ends() -> None:
    clock = Clock()
    t = Throttle(rate=0.0, clock=clock, sleep=clock.sleep)
    t.pause("stripe", 7.0)
    t.wait("github")
    assert clock.slept == []
    t.wait("stripe")
    assert clock.slept == [7.0]


def test_rates_come_from_the_user_then_the_declaration_then_the_default(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[verify]\nrate = 5\nburst = 2\n[verify.rates]\ngithub = 1.5\n", encoding="utf-8")
    s = VerifySettings.load({"KEYSWEEP_TERRAFORM_CLOUD_RATE": "0.5"}, cfg)
    assert (s.rate_for("github", 30.0), s.rate_for("terraform-cloud"), s.rate_for("slack", 2.0),
            s.rate_for("npm"), s.burst) == (1.5, 0.5, 2.0, 5.0, 2)
    assert VerifySettings.load({"KEYSWEEP_VERIFY_MIN_INTERVAL": "2"}, None).rate_for("npm") == 0.5
    with pytest.raises(ConfigError, match="rates"):
        cfg.write_text("[verify]\nrates = 3\n", encoding="utf-8")
        VerifySettings.load({}, cfg)
    with pytest.raises(ConfigError, match="out of range"):
        VerifySettings.load({"KEYSWEEP_VERIFY_PROVIDER_CONCURRENCY": "0"}, None)


def test_a_declaration_states_its_providers_limit() -> None:
    text = ("[[verifiers]]\nname = 'acme'\nbase = 'https://api.acme.example'\npath = '/me'\nrate = {}\n"
            "headers = {{ Authorization = 'Bearer {{secret}}' }}\n")
    decls = parse_declarations(tomllib.loads(text.format("0.5")), "acme.toml")
    assert decls["acme"].rate == 0.5
    with pytest.raises(RuleError, match="verify.rate"):
        parse_declarations(tomllib.loads(text.format("-1")), "acme.toml")


def _gauge(server: FakeHttpServer, path: str, reply: Reply, delay: float = 0.05) -> dict[str, int]:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def handle(req: Recorded) -> Reply:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(delay)
        with lock:
            state["now"] -= 1
        return reply

    server.route("GET", path, handle)
    return state


def test_checks_in_flight_per_provider_are_capped_while_other_providers_proceed(fake_http: Factory) -> None:
    gh, npm = fake_http(), fake_http()
    gh_state = _gauge(gh, "/user", json_reply(200, {"login": "x"}))
    npm_state = _gauge(npm, "/-/whoami", json_reply(200, {"username": "y"}))
    findings = [finding("github-token", f"ghp_{i:036d}") for i in range(12)]
    findings += [finding("npm-token", f"npm_{i:036d}") for i in range(4)]
    settings = settings_for({"github": gh.url, "npm": npm.url}, concurrency="8", provider_concurrency="2",
                            rate="0")
    out = verify_findings(findings, settings, RULES)
    assert len(gh.at("/user")) == 12 and len(npm.at("/-/whoami")) == 4
    assert gh_state["max"] == 2 and npm_state["max"] == 2
    # npm's four were not queued behind github's twelve: the first npm request came early
    order = sorted([(r.at, "gh") for r in gh.at("/user")] + [(r.at, "npm") for r in npm.at("/-/whoami")])
    assert [who for _, who in order][:4].count("npm") >= 1
    assert all(f.verification is not None and f.verification.status.value == "valid" for f in out)


def test_the_rate_holds_across_workers(fake_http: Factory) -> None:
    gh = fake_http()
    gh.route("GET", "/user", lambda req: json_reply(200, {"login": "x"}))
    findings = [finding("github-token", f"ghp_{i:036d}") for i in range(6)]
    settings = settings_for({"github": gh.url}, concurrency="6", rate="20", burst="1")
    verify_findings(findings, settings, RULES)
    times = sorted(r.at for r in gh.requests)
    assert len(gh.at("/user")) == 6 and times[-1] - times[0] >= 5 / 20 * 0.9
