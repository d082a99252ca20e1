"""Verify findings: plan the distinct credentials, check each once, concurrently, and attach
the verdicts to the findings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from scanner.models import Finding, Rule, Verification, VerificationStatus
from scanner.rules import load_builtin_rules
from scanner.verify.base import Credential, Outcome, OutcomeCache, Verifier, VerifyContext, unknown
from scanner.verify.http import run_context
from scanner.verify.plan import plan, rule_roles
from scanner.verify.registry import registry_for
from scanner.verify.settings import VerifySettings

log = logging.getLogger(__name__)

# the order in which the verdicts of one finding's credentials win
_PRECEDENCE = (VerificationStatus.VALID, VerificationStatus.UNKNOWN, VerificationStatus.INVALID,
               VerificationStatus.NOT_CHECKED)


def verify_findings(findings: Sequence[Finding], settings: VerifySettings,
                    rules: Sequence[Rule] | None = None, *, cache: OutcomeCache | None = None,
                    verifiers: Mapping[str, Verifier] | None = None) -> list[Finding]:
    """Return the findings with `verification` set. Each distinct credential is checked at
    most once (also across calls that share `cache`)."""
    rules = load_builtin_rules() if rules is None else rules
    verifiers = registry_for(rules) if verifiers is None else verifiers
    roles = rule_roles(rules)
    plans = plan(findings, roles, verifiers.keys())
    distinct = {c.cache_key: c for p in plans if isinstance(p, tuple) for c in p}
    outcomes = _check_all(distinct, settings, verifiers, cache if cache is not None else OutcomeCache())
    checked_at = datetime.now(UTC).isoformat(timespec="seconds")
    out = []
    for f, p in zip(findings, plans, strict=True):
        if isinstance(p, str):
            v = Verification(VerificationStatus.NOT_CHECKED, p)
        else:
            o = _combine([outcomes[c.cache_key] for c in p])
            at = None if o.status is VerificationStatus.NOT_CHECKED else checked_at
            v = Verification(o.status, o.detail, at, dict(o.identity), dict(o.access))
        out.append(replace(f, verification=v))
    return out


def keep_valid(findings: Sequence[Finding]) -> list[Finding]:
    """`--only-verified`: the findings a provider accepted."""
    return [f for f in findings if f.verification and f.verification.status is VerificationStatus.VALID]


def _check_all(distinct: Mapping[str, Credential], settings: VerifySettings,
               verifiers: Mapping[str, Verifier], cache: OutcomeCache) -> dict[str, Outcome]:
    if not distinct:
        return {}
    providers = {c.provider for c in distinct.values()}
    rates = {p: settings.rate_for(p, getattr(getattr(verifiers[p], "decl", None), "rate", None)) for p in providers}
    ctx = run_context(settings, rates)
    gates = {p: threading.BoundedSemaphore(settings.provider_concurrency) for p in providers}

    def check(c: Credential) -> Outcome:
        with gates[c.provider]:
            return cache.get_or_compute(c.cache_key, lambda: _safe_verify(verifiers[c.provider], c, ctx))

    log.info("verifying %d distinct credentials with %d providers", len(distinct), len(providers))
    with ThreadPoolExecutor(max_workers=min(settings.concurrency, len(distinct))) as pool:
        futures = {key: pool.submit(check, distinct[key]) for key in _interleaved(distinct)}
        return {key: fut.result() for key, fut in futures.items()}


def _interleaved(distinct: Mapping[str, Credential]) -> list[str]:
    """The credentials in turns, one provider after another: a provider with many secrets (and its
    own limit on how many are in flight) does not hold every worker while the others wait."""
    queues: dict[str, list[str]] = {}
    for key, c in distinct.items():
        queues.setdefault(c.provider, []).append(key)
    lanes = list(queues.values())
    return [lane[i] for i in range(max(map(len, lanes))) for lane in lanes if i < len(lane)]


def _safe_verify(verifier: Verifier, c: Credential, ctx: VerifyContext) -> Outcome:
    try:
        return verifier.verify(c, ctx)
    except Exception as e:  # a verifier bug must not lose the scan; never log the secret
        log.warning("verifier %s failed: %s", verifier.name, type(e).__name__)
        return unknown(f"{verifier.name}: verifier error ({type(e).__name__})")


def _combine(outcomes: Sequence[Outcome]) -> Outcome:
    for status in _PRECEDENCE:
        for o in outcomes:
            if o.status is status:
                return o
    return outcomes[0]
