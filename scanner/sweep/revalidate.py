"""`sweep --revalidate`: ask the providers again about the secrets the store knows, without sweeping.

The store keeps no plaintext, so each secret is read back from one place it was seen: the blob at
the recorded commit and path, in the repository (or its mirror) the sweep read it from, scanned
alone; the secret is the finding whose fingerprint matches, its pair (an AWS key id's secret key) the
findings linked to it. Each verdict is recorded with its time; a change of status is an event, a
rejected secret is resolved as deactivated and an accepted one reopened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.errors import SourceError
from scanner.models import Finding, Rule, Verification
from scanner.store import Store, StoredOccurrence, VerificationChange
from scanner.sweep import gitutil
from scanner.sweep.spec import SpecSource

if TYPE_CHECKING:
    from scanner.engine import Engine

Verify = Callable[[list[Finding]], list[Finding]]


@dataclass(frozen=True)
class Revalidation:
    run_id: int
    checked: tuple[tuple[StoredOccurrence, Verification], ...]  # one occurrence per secret re-checked
    changes: tuple[VerificationChange, ...]
    problems: tuple[str, ...]  # one line each: secrets that could not be read back
    skipped_recent: int = 0  # checked more recently than --older-than


def due(occurrences: Iterable[StoredOccurrence], rules: Sequence[Rule], older_than: timedelta | None,
        now: datetime) -> tuple[dict[str, list[StoredOccurrence]], int]:
    """The secrets to re-check, by fingerprint, with their occurrences: every secret of a rule that
    has a verifier — open ones, those removed from HEAD (still in the history, and a key deleted from
    code is not revoked) and those resolved because their provider rejected them (a restored account
    makes them live again) — last checked before `now - older_than` (or never). Also how many were
    too recent."""
    verified = {r.id for r in rules if r.verifier}
    out: dict[str, list[StoredOccurrence]] = {}
    recent = set()
    for o in occurrences:
        s = o.secret
        if s.rule_id not in verified:
            continue
        checked = s.verification.checked_at if s.verification else None
        if older_than is not None and checked and _parse(checked) > now - older_than:
            recent.add(s.fingerprint)
            continue
        out.setdefault(s.fingerprint, []).append(o)
    return out, len(recent)


def revalidate(store: Store, spec: SpecSource, verify: Verify, clone_root: str, older_than: timedelta | None,
               now: datetime, repositories: Sequence[str] | None = None, tool_version: str = "") -> Revalidation:
    rules = spec.get().rules
    wanted, recent = due(store.occurrences(), rules, older_than, now)
    if repositories is not None:
        keep = set(repositories)
        wanted = {fp: [o for o in os if o.repository in keep] for fp, os in wanted.items()}
        wanted = {fp: os for fp, os in wanted.items() if os}
    run_id = store.begin_run(["revalidate", *(repositories or [])], tool_version, spec.digest)
    recovered, problems = read_back(store, spec, wanted, clone_root)
    findings = [f for group in recovered.values() for f in group]
    verdicts = {f.fingerprint: f.verification for f in verify(findings) if f.verification}
    checked = [(wanted[fp][0], verdicts[fp]) for fp in recovered if fp in verdicts]
    store.record_checks(run_id, [(o.secret.fingerprint, v) for o, v in checked])
    store.finish_run(run_id, "partial" if problems else "ok")
    return Revalidation(run_id, tuple(checked), tuple(store.verification_changes(run_id)), tuple(problems), recent)


def read_back(store: Store, spec: SpecSource, wanted: Mapping[str, list[StoredOccurrence]],
               clone_root: str) -> tuple[dict[str, list[Finding]], list[str]]:
    """Fingerprint -> [the secret's finding, then its linked partners], read from the repositories."""
    from scanner.sweep.worker import engine_for

    engine = engine_for(spec.get())
    places: dict[tuple[str, str, str], list[str]] = {}  # (repository, commit, path) -> fingerprints
    problems: list[str] = []
    for fp, occurrences in wanted.items():
        readable = [o for o in occurrences if "!" not in o.occurrence.path]
        if not readable:
            problems.append(f"{fp}: seen only inside archives, not read back")
        for o in readable[:3]:  # a few places suffice: the first readable one wins
            places.setdefault((o.repository, o.occurrence.commit or "HEAD", o.occurrence.path), []).append(fp)
    found: dict[str, list[Finding]] = {}
    by_repo: dict[str, dict[tuple[str, str], list[str]]] = {}
    for (repo, commit, path), fps in places.items():
        by_repo.setdefault(repo, {})[(commit, path)] = fps
    for location, spots in by_repo.items():
        try:
            local = _local(store, location, clone_root)
            found.update(_scan_spots(local, engine, spots, found))
        except SourceError as e:
            problems.append(f"{location}: cannot read back its secrets: {e}")
    for fp in wanted:
        if fp not in found and any("!" not in o.occurrence.path for o in wanted[fp]):
            problems.append(f"{fp}: no longer readable where it was seen ({wanted[fp][0].repository}: "
                            f"{wanted[fp][0].occurrence.path}); history rewritten or the mirror gone")
    return found, problems


def _scan_spots(repo: Path, engine: Engine, spots: Mapping[tuple[str, str], list[str]],
                already: Mapping[str, list[Finding]]) -> dict[str, list[Finding]]:
    from scanner.sources.blobs import scan_text
    from scanner.sources.files import is_binary

    out: dict[str, list[Finding]] = {}
    by_commit: dict[str, list[str]] = {}
    for commit, path in spots:
        by_commit.setdefault(commit, []).append(path)
    for commit, paths in by_commit.items():
        pending = [p for p in paths if any(fp not in already and fp not in out for fp in spots[(commit, p)])]
        if not pending:
            continue
        if commit != "HEAD" and not gitutil.existing(repo, [commit]):
            continue
        blobs = gitutil.tree_blobs(repo, commit, pending)
        paths_of: dict[str, list[str]] = {}
        for path, (blob, _) in blobs.items():
            paths_of.setdefault(blob, []).append(path)
        for blob, data in gitutil.read_blobs(repo, list(paths_of)):
            if is_binary(data):
                continue
            text = data.decode("utf-8", errors="replace")
            for path in paths_of[blob]:
                hits = {f.fingerprint: f for f in scan_text(engine, path, text)}
                for fp in spots[(commit, path)]:
                    if fp in hits and fp not in out:
                        target = replace(hits[fp], commit=None if commit == "HEAD" else commit)
                        out[fp] = [target, *(hits[p] for p in target.linked if p in hits)]
    return out


def _local(store: Store, location: str, clone_root: str) -> Path:
    """Where the sweep read this repository: its path, or the mirror of its clone URL."""
    from scanner.sweep.targets import is_url
    from scanner.sweep.worker import mirror_path

    if is_url(location):
        record = store.repository(location)
        path = mirror_path(clone_root, record.name if record else "repo", location)
    else:
        path = Path(location)
    if not gitutil.is_repository(path):
        raise SourceError(f"{path}: not there any more (or not a git repository)")
    return path


def parse_age(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `2w`: a duration for --older-than."""
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit():
        raise ValueError(f"not a duration: {text!r} (say e.g. 30m, 12h, 7d or 2w)")
    return timedelta(**{units[unit]: int(number)})


def _parse(when: str) -> datetime:
    return datetime.fromisoformat(when.replace("Z", "+00:00"))


def reported(checked: Iterable[tuple[StoredOccurrence, Verification]], changes: Iterable[VerificationChange],
             changed_only: bool) -> list[Finding]:
    """The re-checked secrets as findings for the reporters (masked, one occurrence each), with
    `status` and `previous_status` when this check changed them."""
    from scanner.store import to_finding

    before = {c.fingerprint: c.before for c in changes}
    out = []
    for o, v in checked:
        fp = o.secret.fingerprint
        if changed_only and fp not in before:
            continue
        f = to_finding(o)
        extra = {**f.extra, "status": "changed" if fp in before else "unchanged"}
        if fp in before:
            extra["previous_status"] = before[fp] or "not_checked"
        out.append(replace(f, verification=v, extra=extra))
    return out
