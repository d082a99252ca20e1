"""The verifier interface, its value types, the per-run cache and the per-provider throttle."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from scanner.engine.matcher import secret_hash
from scanner.models import VerificationStatus
from scanner.verify.settings import VerifySettings

T = TypeVar("T")


@dataclass(frozen=True)
class Credential:
    """What one provider check needs. `key_id` is the public half of a pair (AWS access key id)."""

    provider: str
    secret: str
    key_id: str | None = None
    context: str = field(default="", compare=False)  # the finding's whole match (e.g. a connection string)

    @property
    def cache_key(self) -> str:
        return f"{self.provider}:{secret_hash((self.key_id or '') + chr(0) + self.secret)}"


@dataclass(frozen=True)
class Outcome:
    """A verifier's verdict. `identity` holds what the provider says about the owner."""

    status: VerificationStatus
    detail: str = ""
    identity: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    access: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # what it can reach


def valid(detail: str = "", **identity: Any) -> Outcome:
    return Outcome(VerificationStatus.VALID, detail, {k: v for k, v in identity.items() if v is not None})


def invalid(detail: str, **identity: Any) -> Outcome:
    return Outcome(VerificationStatus.INVALID, detail, {k: v for k, v in identity.items() if v is not None})


def unknown(detail: str, **identity: Any) -> Outcome:
    return Outcome(VerificationStatus.UNKNOWN, detail, {k: v for k, v in identity.items() if v is not None})


def not_checked(detail: str, **identity: Any) -> Outcome:
    return Outcome(VerificationStatus.NOT_CHECKED, detail, {k: v for k, v in identity.items() if v is not None})


class Throttle:
    """Shared by every worker of a run: a token bucket per provider (`rate` requests a second,
    bursts of up to `burst`; a rate of 0 is no limit), and a pause for the whole provider after
    it said "slow down" (its `Retry-After`)."""

    def __init__(self, rate: float = 0.0, burst: int = 1, rates: Mapping[str, float] | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._rate = rate
        self._rates = dict(rates or {})
        self._burst = max(1, burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[float, float]] = {}  # provider -> (tokens, when counted)
        self._paused: dict[str, float] = {}

    def rate_of(self, provider: str) -> float:
        return self._rates.get(provider, self._rate)

    def wait(self, provider: str) -> None:
        """Block until `provider` may be called, and take its token."""
        while True:
            with self._lock:
                delay = self._take(provider, self._clock())
            if delay <= 0:
                return
            self._sleep(delay)

    def _take(self, provider: str, now: float) -> float:
        paused = self._paused.get(provider, 0.0)
        if now < paused:
            return paused - now
        rate = self.rate_of(provider)
        if rate <= 0:
            return 0.0
        tokens, then = self._tokens.get(provider, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - then) * rate)
        if tokens >= 1.0:
            self._tokens[provider] = (tokens - 1.0, now)
            return 0.0
        self._tokens[provider] = (tokens, now)
        return (1.0 - tokens) / rate

    def pause(self, provider: str, seconds: float) -> None:
        with self._lock:
            self._paused[provider] = max(self._paused.get(provider, 0.0), self._clock() + seconds)


class OutcomeCache:
    """Outcomes by credential: a distinct secret is checked at most once, even when two
    workers ask for it at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[str, Outcome] = {}
        self._busy: dict[str, threading.Event] = {}

    def get_or_compute(self, key: str, compute: Callable[[], Outcome]) -> Outcome:
        while True:
            with self._lock:
                if key in self._done:
                    return self._done[key]
                event = self._busy.get(key)
                if event is None:
                    event = self._busy[key] = threading.Event()
                    break
            event.wait()
        try:
            outcome = compute()
            with self._lock:
                self._done[key] = outcome
        finally:
            with self._lock:
                self._busy.pop(key, None)
            event.set()
        return outcome

    def __len__(self) -> int:
        return len(self._done)


class VerifyContext:
    """What a verifier may use during one run: settings, the HTTP client and per-run memos."""

    def __init__(self, settings: VerifySettings, http: Any, throttle: Throttle) -> None:
        self.settings = settings
        self.http = http
        self.throttle = throttle
        self._lock = threading.Lock()
        self._memo: dict[str, Any] = {}

    def once(self, name: str, factory: Callable[[], T]) -> T:
        """Compute a per-run value once (e.g. whether the user's own AWS credentials exist)."""
        with self._lock:
            if name not in self._memo:
                self._memo[name] = factory()
            value: T = self._memo[name]
            return value


class Verifier(Protocol):
    """A provider check. It talks to its own provider only, at
    `ctx.settings.url_for(name, default)`, and never raises for network trouble:
    that is an `unknown` outcome, never `invalid`."""

    @property
    def name(self) -> str: ...

    def verify(self, credential: Credential, ctx: VerifyContext) -> Outcome: ...
