"""What the store holds, as frozen values. Plaintext secrets never get here: only hash and mask."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.models import Finding, Verification

# AWS access key ids identify a key without granting anything; keeping them lets the store be
# joined with IAM inventories. Every other secret is kept only as hash + mask.
_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}")
_OCCURRENCE_FIELDS = frozenset(
    ("present_in_head", "refs", "ref", "branch", "branches", "tags", "resource", "repository"))


def public_id(secret: str) -> str | None:
    """The secret itself when it is a public identifier (an AWS access key id), else None."""
    return secret if _AWS_KEY_ID.fullmatch(secret) else None


@dataclass(frozen=True)
class SecretRecord:
    """One distinct secret (fingerprint) as stored."""

    fingerprint: str
    rule_id: str
    description: str
    severity: str
    secret_hash: str
    secret_masked: str
    public_id: str | None = None
    linked: tuple[str, ...] = ()
    verification: Verification | None = None

    @property
    def hash20(self) -> str:
        return self.secret_hash[:20]


@dataclass(frozen=True)
class OccurrenceRecord:
    """One place a secret was seen: repository, commit, path, line."""

    fingerprint: str
    path: str
    line: int
    end_line: int
    column: int
    end_column: int
    commit: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    date: str | None = None
    subject: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def secret_record(f: Finding) -> SecretRecord:
    from scanner.engine import secret_hash
    from scanner.report.base import mask

    return SecretRecord(
        fingerprint=f.fingerprint, rule_id=f.rule_id, description=f.description, severity=f.severity.value,
        secret_hash=secret_hash(f.secret), secret_masked=mask(f.secret), public_id=public_id(f.secret),
        linked=tuple(f.linked), verification=f.verification,
    )


def occurrence_record(f: Finding) -> OccurrenceRecord:
    extra = {k: v for k, v in f.extra.items() if k in _OCCURRENCE_FIELDS and _plain(v)}
    # confidence depends on where the secret sits (a test folder lowers it): it belongs to the occurrence
    extra.update(confidence=f.confidence.value, confidence_reason=f.confidence_reason)
    return OccurrenceRecord(
        fingerprint=f.fingerprint, path=f.path, line=f.line, end_line=f.end_line, column=f.column,
        end_column=f.end_column, commit=f.commit, author_name=f.author_name, author_email=f.author_email,
        date=f.date, subject=f.subject, extra=extra,
    )


def _plain(v: Any) -> bool:
    if isinstance(v, str | int | float | bool) or v is None:
        return True
    return isinstance(v, list | tuple) and all(isinstance(x, str) for x in v)


@dataclass(frozen=True)
class History:
    """A secret's life in the store: when first and last seen, and whether it is resolved."""

    first_seen_run: int
    first_seen_at: str
    last_seen_run: int
    last_seen_at: str
    resolved_at: str | None = None
    resolved_reason: str | None = None  # removed-from-head | deactivated

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class StoredOccurrence:
    """An occurrence read back, joined with its secret, its history and its repository."""

    secret: SecretRecord
    history: History
    occurrence: OccurrenceRecord
    repository: str
    repository_state: str  # ok | missing | error
    at_head: bool  # this repository's HEAD still holds the secret
    first_seen_run: int  # the run that first recorded this occurrence


@dataclass(frozen=True)
class HeadScan:
    """Which secrets HEAD holds: the whole tree (full) or just the paths that changed since last time.

    Branch tips other than HEAD are recorded too, their paths qualified as `ref + TIP_SEP + path`: a
    secret still at the tip of any branch stays open. `tip_paths` are the qualified paths re-examined,
    `dropped_refs` the branches whose rows are replaced (new, rewritten or deleted branches)."""

    full: bool
    paths: tuple[str, ...] = ()  # with full=False: the paths re-examined at the new HEAD
    hits: frozenset[tuple[str, str]] = frozenset()  # (fingerprint, path) present at HEAD or a branch tip
    tip_paths: tuple[str, ...] = ()
    dropped_refs: tuple[str, ...] = ()


TIP_SEP = "\x1f"  # git ref names cannot hold control characters


@dataclass(frozen=True)
class RepoOutcome:
    """What sweeping one repository produced: the store's input, built by a (possibly remote) worker."""

    location: str
    name: str
    status: str  # scanned | unchanged | missing | error
    tips: Mapping[str, str] = field(default_factory=dict)  # ref -> commit at the time of the scan
    head_commit: str | None = None
    new_commits: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()  # plaintext lives in memory only; the store keeps hash + mask
    head: HeadScan | None = None  # None: HEAD did not move, keep what is stored
    error: str | None = None
    attempts: int = 1
    seconds: float = 0.0
    rules_digest: str = ""
    suppressed: int = 0  # findings the sweep's config allowlist hid (not stored)


@dataclass(frozen=True)
class RunRecord:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class RepositoryRecord:
    id: int
    location: str
    name: str
    state: str
    head_commit: str | None
    last_error: str | None
    tips: Mapping[str, str] = field(default_factory=dict)
    rules_digest: str | None = None


def to_finding(s: StoredOccurrence, current_run: int | None = None) -> Finding:
    """A stored occurrence as a Finding for the reporters. `secret` and `match` hold the mask only."""
    from scanner.models import Confidence, Severity

    o = s.occurrence
    extra: dict[str, Any] = dict(o.extra)
    level = Confidence(extra.pop("confidence", "medium"))
    reason = str(extra.pop("confidence_reason", ""))
    extra.update({
        "repository": s.repository,
        "repository_state": s.repository_state,
        "present_in_head": s.at_head,
        "first_seen": s.history.first_seen_at,
        "last_seen": s.history.last_seen_at,
        "resolved": s.history.resolved_at is not None,
        "resolved_reason": s.history.resolved_reason,
        "status": ("new" if current_run is not None and s.first_seen_run == current_run
                   else "resolved" if s.history.resolved_at else "open"),
    })
    if s.secret.public_id:
        extra["key_id"] = s.secret.public_id
    return Finding(
        rule_id=s.secret.rule_id, description=s.secret.description, severity=Severity(s.secret.severity),
        path=o.path, line=o.line, end_line=o.end_line, column=o.column, end_column=o.end_column,
        secret=s.secret.secret_masked, match=s.secret.secret_masked, fingerprint=s.secret.fingerprint, entropy=None,
        commit=o.commit, author_name=o.author_name, author_email=o.author_email, date=o.date, subject=o.subject,
        linked=s.secret.linked, verification=s.secret.verification, extra=extra,
        confidence=level, confidence_reason=reason,
    )
