"""Frozen value types shared by every layer."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.verify.declaration import Declaration


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def lowered(self, steps: int = 1) -> Severity:
        order = list(Severity)
        return order[min(len(order) - 1, order.index(self) + steps)]


_SEVERITY_RANK = {s: i for i, s in enumerate(reversed(list(Severity)))}


class Confidence(enum.StrEnum):
    """How sure keysweep is that a finding is a real credential (not how bad it would be)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _CONFIDENCE_RANK[self]

    def lowered(self) -> Confidence:
        return Confidence.LOW if self is not Confidence.HIGH else Confidence.MEDIUM


_CONFIDENCE_RANK = {c: i for i, c in enumerate(reversed(list(Confidence)))}


class VerificationStatus(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNKNOWN = "unknown"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Example:
    """A rule example: text that must (or must not) produce a finding."""

    text: str
    secret: str | None = None  # when given, the finding's secret must equal it
    path: str | None = None  # pretend file name, for path-dependent rules


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    severity: Severity
    keywords: tuple[str, ...]
    regex: str
    secret_group: int | str | None = None
    entropy: float | None = None
    allowlist: tuple[str, ...] = ()  # regexes; a secret matching any is dropped
    stopwords: tuple[str, ...] = ()  # substrings; a secret containing any is dropped
    path: str | None = None  # regex on the path: the rule only applies to matching paths
    path_only: bool = False  # the path alone is the finding (e.g. keystore files)
    checksum: str | None = None  # name of a validator in engine.checksums
    verifier: str | None = None  # name of a verifier in verify registry
    multiline: bool = False
    # literals (lower case): a keyword occurrence counts only when one of them is on its line or the
    # next (the lines the regex runs on); they must be part of every match
    requires: tuple[str, ...] = ()
    # the shortest value (0: no such bound) that every match assigns to a name starting at one of the
    # keywords (prefilter.assigned_py says what the prefilter checks): other occurrences do not count
    assigned_value: int = 0
    tags: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    negatives: tuple[Example, ...] = ()
    references: tuple[str, ...] = ()  # where the format is documented (provider docs, SDK source)
    confidence: str | None = None  # fixed base confidence (high|medium|low); None: derived from the rule's shape
    source: str = "builtin"  # file the rule came from
    verify: Declaration | None = None  # how `verifier` checks a secret, when its own file declares it


@dataclass(frozen=True)
class Origin:
    """Where a chunk came from. Git fields are None for plain files."""

    path: str
    commit: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    date: str | None = None
    subject: str | None = None
    resource: str | None = None  # e.g. terraform resource address


@dataclass(frozen=True)
class Chunk:
    """Text to scan. `line_offset` is added to line numbers (chunk starts at line_offset+1)."""

    text: str
    origin: Origin
    line_offset: int = 0
    # Optional explicit line numbers for each line of `text` (used for git hunks where
    # the scanned lines are not contiguous in the file). Index i is the number of line i+1.
    line_map: tuple[int, ...] | None = None
    # `text` as UTF-8, when the source read it as such (files, blobs): the keyword search uses these
    # bytes instead of encoding the text again. Must be exactly text.encode("utf-8") when given.
    utf8: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Verification:
    status: VerificationStatus = VerificationStatus.NOT_CHECKED
    detail: str = ""
    checked_at: str | None = None
    identity: Mapping[str, Any] = field(default_factory=dict)
    access: Mapping[str, Any] = field(default_factory=dict)  # what a live secret can reach (blast radius)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status.value,
            "detail": self.detail,
            "checked_at": self.checked_at,
        }
        if self.identity:
            out["identity"] = dict(self.identity)
        if self.access:
            out["access"] = dict(self.access)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verification:
        """The inverse of `to_dict` (the store, a findings file, an IAM report); ValueError for an
        unknown status."""
        return cls(status=VerificationStatus(d.get("status", "not_checked")), detail=str(d.get("detail", "")),
                   checked_at=d.get("checked_at"), identity=d.get("identity") or {}, access=d.get("access") or {})


@dataclass(frozen=True)
class Finding:
    rule_id: str
    description: str
    severity: Severity
    path: str
    line: int
    end_line: int
    column: int
    end_column: int
    secret: str
    match: str
    fingerprint: str
    entropy: float | None  # None where the secret is not at hand (findings read back from the store)
    commit: str | None = None
    author_name: str | None = None
    author_email: str | None = None
    date: str | None = None
    subject: str | None = None
    line_text: str = ""  # the source line(s) of the match, for text output context
    linked: tuple[str, ...] = ()  # fingerprints of related findings (e.g. AWS key id <-> secret)
    verification: Verification | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    confidence: Confidence = Confidence.MEDIUM
    confidence_reason: str = ""

    @property
    def location_key(self) -> tuple[str, str | None, int, int]:
        return (self.path, self.commit, self.line, self.column)
