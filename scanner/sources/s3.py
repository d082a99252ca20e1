"""S3 source: `keysweep scan s3://bucket/prefix` reads every object under the prefix through boto3.

Listing is paginated and never held whole; objects are fetched by a few threads (at most `PREFETCH`
bodies in memory) and scanned here one by one with the same limits and archive handling as files:
an object over --max-file-size is read only when its first bytes say it is an archive within
--archive-max-bytes. Findings are named `s3://bucket/key`. A bucket that cannot be listed, an object
that cannot be read (denied, gone, in a cold storage class) is one line and the rest goes on.
The endpoint is boto3's own resolution (`AWS_ENDPOINT_URL`) unless `--endpoint-url` is given.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from scanner.config import ScanOptions
from scanner.engine import Engine
from scanner.sources.blobs import SNIFF_BYTES, BlobScanner, Tally, archive_limits, is_binary, rejoined, stream_into
from scanner.sources.interface import Blob, Run, Skipped, SourceResult
from scanner.sources.walk import excluded

log = logging.getLogger(__name__)

PREFETCH = 8
PAGE_SIZE = 1000  # keys per listing request (S3's own maximum)
STREAM_MIN_BYTES = 16 * 1024 * 1024  # larger objects are scanned from the body stream, window by window
SNIFF = 512
COLD = frozenset({"GLACIER", "DEEP_ARCHIVE"})  # need a restore before they can be read


@dataclass(frozen=True)
class _Object:
    bucket: str
    key: str
    size: int

    @property
    def path(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse(target: str) -> tuple[str, str]:
    bucket, _, prefix = target.removeprefix("s3://").partition("/")
    return bucket, prefix


def _problem(err: Exception) -> str:
    from botocore.exceptions import ClientError

    if isinstance(err, ClientError):
        e = err.response.get("Error", {})
        code = e.get("Code") or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        msg = e.get("Message") or ""
        return f"{code}{': ' + msg if msg else ''}"
    return f"{type(err).__name__}: {err}"


def _denied(err: Exception) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(err, ClientError) and (
        err.response.get("Error", {}).get("Code") in ("AccessDenied", "403", "Forbidden")
        or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403)


@dataclass(frozen=True)
class S3Source:
    targets: tuple[str, ...]

    def scan(self, engine: Engine, options: ScanOptions, run: Run) -> SourceResult:
        import boto3
        from botocore.config import Config

        t0 = time.perf_counter()
        tally = Tally()
        dropped, timed = engine.checksum_dropped, engine.timed_out
        cfg = Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=PREFETCH + 2,
                     connect_timeout=10, read_timeout=60)
        client = boto3.session.Session().client("s3", endpoint_url=run.endpoint_url or None, config=cfg)
        blobs = BlobScanner(engine, options.max_file_size, archive_limits(options))
        seen = len(tally.warnings)
        with ThreadPoolExecutor(max_workers=PREFETCH, thread_name_prefix="s3-read") as pool:
            for target in self.targets:
                pending: deque[tuple[_Object, Future[Blob | Skipped | None]]] = deque()
                for obj in self._objects(client, target, options, tally):
                    pending.append((obj, pool.submit(self._fetch, client, obj, blobs)))
                    if len(pending) >= PREFETCH:
                        self._take(pending.popleft(), client, engine, blobs, options, tally)
                    seen = self._flush(tally, run, seen)
                while pending:
                    self._take(pending.popleft(), client, engine, blobs, options, tally)
                seen = self._flush(tally, run, seen)
        return tally.result(engine, dropped, timed, time.perf_counter() - t0)

    @staticmethod
    def _flush(tally: Tally, run: Run, seen: int) -> int:
        for w in tally.warnings[seen:]:
            run.warning(w)
        return len(tally.warnings)

    @staticmethod
    def _objects(client: Any, target: str, options: ScanOptions, tally: Tally) -> Iterator[_Object]:
        bucket, prefix = parse(target)
        if not bucket:
            tally.warnings.append(f"{target}: no bucket named; expected s3://BUCKET/PREFIX")
            return
        try:
            for page in client.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": PAGE_SIZE}):
                for item in page.get("Contents", ()):
                    obj = _Object(bucket, item["Key"], int(item.get("Size", 0)))
                    if obj.key.endswith("/") and obj.size == 0:
                        continue  # a console "folder"
                    if excluded(obj.key, options.exclude):
                        continue
                    if item.get("StorageClass") in COLD:
                        tally.skip(Skipped(obj.path, f"in the {item['StorageClass']} storage class (restore it "
                                                     "to scan it)"))
                        continue
                    yield obj
        except Exception as err:  # noqa: BLE001 - botocore's errors have no one base; each is one line
            what = "access denied" if _denied(err) else _problem(err)
            tally.warnings.append(f"s3://{bucket}/{prefix}: cannot list the bucket ({what}); nothing under it "
                                  "was scanned")

    @staticmethod
    def _fetch(client: Any, obj: _Object, blobs: BlobScanner) -> Blob | Skipped | None:
        """The object's bytes, a reason it is not read, or None when it is to be streamed."""
        try:
            if obj.size > blobs.max_size:
                head = client.get_object(Bucket=obj.bucket, Key=obj.key, Range=f"bytes=0-{SNIFF - 1}")["Body"].read()
                if not blobs.wants(obj.size, head):
                    return blobs.too_large(obj.path, obj.size)
                limit = blobs.archives.max_bytes if blobs.archives else blobs.max_size
            elif obj.size > STREAM_MIN_BYTES:
                return None
            else:
                limit = blobs.max_size
            body = client.get_object(Bucket=obj.bucket, Key=obj.key)["Body"]
            try:
                return Blob(obj.path, body.read(limit + 1))
            finally:
                body.close()
        except Exception as err:  # noqa: BLE001 - one object that cannot be read is one line
            reason = "access denied" if _denied(err) else f"cannot read ({_problem(err)})"
            return Skipped(obj.path, reason + "; skipped", warning=True)

    @staticmethod
    def _take(item: tuple[_Object, Future[Blob | Skipped | None]], client: Any, engine: Engine,
              blobs: BlobScanner, options: ScanOptions, tally: Tally) -> None:
        obj, fut = item
        got = fut.result()
        if isinstance(got, Skipped):
            tally.findings.extend(engine.scan_path(obj.path))
            tally.skip(got)
        elif isinstance(got, Blob):
            blobs.scan(got, tally)
        else:
            tally.findings.extend(engine.scan_path(obj.path))
            try:
                body = client.get_object(Bucket=obj.bucket, Key=obj.key)["Body"]
                try:
                    head = body.read(SNIFF_BYTES)
                    if is_binary(head):
                        tally.skip(Skipped(obj.path, "binary file; skipped"))
                        return
                    stream_into(engine, obj.path, rejoined(head, body), options.max_file_size, tally)
                finally:
                    body.close()
            except Exception as err:  # noqa: BLE001
                tally.skip(Skipped(obj.path, f"cannot read ({_problem(err)}); skipped", warning=True))
