"""Container image source: `keysweep image PATH|-` reads a `docker save` tarball (classic or OCI
flavoured) or an OCI image layout (a folder, or a tar of one) without a Docker daemon.

Every layer's files are scanned, also those a later layer deletes (a whiteout) or overwrites: a key
removed in the next layer is still in the image for anyone who pulls it. The image config is scanned
too — `Env`, `Cmd`, `Entrypoint`, `Labels` and `history[].created_by`, where `ENV` lines and build
arguments leak — under the paths `image-config:env`, `image-config:cmd`, `image-config:entrypoint`,
`image-config:labels` and `image-config:history`. Findings carry `image` (its tag), `layer` (the
layer's digest) and `present_in_final` (false when a later layer removed or replaced the file).

The tarball is read in one pass as a stream (standard input works the same): layers are recognised by
content as they come (a tar, or a gzip/zstd-compressed one), scanned file by file within the same
limits as any file, and only their file names are kept; manifests and configs are small JSON members
held until the end, when the manifest says which layers make which image and in what order.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import tarfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any, BinaryIO, cast

from scanner.config import ScanOptions
from scanner.engine import Engine
from scanner.models import Chunk, Finding, Origin
from scanner.sources.archives import GZIP_MAGIC, SEP, ZSTD_MAGIC, kind_of
from scanner.sources.blobs import BlobScanner, Tally, archive_limits, rejoined, with_extra
from scanner.sources.interface import Blob, Run, Skipped, SourceResult

log = logging.getLogger(__name__)

JSON_MAX = 8 * 1024 * 1024  # members that are not layers are kept when smaller (manifests, configs)
HEAD = 512
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
CONFIG_PATHS = {"Env": "env", "Cmd": "cmd", "Entrypoint": "entrypoint", "Labels": "labels"}


class ImageError(Exception):
    """The input is not an image keysweep can read at all."""


@dataclass
class _Layer:
    name: str  # the member (or file) it came from
    files: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)  # whiteouts: paths removed from the layers below
    opaque: set[str] = field(default_factory=set)  # folders whose lower content is hidden
    findings: list[Finding] = field(default_factory=list)

    def hides(self, path: str) -> bool:
        """Whether this layer, laid on top, removes or replaces `path` of a lower layer."""
        if path in self.files or path in self.deleted:
            return True
        parts = path.split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            if folder in self.deleted or folder in self.opaque or folder in self.files:
                return True
        return False


@dataclass(frozen=True)
class _Image:
    name: str
    config: str | None  # member name of the config blob
    layers: tuple[str, ...]  # member names, bottom first
    digests: tuple[str, ...]  # the layers' digests, same order


def _blob_name(digest: str, prefix: str = "") -> str:
    algo, _, hexa = digest.partition(":")
    return f"{prefix}blobs/{algo}/{hexa}"


def _member_digest(name: str) -> str | None:
    parts = name.removeprefix("./").split("/")
    if len(parts) >= 3 and parts[-3] == "blobs":
        return f"{parts[-2]}:{parts[-1]}"
    return None


def _clean(name: str) -> str:
    name = name.removeprefix("./").lstrip("/")
    return os.path.normpath(name).replace(os.sep, "/") if name else name


class _Reader:
    """One pass over the members of an image: layers scanned, small JSON kept."""

    def __init__(self, label: str, engine: Engine, options: ScanOptions, tally: Tally) -> None:
        self.label = label
        self.engine = engine
        self.blobs = BlobScanner(engine, options.max_file_size, archive_limits(options))
        self.tally = tally
        self.layers: dict[str, _Layer] = {}
        self.small: dict[str, bytes] = {}

    def member(self, name: str, size: int, stream: IO[bytes]) -> None:
        name = name.removeprefix("./")
        head = stream.read(HEAD)
        if head.startswith(GZIP_MAGIC) or head.startswith(ZSTD_MAGIC) or kind_of(head) == "tar":
            self.layer(name, head, stream)
        elif size <= JSON_MAX:
            self.small[name] = head + stream.read(JSON_MAX - len(head) + 1)

    def layer(self, name: str, head: bytes, stream: IO[bytes]) -> None:
        layer = self.layers.setdefault(name, _Layer(name))
        where = f"{self.label}: layer {_member_digest(name) or name}"
        try:
            raw = rejoined(head, stream)
            if head.startswith(ZSTD_MAGIC):
                try:
                    import zstandard  # type: ignore[import-not-found,unused-ignore]
                except ImportError:
                    self.tally.skip(Skipped(where, "zstd-compressed; install the 'zstandard' package to read it",
                                            warning=True))
                    return
                raw = zstandard.ZstdDecompressor().stream_reader(raw)
            elif head.startswith(GZIP_MAGIC):
                raw = cast(BinaryIO, gzip.GzipFile(fileobj=raw))
            with tarfile.open(fileobj=raw, mode="r|") as tf:
                for info in tf:
                    self.entry(layer, tf, info)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
            self.tally.skip(Skipped(where, f"corrupt or truncated layer ({type(e).__name__}: {e}); the rest of "
                                           "it was not read", warning=True))

    def entry(self, layer: _Layer, tf: tarfile.TarFile, info: tarfile.TarInfo) -> None:
        path = _clean(info.name)
        if not path or path == ".":
            return
        folder, _, base = path.rpartition("/")
        if base == OPAQUE:
            layer.opaque.add(folder)
            return
        if base.startswith(WHITEOUT):
            layer.deleted.add(f"{folder}/{base[len(WHITEOUT):]}" if folder else base[len(WHITEOUT):])
            return
        if not info.isfile():
            if not info.isdir():
                layer.files.add(path)  # a link or device replaces what was below as much as a file does
            return
        layer.files.add(path)
        shown = "/" + path
        fh = tf.extractfile(info)
        if fh is None:
            return
        head = fh.read(HEAD)
        if not self.blobs.wants(info.size, head):
            layer.findings.extend(self.engine.scan_path(shown))
            self.tally.skip(self.blobs.too_large(shown, info.size))
            return
        limit = self.blobs.max_size if info.size <= self.blobs.max_size else info.size
        sub = Tally()
        self.blobs.scan(Blob(shown, head + fh.read(limit - len(head))), sub)
        layer.findings.extend(sub.findings)  # placed once the layer order is known (ImageSource._place)
        self.tally.warnings.extend(sub.warnings)
        self.tally.notes.extend(sub.notes)
        self.tally.scanned += sub.scanned
        self.tally.skipped += sub.skipped
        self.tally.nbytes += sub.nbytes

    # --- the manifest: which layers make which image ---

    def json(self, name: str) -> Any:
        data = self.small.get(name)
        if data is None:
            return None
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            self.tally.warnings.append(f"{self.label}: {name}: not valid JSON ({e}); its part of the image was "
                                       "read without it")
            return None

    def images(self) -> list[_Image]:
        docker = self.json("manifest.json")
        if isinstance(docker, list):
            return [img for entry in docker if (img := self._docker(entry)) is not None]
        if "index.json" in self.small:
            return list(self._oci(self.json("index.json"), None, depth=0))
        if "manifest.json" in self.small:  # present but unusable: already said why
            return []
        if not self.layers:
            raise ImageError("no manifest.json or index.json: not a docker-save tarball or an OCI image layout")
        self.tally.warnings.append(f"{self.label}: no manifest.json or index.json; the layers found were scanned "
                                   "without knowing their order")
        return []

    def _docker(self, entry: Any) -> _Image | None:
        if not isinstance(entry, dict) or not isinstance(entry.get("Layers"), list):
            self.tally.warnings.append(f"{self.label}: manifest.json: an entry without a Layers list; skipped")
            return None
        tags = entry.get("RepoTags") or []
        name = str(tags[0]) if tags else self.label
        config = str(entry.get("Config") or "") or None
        layers = tuple(str(x).removeprefix("./") for x in entry["Layers"])
        cfg = self.json(config) if config else None
        diff_ids = (cfg.get("rootfs") or {}).get("diff_ids") or [] if isinstance(cfg, dict) else []
        digests = tuple(_member_digest(m) or (str(diff_ids[i]) if i < len(diff_ids) else m)
                        for i, m in enumerate(layers))
        return _Image(name, config, layers, digests)

    def _oci(self, index: Any, name: str | None, depth: int) -> Iterator[_Image]:
        if not isinstance(index, dict) or depth > 4:
            return
        for m in index.get("manifests") or ():
            if not isinstance(m, dict) or not isinstance(m.get("digest"), str):
                continue
            ref = (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") or name
            blob = _blob_name(m["digest"])
            if blob not in self.small:
                self.tally.warnings.append(f"{self.label}: manifest {m['digest']} named by index.json is missing")
                continue
            doc = self.json(blob)
            if not isinstance(doc, dict):
                continue
            if m.get("mediaType") in INDEX_TYPES or doc.get("mediaType") in INDEX_TYPES or "manifests" in doc:
                yield from self._oci(doc, ref, depth + 1)
                continue
            layers = [x["digest"] for x in doc.get("layers") or () if isinstance(x, dict) and "digest" in x]
            config = (doc.get("config") or {}).get("digest")
            yield _Image(str(ref or self.label), _blob_name(config) if config else None,
                         tuple(_blob_name(d) for d in layers), tuple(layers))


@dataclass(frozen=True)
class ImageSource:
    target: str  # a tarball, an OCI layout folder, or "-" for standard input

    @property
    def label(self) -> str:
        return "<stdin>" if self.target == "-" else self.target

    def scan(self, engine: Engine, options: ScanOptions, run: Run) -> SourceResult:
        t0 = time.perf_counter()
        tally = Tally()
        dropped, timed = engine.checksum_dropped, engine.timed_out
        reader = _Reader(self.label, engine, options, tally)
        if os.path.isdir(self.target):
            self._folder(reader)
        else:
            self._tarball(reader, run)
        images = reader.images()
        self._place(reader, images, tally)
        for img in images:
            self._config(reader, img, tally)
        for w in tally.warnings:
            run.warning(w)
        return tally.result(engine, dropped, timed, time.perf_counter() - t0)

    def _tarball(self, reader: _Reader, run: Run) -> None:
        stream: BinaryIO | None = run.stdin if self.target == "-" else None
        try:
            fh = stream if stream is not None else open(self.target, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            raise ImageError(f"cannot read: {e.strerror or e}") from e
        try:
            with tarfile.open(fileobj=fh, mode="r|*") as tf:
                for info in tf:
                    if info.isfile():
                        member = tf.extractfile(info)
                        if member is not None:
                            reader.member(info.name, info.size, member)
        except (tarfile.TarError, EOFError, zlib.error) as e:
            if not reader.layers and not reader.small:
                raise ImageError(f"not a tar archive ({type(e).__name__}: {e})") from e
            reader.tally.warnings.append(f"{self.label}: truncated or corrupt tarball ({type(e).__name__}: {e}); "
                                         "what came before was scanned")
        finally:
            if stream is None:
                fh.close()

    def _folder(self, reader: _Reader) -> None:
        for root, _dirs, files in os.walk(self.target):
            for f in sorted(files):
                full = os.path.join(root, f)
                rel = os.path.relpath(full, self.target).replace(os.sep, "/")
                if os.path.islink(full):
                    continue  # a layout's blobs are files; a link could point anywhere on this machine
                try:
                    with open(full, "rb") as fh:
                        reader.member(rel, os.path.getsize(full), fh)
                except OSError as e:
                    reader.tally.warnings.append(f"{self.label}: {rel}: cannot read: {e.strerror or e}")

    @staticmethod
    def _place(reader: _Reader, images: list[_Image], tally: Tally) -> None:
        """Each layer's findings, once per image that has it, with the layer digest and whether the file
        is still there at the top of that image's stack."""
        used: set[str] = set()
        for img in images:
            stack = [reader.layers.get(m) for m in img.layers]
            for i, (member, layer) in enumerate(zip(img.layers, stack, strict=True)):
                if layer is None:
                    tally.warnings.append(f"{reader.label}: layer {img.digests[i]} of {img.name} is missing from "
                                          "the image; not scanned")
                    continue
                used.add(member)
                above = [x for x in stack[i + 1:] if x is not None]
                for f in layer.findings:
                    top = f.path.lstrip("/").split(SEP, 1)[0]
                    alive = not any(x.hides(top) for x in above)
                    tally.findings.append(replace(f, extra={**f.extra, "image": img.name, "layer": img.digests[i],
                                                            "present_in_final": alive}))
        for name, layer in reader.layers.items():
            if name not in used and layer.findings:
                digest = _member_digest(name) or name
                tally.notes.append(f"{reader.label}: layer {digest} belongs to no image in the manifest; its "
                                   "findings are reported as not present in any final image")
                tally.findings.extend(with_extra(layer.findings, {"image": reader.label, "layer": digest,
                                                                  "present_in_final": False}))

    @staticmethod
    def _config(reader: _Reader, img: _Image, tally: Tally) -> None:
        cfg = reader.json(img.config) if img.config else None
        if img.config and img.config not in reader.small:
            tally.warnings.append(f"{reader.label}: config {img.config} of {img.name} is missing; not scanned")
        if not isinstance(cfg, dict):
            return
        extra = {"image": img.name, "layer": None, "present_in_final": True}
        parts: dict[str, list[str]] = {}
        for section in (cfg.get("config"), cfg.get("container_config")):
            if not isinstance(section, dict):
                continue
            for key, what in CONFIG_PATHS.items():
                value = section.get(key)
                if isinstance(value, dict):
                    lines = [f"{k}={v}" for k, v in value.items()]
                elif isinstance(value, list):
                    lines = [str(v) for v in value]
                elif isinstance(value, str):
                    lines = [value]
                else:
                    continue
                have = parts.setdefault(what, [])
                have.extend(ln for ln in lines if ln not in have)
        history = [str(h.get("created_by")) for h in cfg.get("history") or ()
                   if isinstance(h, dict) and h.get("created_by")]
        if history:
            parts["history"] = history
        for what, lines in parts.items():
            text = "\n".join(ln.replace("\n", " ") for ln in lines) + "\n"
            path = f"image-config:{what}"
            tally.scanned += 1
            tally.nbytes += len(text)
            tally.findings.extend(with_extra(reader.engine.scan(Chunk(text=text, origin=Origin(path=path))), extra))
