"""`keysweep revoke`: which credential a fingerprint or a secret names, revoking it through its
provider (scanner.verify.revoke), and writing each attempt to the store with who ran it and when.

A fingerprint names a secret in the store, which keeps no plaintext: the secret is read back from
where it was seen (as `sweep --revalidate` does). A secret given directly is scanned with the rules
to learn its provider; what is not recognised is refused, never sent anywhere.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.engine import secret_hash
from scanner.errors import ConfigError
from scanner.models import Finding, Rule
from scanner.store import OccurrenceQuery, Revocation, Store
from scanner.sweep.spec import SpecSource
from scanner.verify.base import Credential, Verifier
from scanner.verify.plan import plan, rule_roles
from scanner.verify.revoke import RevokeOutcome, revoke_all, revoker_for
from scanner.verify.settings import VerifySettings


@dataclass(frozen=True)
class Target:
    credential: Credential
    finding: Finding  # what it was found as (its rule, where)
    fingerprint: str | None  # the store's name for it, when the store knows it


def from_store(store: Store, spec: SpecSource, fingerprint: str, clone_root: str,
               verifiers: dict[str, Verifier]) -> list[Target]:
    from scanner.sweep.revalidate import read_back

    occurrences = store.occurrences(OccurrenceQuery(fingerprints=[fingerprint]))
    if not occurrences:
        raise ConfigError(f"{fingerprint}: no such finding in the store {store.path}")
    found, problems = read_back(store, spec, {fingerprint: occurrences}, clone_root)
    group = found.get(fingerprint)
    if not group:
        public = occurrences[0].secret.public_id
        if public and occurrences[0].secret.rule_id.startswith("aws"):  # an AWS key goes by its id alone
            return [Target(Credential("aws", "", key_id=public), _stub(occurrences[0].secret.rule_id), fingerprint)]
        raise ConfigError("; ".join(problems) or f"{fingerprint}: the secret could not be read back")
    return _targets(group[:1], group, spec.get().rules, verifiers, {f.fingerprint for f in group})


def from_text(text: str, source: str, rules: Sequence[Rule], verifiers: dict[str, Verifier],
              store: Store) -> list[Target]:
    from scanner.prepare import make_engine
    from scanner.sources.blobs import scan_text

    findings = scan_text(make_engine(rules), source, text)
    if not findings:
        raise ConfigError(f"{source}: no secret that keysweep recognises; nothing was sent anywhere")
    known = {o.secret.fingerprint for o in store.occurrences(OccurrenceQuery(fingerprints=[f.fingerprint
                                                                                           for f in findings]))}
    return _targets(findings, findings, rules, verifiers, known)


def _targets(subjects: Sequence[Finding], context: Sequence[Finding], rules: Sequence[Rule],
             verifiers: dict[str, Verifier], known: set[str]) -> list[Target]:
    roles = rule_roles(rules)
    plans = plan(list(context), roles, verifiers.keys())
    by_fp = dict(zip((f.fingerprint for f in context), plans, strict=True))
    out: dict[Credential, Target] = {}
    for f in subjects:
        p = by_fp[f.fingerprint]
        for c in ([Credential(f.rule_id, f.secret)] if isinstance(p, str) else p):  # str: no verifier for the rule
            out.setdefault(c, Target(c, f, f.fingerprint if f.fingerprint in known else None))
    return list(out.values())


def revoke(targets: Sequence[Target], verifiers: dict[str, Verifier], settings: VerifySettings,
           dry_run: bool) -> list[tuple[Target, RevokeOutcome]]:
    revokers = {t.credential: revoker_for(verifiers.get(t.credential.provider)) for t in targets}
    outcomes = revoke_all(revokers, settings, dry_run)
    return [(t, outcomes[t.credential]) for t in targets]


def record(store: Store, results: Sequence[tuple[Target, RevokeOutcome]], dry_run: bool) -> None:
    """Every attempt, dry runs too, with who and when; a revoked secret is resolved as deactivated."""
    actor = f"{getpass.getuser()}@{socket.gethostname()}"
    for t, o in results:
        secret = t.credential.secret or t.credential.key_id or ""
        store.record_revocation(Revocation(t.fingerprint, secret_hash(secret), o.provider, store.now(), actor,
                                           dry_run, o.outcome, o.detail))


def _stub(rule_id: str) -> Finding:
    from scanner.models import Severity

    return Finding(rule_id=rule_id, description=rule_id, severity=Severity.HIGH, path="", line=0, end_line=0,
                   column=0, end_column=0, secret="", match="", fingerprint="", entropy=None)
