"""A small HTTP client for verifiers: timeouts, no redirects, back-off on throttling."""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner import __version__
from scanner.errors import VerifyError
from scanner.verify.base import Throttle, VerifyContext
from scanner.verify.settings import VerifySettings

log = logging.getLogger(__name__)

USER_AGENT = f"keysweep/{__version__}"
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def is_throttled(resp: HttpResponse) -> bool:
    return resp.status == 429


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the secret's header to wherever the server points: refuse it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpClient:
    def __init__(self, settings: VerifySettings, throttle: Throttle,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._settings = settings
        self._throttle = throttle
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirect())

    def request(self, provider: str, method: str, url: str, headers: Mapping[str, str],
                body: bytes | None = None,
                throttled: Callable[[HttpResponse], bool] = is_throttled) -> HttpResponse:
        """Send one request to `provider`; on a throttled answer wait and retry (up to
        `settings.retries` times). Raises VerifyError when no answer came back."""
        s = self._settings
        resp = HttpResponse(0)
        for attempt in range(s.retries + 1):
            self._throttle.wait(provider)
            resp = self._once(method, url, headers, body)
            if not throttled(resp) or attempt == s.retries:
                return resp
            delay = min(_retry_after(resp.headers) or s.backoff * 2 ** attempt, s.max_backoff)
            log.info("%s asked to slow down; retrying in %.1fs", provider, delay)
            self._throttle.pause(provider, delay)
        return resp

    def _once(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> HttpResponse:
        req = urllib.request.Request(url, data=body, method=method,
                                     headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers})
        try:
            with self._opener.open(req, timeout=self._settings.timeout) as r:
                return _response(r.status, r.headers.items(), r.read(MAX_BODY))
        except urllib.error.HTTPError as e:
            with e:
                return _response(e.code, e.headers.items() if e.headers else (), e.read(MAX_BODY))
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
            raise VerifyError(_describe(e)) from e


def _response(status: int, headers: Any, body: bytes) -> HttpResponse:
    return HttpResponse(status, {k.lower(): v for k, v in headers}, body)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe(e: Exception) -> str:
    reason = getattr(e, "reason", None) or e
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    return f"no answer ({type(reason).__name__}: {reason})"


def run_context(settings: VerifySettings, rates: Mapping[str, float] | None = None) -> VerifyContext:
    """What the checks (or revocations) of one run share: one throttle (the general rate, each
    provider's own where given) and one HTTP client through it."""
    throttle = Throttle(settings.rate_for(""), settings.burst, rates)
    return VerifyContext(settings, HttpClient(settings, throttle), throttle)
