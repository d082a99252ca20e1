"""The source seam: what a source gives the engine and what every scan gives back.

A source turns targets (folders, a bucket prefix, an image tarball, stdin) into text for the engine and
returns one `SourceResult`; it never decides what is a secret. Sources that hand over whole blobs (S3
objects, image layer files) yield `Blob`s and `Skipped`s and let `scanner.sources.blobs` do the rest
(size limits, archives, binary files, encodings, structure-aware formats), so every source treats
content the same way. The file source batches files over worker processes and returns the same result.

Adding a source is one module with a class that has `scan(engine, options, run) -> SourceResult`, and
one `Registration` in `SOURCES` below: `scan` targets that start with its prefix go to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

if TYPE_CHECKING:
    from scanner.config import ScanOptions
    from scanner.engine import Engine
    from scanner.models import Finding


class Progress(Protocol):
    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


ProgressFactory = Callable[[int | None, int], "Progress | None"]  # (items or None: not known yet, bytes) -> a bar


@dataclass(frozen=True)
class Blob:
    """One piece of content from a source: its path as findings name it, its bytes, and fields its
    findings carry besides (`image`, `layer`, ...)."""

    path: str
    data: bytes
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """Something a source did not scan, and why. A warning asks the user to act (unreadable, denied);
    the others are notes, listed with -v (binary, over the size limit)."""

    path: str
    reason: str
    warning: bool = False

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class SourceResult:
    findings: tuple[Finding, ...] = ()
    files_scanned: int = 0
    files_skipped: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    checksum_dropped: int = 0
    timed_out: int = 0  # rule searches that ran out of their time budget

    @classmethod
    def total(cls, results: Iterable[SourceResult]) -> SourceResult:
        """Many results added up (in lists: `a + b` copies the tuples, once per result)."""
        findings: list[Finding] = []
        warnings: list[str] = []
        notes: list[str] = []
        counts = [0, 0, 0, 0, 0, 0.0]
        for r in results:
            findings.extend(r.findings)
            warnings.extend(r.warnings)
            notes.extend(r.notes)
            for i, v in enumerate((r.files_scanned, r.files_skipped, r.bytes_scanned, r.checksum_dropped,
                                   r.timed_out, r.seconds)):
                counts[i] += v
        scanned, skipped, nbytes, dropped, timed, seconds = counts
        return cls(tuple(findings), int(scanned), int(skipped), int(nbytes), seconds, tuple(warnings), tuple(notes),
                   int(dropped), int(timed))

    def __add__(self, other: SourceResult) -> SourceResult:
        return SourceResult(self.findings + other.findings, self.files_scanned + other.files_scanned,
                            self.files_skipped + other.files_skipped, self.bytes_scanned + other.bytes_scanned,
                            self.seconds + other.seconds, self.warnings + other.warnings,
                            self.notes + other.notes, self.checksum_dropped + other.checksum_dropped,
                            self.timed_out + other.timed_out)


@dataclass(frozen=True)
class Run:
    """What a command hands every source besides the engine and options."""

    warn: Callable[[str], None] | None = None  # called as each warning happens (they are in the result too)
    progress: ProgressFactory | None = None
    stdin: BinaryIO | None = None
    endpoint_url: str | None = None  # for sources behind an API (S3); None: the SDK's own resolution

    def warning(self, msg: str) -> None:
        if self.warn is not None:
            self.warn(msg)


class Source(Protocol):
    def scan(self, engine: Engine, options: ScanOptions, run: Run) -> SourceResult: ...


@dataclass(frozen=True)
class Registration:
    name: str
    prefix: str  # `scan` targets starting with it belong to this source
    load: Callable[[Sequence[str]], Source]  # the source for those targets (imported only when used)


def _s3(targets: Sequence[str]) -> Source:
    from scanner.sources.s3 import S3Source

    return S3Source(tuple(targets))


def _stdin(targets: Sequence[str]) -> Source:
    from scanner.sources.files import StdinSource

    return StdinSource()


SOURCES: dict[str, Registration] = {
    "s3": Registration("s3", "s3://", _s3),
    "stdin": Registration("stdin", "-", _stdin),
}


def claimed(target: str) -> Registration | None:
    for reg in SOURCES.values():
        if target == reg.prefix or (len(reg.prefix) > 1 and target.startswith(reg.prefix)):
            return reg
    return None


def sources_for(targets: Sequence[str], files: Callable[[Sequence[str]], Source]) -> list[Source]:
    """One source per registered kind among the targets, in the order they first appear; every other
    target is a path for `files`."""
    groups: dict[str, list[str]] = {}
    loaders: dict[str, Callable[[Sequence[str]], Source]] = {}
    for t in targets:
        reg = claimed(t)
        name, load = (reg.name, reg.load) if reg else ("files", files)
        groups.setdefault(name, []).append(t)
        loaders[name] = load
    return [loaders[name](group) for name, group in groups.items()]
