"""Find base64-encoded values and decode them for a second look."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import regex

from scanner.engine.lazyre import lazy
from scanner.engine.prefilter import line_end

# A base64 value standing on its own: after ':' or '=' (YAML/INI/env) or quoted.
_B64_VALUE = lazy(
    r"""(?:[:=]\s*|["'])([A-Za-z0-9+/]{16,}={0,2})(?=["'\s,;]|$)""",
    regex.MULTILINE,
)
# Decoding runs only where base64 is likely to carry a credential: Kubernetes Secrets, docker auth
# blobs and the encoded forms of the most common credential openings ("-----BEGIN", "AKIA", "ghp_",
# '{"type": "service_account"' ...) anywhere in a text make every value in it a candidate; a value
# named or piped as base64 is one only on its keyword's line or the next (a file that merely imports
# a base64 module, or a service description that says "base64-encoded" a thousand times, is not
# decoded from top to bottom).
DECODE_ANYWHERE = (
    "kind: secret", '"kind": "secret"', "kind: \"secret\"", "dockerconfigjson",
    "ls0tls1crudjt",  # base64("-----BEGIN")
    "qutjq",  # base64("AKIA")
    "z2hwx",  # base64("ghp_")
    "ewogicj0exbl", "eyj0exbli",  # base64('{\n  "type') / ('{"type"')
)
DECODE_NEAR = ("base64", "b64enc", "b64dec", "_b64", "b64_")
DECODE_KEYWORDS = DECODE_ANYWHERE + DECODE_NEAR


@dataclass(frozen=True)
class Decoded:
    start: int  # span of the encoded text in the chunk
    end: int
    text: str  # decoded text


# Lock and checksum files are full of base64 digests, never of encoded credentials.
HASH_FILES = lazy(
    r"(?:^|/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock"
    r"|Cargo\.lock|composer\.lock|Gemfile\.lock|go\.sum|packages\.lock\.json|bun\.lock|uv\.lock)$"
)
MAX_ENCODED = 16 * 1024  # a base64 RSA-4096 key or service-account file is well under this


def _values(text: str, spans: Iterable[tuple[int, int, bool]] | None) -> Iterator[Any]:
    """Matches of the value pattern in the whole text, or in the spans (start, stop, cut inside a long
    line): a value running into a cut is matched again up to its line's end."""
    if spans is None:
        yield from _B64_VALUE.finditer(text)
        return
    for ws, we, cut in spans:
        for m in _B64_VALUE.finditer(text, ws, we):
            if cut and m.end() == we:  # (as the rules' windows do, see matcher)
                m = _B64_VALUE.match(text, m.start(), line_end(text, we))
                if m is None:
                    continue
            yield m


def decoded_values(text: str, spans: Iterable[tuple[int, int, bool]] | None = None) -> Iterator[Decoded]:
    """Base64 values standing on their own in `text` (or only in `spans`), decoded, where the decoding
    is printable text."""
    for m in _values(text, spans):
        raw = m.group(1)
        if len(raw) % 4 or len(raw) > MAX_ENCODED:
            continue
        if raw.isalpha() or raw.isdigit() or raw.isalnum() and raw.islower():
            continue  # words, numbers, hex-ish lower-case: not worth decoding
        if not _text_head(raw):
            continue  # binary (hashes, images): decoding the rest is wasted work
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


def _text_head(raw: str) -> bool:
    try:
        head = base64.b64decode(raw[:16], validate=True)
    except (binascii.Error, ValueError):
        return False
    return all(32 <= b < 127 or b in (9, 10, 13) or b >= 0xC2 for b in head[:10])


def _printable_multiline(s: str) -> bool:
    return all(ch.isprintable() or ch in "\r\n\t" for ch in s)
