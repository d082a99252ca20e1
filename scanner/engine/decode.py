"""Find base64-encoded values and decode them for a second look."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass

import regex

# A base64 value standing on its own: after ':' or '=' (YAML/INI/env) or quoted.
_B64_VALUE = regex.compile(
    r"""(?:[:=]\s*|["'])([A-Za-z0-9+/]{16,}={0,2})(?=["'\s,;]|$)""",
    regex.MULTILINE,
)
DECODE_KEYWORDS = ("data:", "base64", "b64", "kind: secret", "stringdata", "dockerconfigjson", "encoded")


@dataclass(frozen=True)
class Decoded:
    start: int  # span of the encoded text in the chunk
    end: int
    text: str  # decoded text


def decoded_values(text: str) -> Iterator[Decoded]:
    for m in _B64_VALUE.finditer(text):
        raw = m.group(1)
        if len(raw) % 4:
            continue
        if raw.isalpha() or raw.isdigit() or raw.isalnum() and raw.islower():
            continue  # words, numbers, hex-ish lower-case: not worth decoding
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            continue
        try:
            out = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if not out or not out.isprintable() and not _printable_multiline(out):
            continue
        yield Decoded(m.start(1), m.end(1), out)


def _printable_multiline(s: str) -> bool:
    return all(ch.isprintable() or ch in "\r\n\t" for ch in s)
