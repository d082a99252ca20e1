"""What can still be read from a damaged pack: a truncated pack file that git refuses as a whole.

A pack is damaged this way when its trailing checksum no longer matches the copy its index keeps (the
file was cut short, or overwritten at the end). git then reads nothing from it. `git unpack-objects -r`
(recover) walks the pack stream and writes every object it can decode, up to the damage, into a scratch
object store in a temporary folder (the repository itself is never written to). The blobs it recovers
are scanned whole, without a path or a commit (the trees and commits naming them may be gone).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.sources.gitcmd import CatFile, ObjectUnreadable, run_git

log = logging.getLogger(__name__)

MAX_PACK_BYTES = 1024 * 1024 * 1024  # larger damaged packs are named, not unpacked
TRAILER = 20  # SHA-1 of the pack, also kept in the index just before the index's own checksum


@dataclass(frozen=True)
class RecoveredBlob:
    pack: str
    sha: str
    data: bytes


def damaged_packs(git_dir: str) -> list[Path]:
    """Packs whose trailer does not match their index (truncated or cut short)."""
    out = []
    for idx in sorted(Path(git_dir, "objects", "pack").glob("*.idx")):
        pack = idx.with_suffix(".pack")
        try:
            with idx.open("rb") as ih:
                ih.seek(max(0, idx.stat().st_size - 2 * TRAILER))
                want = ih.read(TRAILER)
            with pack.open("rb") as fh:
                fh.seek(max(0, pack.stat().st_size - TRAILER))
                have = fh.read(TRAILER)
        except OSError:
            continue
        if want != have:
            out.append(pack)
    return out


def recovered_blobs(pack: Path, max_size: int, warnings: list[str]) -> Iterator[RecoveredBlob]:
    """Unpack what `git unpack-objects -r` can decode into a scratch store and yield its blobs."""
    size = pack.stat().st_size
    if size > MAX_PACK_BYTES:
        warnings.append(f"{pack}: damaged pack of {size} bytes; too large to recover, not scanned")
        return
    with tempfile.TemporaryDirectory(prefix="keysweep-salvage-") as scratch:
        run_git(scratch, "init", "-q", "--bare", ".")
        with pack.open("rb") as fh:
            run_git(scratch, "unpack-objects", "-r", "-q", stdin=fh, check=False)
        listing = run_git(scratch, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)",
                          check=False)
        blobs = [line.split()[0].decode() for line in listing.split(b"\n") if line.endswith(b" blob")]
        total = sum(1 for line in listing.split(b"\n") if line.strip())
        warnings.append(f"{pack}: damaged pack; {total} object(s) recovered up to the damage, "
                        f"{len(blobs)} blob(s) scanned without path or commit")
        cat = CatFile(scratch, max_size)
        try:
            for sha in blobs:
                try:
                    got = cat.read(sha)
                except ObjectUnreadable:
                    continue
                if got.data is not None:
                    yield RecoveredBlob(os.path.basename(str(pack)), sha, got.data)
        finally:
            cat.close()
