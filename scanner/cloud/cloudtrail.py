"""CloudTrail log files as AWS delivers them (`{"Records": [...]}`, `.json` or `.json.gz`, in nested
date folders), read from a folder or from S3 one file at a time and folded into `TrailEvidence`.

A file that cannot be read (truncated gzip, not JSON, not a CloudTrail log, denied) is a note; the
other files still count.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from scanner.cloud.activity import Network, TrailEvidence, TrailFolder
from scanner.errors import ConfigError

log = logging.getLogger(__name__)
Opener = Callable[[], Any]  # opens one log file as a binary stream (a context manager)


class _Problems:
    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.example: dict[str, str] = {}
        self.other: list[str] = []

    def add(self, what: str, where: str) -> None:
        self.count[what] += 1
        self.example.setdefault(what, where)

    def notes(self) -> tuple[str, ...]:
        return tuple(self.other) + tuple(
            f"CloudTrail: {n} file{'s' if n > 1 else ''} {what} (first: {self.example[what]}); skipped"
            for what, n in sorted(self.count.items()))


def read_trail(location: str, s3_client: Callable[[], Any] | None = None,
               allowed: Sequence[Network] = ()) -> tuple[TrailEvidence, tuple[str, ...]]:
    """Evidence from every CloudTrail log file under `location` (a folder, a file or s3://bucket/prefix);
    with `allowed` ranges, only addresses outside them are kept."""
    folder = TrailFolder(allowed)
    problems = _Problems()
    if location.startswith("s3://"):
        if s3_client is None:
            raise ConfigError("reading CloudTrail from S3 needs AWS credentials")
        files: Iterator[tuple[str, Opener]] = _s3_files(location, s3_client(), problems)
    else:
        if not os.path.exists(location):
            raise ConfigError(f"no such CloudTrail folder or file: {location}")
        files = _local_files(location)
    for where, opener in files:
        records = _records(where, opener, problems)
        if records is not None:
            folder.files += 1
            folder.add_all(records)
    evidence = folder.evidence()
    log.info("CloudTrail: %d records in %d files", evidence.records, evidence.files)
    return evidence, problems.notes()


def _records(where: str, opener: Opener, problems: _Problems) -> list[Any] | None:
    try:
        with opener() as raw:
            stream: Any = gzip.GzipFile(fileobj=raw) if where.endswith(".gz") else raw
            data = json.load(stream)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        problems.add(f"truncated or not gzip ({type(e).__name__})", where)
        return None
    except (UnicodeDecodeError, ValueError):
        problems.add("not JSON", where)
        return None
    except OSError as e:
        problems.add(f"unreadable ({e.strerror or type(e).__name__})", where)
        return None
    except ClientError as e:
        problems.add(f"not readable from S3 ({e.response.get('Error', {}).get('Code', 'error')})", where)
        return None
    records = data.get("Records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        problems.add("not a CloudTrail log (no Records list)", where)
        return None
    return records


def _is_log(name: str) -> bool:
    return name.endswith((".json", ".json.gz")) and "CloudTrail-Digest" not in name


def _local_files(location: str) -> Iterator[tuple[str, Opener]]:
    if os.path.isfile(location):
        yield location, partial(open, location, "rb")
        return
    for root, dirs, names in os.walk(location):
        dirs[:] = sorted(d for d in dirs if d != "CloudTrail-Digest")
        for name in sorted(names):
            path = os.path.join(root, name)
            if _is_log(path):
                yield path, partial(open, path, "rb")


def _s3_body(s3: Any, bucket: str, key: str) -> Any:
    return s3.get_object(Bucket=bucket, Key=key)["Body"]  # streamed, not read whole


def _s3_files(location: str, s3: Any, problems: _Problems) -> Iterator[tuple[str, Opener]]:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    if not bucket:
        raise ConfigError(f"not an S3 location: {location}")
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if _is_log(key):
                    yield f"s3://{bucket}/{key}", partial(_s3_body, s3, bucket, key)
    except ClientError as e:  # denied or no such bucket: what was listed so far still counts
        code = e.response.get("Error", {}).get("Code", "error")
        problems.other.append(f"CloudTrail: {location} could not be listed ({code}); read what was listed")
