"""Named checksum validators for token formats that embed one.

A validator returns True when the secret's checksum is consistent (a real token
could look like this) and False when it cannot be a real token.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n: int, width: int) -> str:
    digits = []
    while n:
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    return "".join(reversed(digits)).rjust(width, "0")


def github_checksum(token: str) -> bool:
    """GitHub's 2021 token format: prefix_ + 30 random base62 chars + 6-char base62 CRC32."""
    body = token.rsplit("_", 1)[-1]
    if len(body) != 36:
        return True  # not the checksummed shape; do not judge
    random_part, check = body[:30], body[30:]
    return base62(zlib.crc32(random_part.encode()), 6) == check


def npm_checksum(token: str) -> bool:
    """npm's granular/automation tokens use the same layout as GitHub's: npm_ + 30 + 6."""
    return github_checksum(token)


def github_token_with_checksum(random_part: str, prefix: str = "ghp_") -> str:
    """Build a checksum-consistent token from 30 random chars (for tests and corpora)."""
    return prefix + random_part + base62(zlib.crc32(random_part.encode()), 6)


def _b64decode(value: str, urlsafe: bool = False) -> bytes | None:
    padded = value + "=" * (-len(value) % 4)
    try:
        if urlsafe:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _json_object(segment: str) -> dict[str, object] | None:
    raw = _b64decode(segment, urlsafe=True)
    if raw is None:
        return None
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def jwt_structure(token: str) -> bool:
    """A JSON Web Token: header and payload decode to JSON objects and the header names an algorithm."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    header = _json_object(parts[0])
    return header is not None and "alg" in header and _json_object(parts[1]) is not None


def basic_auth(value: str) -> bool:
    """HTTP basic credentials: base64 of printable `user:password` with a non-empty password."""
    raw = _b64decode(value.strip())
    if raw is None:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    user, sep, password = text.partition(":")
    return bool(sep and password) and text.isprintable() and len(user) <= 256


def base64_private_key(value: str) -> bool:
    """Base64 (maybe wrapped, maybe with literal `\\n`) of a PEM block that holds a private key."""
    compact = "".join(value.replace("\\n", "\n").split())
    raw = _b64decode(compact[:108])  # the header is enough: 81 bytes of "-----BEGIN ... PRIVATE KEY-----"
    if raw is None:
        return False
    text = raw.decode("ascii", errors="replace")
    return text.startswith("-----BEGIN ") and "PRIVATE KEY-----" in text.split("\n", 1)[0]


CHECKSUMS: dict[str, Callable[[str], bool]] = {
    "github": github_checksum,
    "npm": npm_checksum,
    "jwt": jwt_structure,
    "basic-auth": basic_auth,
    "base64-private-key": base64_private_key,
}
