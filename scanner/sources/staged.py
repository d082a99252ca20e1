"""Staged changes (pre-commit): the lines the index adds to HEAD, from one `git diff-index --cached`.
A secret that the same change also removes (a moved or re-indented line) is not new and does not
block the commit, as in history sweeps.

Kept light on purpose: no process pool; one git process, the diff parser, and the
engine (which compiles only the rules whose keywords occur in the staged text).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

from scanner.engine import Engine
from scanner.errors import SourceError
from scanner.iac import file_kind, on_lines, scan_structured
from scanner.models import Chunk, Finding, Origin
from scanner.sources.archives import ArchiveLimits, Skipped, kind_of, members
from scanner.sources.artefacts import HEAD_BYTES, own_artefact, skip_note
from scanner.sources.blobs import scan_text
from scanner.sources.gitcmd import DIFF_OPTIONS, CatFile, ObjectUnreadable, run_git
from scanner.sources.gitdiff import (
    FileDiff,
    has_added,
    lines_not_in,
    numbering,
    on_added_lines,
    parse_section,
    probe_bytes,
    records,
    removed_lines,
)
from scanner.sources.interface import SourceResult
from scanner.sources.walk import excluded

log = logging.getLogger(__name__)

SNIFF_BYTES = 8192


StagedResult = SourceResult  # files_scanned: the staged files looked at


def staged_diff(repo: str, max_size: int) -> bytes:
    args = ("diff-index", "--cached", "-r", "-M", *DIFF_OPTIONS)
    try:
        return run_git(repo, "-c", f"core.bigFileThreshold={max_size}", *args, "HEAD", "--")
    except SourceError as e:
        if "HEAD" not in str(e) and "bad revision" not in str(e):
            raise
    # no commit yet: everything staged is added
    empty = run_git(repo, "hash-object", "-t", "tree", "--stdin", stdin=b"").decode().strip()
    return run_git(repo, "-c", f"core.bigFileThreshold={max_size}", *args, empty, "--")


def scan_staged(repo: str, engine: Engine, max_size: int, exclude: Sequence[str] = (),
                archives: ArchiveLimits | None = None) -> StagedResult:
    """`archives`: open the archives the change adds or modifies and scan their text members whole."""
    diff = staged_diff(repo, max_size)
    findings: list[Finding] = []
    warnings: list[str] = []
    files = nbytes = 0
    cat: CatFile | None = None
    removed: list[bytes] = []
    try:
        for rec in records(io.BytesIO(diff)):
            if not rec.startswith(b"diff --"):
                continue
            fd = parse_section(rec)
            if fd.submodule or excluded(fd.path, exclude):
                continue
            files += 1
            if fd.removals:
                removed.extend(removed_lines(rec))
            if not fd.path_ok:
                warnings.append(f"{fd.path}: path is not valid UTF-8 (shown with replacement characters)")
            if fd.new_file:
                findings.extend(engine.scan_path(fd.path))
            if fd.binary:
                cat = cat or CatFile(repo, max_size)
                findings.extend(_whole_blob(engine, cat, fd, max_size, warnings, archives))
                continue
            if not has_added(fd):
                continue
            if not fd.text_ok:
                warnings.append(f"{fd.path}: not valid UTF-8; scanned with replacement characters")
            kind = own_artefact(fd.text[:HEAD_BYTES].encode("utf-8", "surrogatepass")) if fd.new_file else None
            if kind is not None:
                log.info("%s", skip_note(fd.path, kind))
                continue
            nbytes += len(fd.text)
            if file_kind(fd.path) is not None and fd.new_blob is not None:
                cat = cat or CatFile(repo, max_size)
                findings.extend(_structured(engine, cat, fd, warnings))
                continue
            found = on_added_lines(engine.scan(Chunk(text=fd.text, origin=Origin(path=fd.path))), fd)
            findings.extend(found)
    finally:
        if cat is not None:
            cat.close()
    if removed and findings:  # a secret the same change removes elsewhere was moved, not added
        gone = b"\n".join(removed)
        findings = [f for f in findings if probe_bytes(f.secret) not in gone]
    return SourceResult(findings=tuple(findings), files_scanned=files, bytes_scanned=nbytes, warnings=tuple(warnings))


def _structured(engine: Engine, cat: CatFile, fd: FileDiff, warnings: list[str]) -> list[Finding]:
    """Terraform is read as a whole (a block's structure spans lines the change did not touch); the
    findings kept are those on the lines the change adds."""
    assert fd.new_blob is not None
    try:
        blob = cat.read(fd.new_blob)
    except ObjectUnreadable as e:
        warnings.append(f"{fd.path}: staged object {e.sha} cannot be read ({e.reason}); its added lines are "
                        "scanned without the file's structure")
        blob = None
    if blob is None or blob.data is None:
        return on_added_lines(engine.scan(Chunk(text=fd.text, origin=Origin(path=fd.path))), fd)
    line_map, marks = numbering(fd)
    added = {n for n, m in zip(line_map, marks, strict=False) if m == ord("+")}
    found = scan_structured(fd.path, blob.data.decode("utf-8", "replace"), engine) or []
    return on_lines(found, added)


def _archive(engine: Engine, path: str, data: bytes, limits: ArchiveLimits, warnings: list[str]) -> list[Finding]:
    """Every text member, scanned whole (the previous version is compressed: its lines cannot be
    told from the new ones)."""
    found: list[Finding] = []
    for m in members(data, path, limits):
        if isinstance(m, Skipped):
            if m.warning:
                warnings.append(m.line() + "; skipped")
            continue
        found.extend(engine.scan_path(m.path))
        if b"\0" not in m.data[:SNIFF_BYTES] and own_artefact(m.data[:HEAD_BYTES]) is None:
            found.extend(scan_text(engine, m.path, m.data.decode("utf-8", "replace")))
    return found


def _whole_blob(engine: Engine, cat: CatFile, fd: FileDiff, max_size: int, warnings: list[str],
                archives: ArchiveLimits | None = None) -> list[Finding]:
    """A staged file git would not diff: an archive (opened when asked), binary (skipped), too large
    (skipped), or text marked binary by .gitattributes (its new lines are scanned)."""
    if fd.new_blob is None:
        return []
    try:
        blob = cat.read(fd.new_blob)
    except ObjectUnreadable as e:
        warnings.append(f"{fd.path}: staged object {e.sha} cannot be read ({e.reason}); skipped")
        return []
    if blob.data is None:
        warnings.append(f"{fd.path}: {blob.size} bytes is over --max-file-size ({max_size}); skipped")
        return []
    if archives is not None and kind_of(blob.data) is not None:
        return _archive(engine, fd.path, blob.data, archives, warnings)
    if b"\0" in blob.data[:SNIFF_BYTES]:
        return []
    olds: list[bytes] = []
    for sha in fd.old_blobs:
        try:
            prev = cat.read(sha)
        except ObjectUnreadable:
            continue
        if prev.data is not None:
            olds.append(prev.data)
    new = lines_not_in(blob.data, olds)
    if new is None:
        return []
    return engine.scan(Chunk(text=new.text, origin=Origin(path=fd.path), line_map=new.line_map))
