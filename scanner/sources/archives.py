"""Archives as sources of text: the members of zip-family files (zip, jar, war, ear, whl, apk, nupkg,
docx/xlsx/pptx), tar files (plain, gz, bz2, xz; zst when the `zstandard` package is installed) and
single-file gz/bz2/xz, nested up to a depth, read in memory and never extracted (a hostile member
path is only a name). Each archive is bounded by the bytes its members decompress to and by the
compression ratio of each member, so a bomb costs a note, not the machine. Encrypted, corrupt or
oversized members are skipped with a reason; the rest of the archive is still read.

Members are named by their chain: `release.zip!lib/app.jar!config/app.properties`.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.sources.interface import Skipped

SEP = "!"
DEFAULT_DEPTH = 3
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200  # decompressed / compressed bytes of one member beyond which it is a bomb
CHUNK = 1024 * 1024
RATIO_FLOOR = 1024 * 1024  # members smaller than this are never judged by ratio (tiny files compress well)

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class ArchiveLimits:
    depth: int = DEFAULT_DEPTH  # archives inside archives, counting the outermost as 1
    max_bytes: int = DEFAULT_MAX_BYTES  # decompressed bytes per outermost archive
    max_ratio: int = MAX_RATIO


@dataclass(frozen=True)
class Member:
    path: str  # the chain, outermost first
    data: bytes


ARCHIVE_NAMES = (".zip", ".jar", ".war", ".ear", ".whl", ".apk", ".nupkg", ".egg", ".docx", ".xlsx", ".pptx",
                 ".tar", ".tgz", ".tbz2", ".txz", ".gz", ".bz2", ".xz", ".zst")


def archive_name(path: str) -> bool:
    """Whether a name says archive: the cheap gate for content too large to read just to sniff."""
    return path.lower().endswith(ARCHIVE_NAMES)


def kind_of(data: bytes) -> str | None:
    """"zip", "tar", "gz", "bz2", "xz", "zst" or None, from the first bytes (names can lie)."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(GZIP_MAGIC):
        return "gz"
    if data.startswith(BZ2_MAGIC) and len(data) > 4 and data[3:4].isdigit():
        return "bz2"
    if data.startswith(XZ_MAGIC):
        return "xz"
    if data.startswith(ZSTD_MAGIC):
        return "zst"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    return None


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, n: int) -> None:
        self.left -= n


def members(data: bytes, name: str, limits: ArchiveLimits = ArchiveLimits()) -> Iterator[Member | Skipped]:
    """Every file inside the archive `data` (called `name`), nested archives opened up to the depth."""
    yield from _walk(data, name, 1, limits, _Budget(limits.max_bytes))


def _walk(data: bytes, name: str, depth: int, limits: ArchiveLimits, budget: _Budget) -> Iterator[Member | Skipped]:
    kind = kind_of(data)
    try:
        if kind == "zip":
            inner = _zip(data, name, limits, budget)
        elif kind in ("gz", "bz2", "xz", "zst"):
            inner = _compressed(data, name, kind, limits, budget)
        elif kind == "tar":
            inner = _tar(io.BytesIO(data), name, limits, budget)
        else:
            return
        for item in inner:
            if isinstance(item, Member) and kind_of(item.data) is not None:
                if depth >= limits.depth:
                    yield Skipped(item.path, f"archive nested deeper than --archive-depth ({limits.depth})")
                    continue
                yield from _walk(item.data, item.path, depth + 1, limits, budget)
                continue
            yield item
    except _Exhausted:
        yield Skipped(name, f"more than {limits.max_bytes} decompressed bytes; the rest of the archive was not read",
                      warning=True)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError, ValueError) as e:
        yield Skipped(name, f"corrupt archive ({type(e).__name__}: {e}); the rest was not read", warning=True)


class _Exhausted(Exception):
    pass


def _read(stream: Any, declared: int, path: str, compressed: int, limits: ArchiveLimits,
          budget: _Budget) -> bytes | Skipped:
    """A member stream read a megabyte at a time, within the budget, stopping as soon as the bytes
    out outgrow the bytes in by more than the ratio (a bomb is found before it is inflated)."""
    if budget.left <= 0:
        raise _Exhausted
    if compressed > 0 and declared > RATIO_FLOOR and declared / compressed > limits.max_ratio:
        return Skipped(path, f"compression ratio {declared // compressed}:1 over {limits.max_ratio}:1 (a bomb?)",
                       warning=True)
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(CHUNK, budget.left + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > budget.left:
            raise _Exhausted
        if compressed > 0 and total > RATIO_FLOOR and total / compressed > limits.max_ratio:
            return Skipped(path, f"compression ratio over {limits.max_ratio}:1 (a bomb?)", warning=True)
    budget.take(total)
    return b"".join(chunks)


def _zip(data: bytes, name: str, limits: ArchiveLimits, budget: _Budget) -> Iterator[Member | Skipped]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            path = f"{name}{SEP}{info.filename}"
            if info.flag_bits & 0x1:
                yield Skipped(path, "encrypted member")
                continue
            try:
                with zf.open(info) as fh:
                    got = _read(fh, info.file_size, path, info.compress_size, limits, budget)
            except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, OSError, lzma.LZMAError) as e:
                yield Skipped(path, f"unreadable member ({type(e).__name__}: {e})", warning=True)
                continue
            yield got if isinstance(got, Skipped) else Member(path, got)


def _tar(fileobj: io.BytesIO, name: str, limits: ArchiveLimits, budget: _Budget) -> Iterator[Member | Skipped]:
    with tarfile.open(fileobj=fileobj, mode="r:") as tf:
        for info in tf:
            if not info.isfile():
                continue
            path = f"{name}{SEP}{info.name}"
            fh = tf.extractfile(info)
            if fh is None:
                continue
            got = _read(fh, info.size, path, info.size, limits, budget)
            yield got if isinstance(got, Skipped) else Member(path, got)


def _compressed(data: bytes, name: str, kind: str, limits: ArchiveLimits,
                budget: _Budget) -> Iterator[Member | Skipped]:
    """A compressed stream: a tar inside it, or a single file (named after the archive without its suffix)."""
    if kind == "zst":
        try:
            import zstandard  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            yield Skipped(name, "zstd-compressed; install the 'zstandard' package to read it", warning=True)
            return
        stream: Any = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
    elif kind == "gz":
        stream = gzip.GzipFile(fileobj=io.BytesIO(data))
    elif kind == "bz2":
        stream = bz2.BZ2File(io.BytesIO(data))
    else:
        stream = lzma.LZMAFile(io.BytesIO(data))  # noqa: SIM115 - closed below
    with contextlib.closing(stream):
        got = _read(stream, 0, name, len(data), limits, budget)
    if isinstance(got, Skipped):
        yield got
        return
    if kind_of(got) == "tar":
        yield from _tar(io.BytesIO(got), name, limits, budget)
        return
    inner = name.rsplit("/", 1)[-1]
    for suffix in (".gz", ".tgz", ".bz2", ".xz", ".zst"):
        if inner.endswith(suffix):
            inner = inner[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
            break
    yield Member(f"{name}{SEP}{inner}", got)
