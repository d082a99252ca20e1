"""Offline facts about AWS access key ids (no network)."""

from __future__ import annotations

import base64
import binascii
import re

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_KEY_ID = re.compile(r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}")
_LONG_TERM = ("AKIA", "ABIA", "ACCA")


def is_access_key_id(text: str) -> bool:
    return _KEY_ID.fullmatch(text) is not None


def is_temporary(key_id: str) -> bool:
    """ASIA keys are STS session credentials: they only work with their session token."""
    return key_id.startswith("ASIA")


def is_long_term(key_id: str) -> bool:
    return key_id.startswith(_LONG_TERM)


def account_id_from_key_id(key_id: str) -> str | None:
    """The 12-digit account id encoded in keys issued since 2019, or None for older keys.

    Characters 5-12 are base32 for 40 bits: a marker bit and the account id's upper
    39 bits; the 13th character's top bit is the account id's lowest bit.
    """
    if not is_access_key_id(key_id) or key_id[12] not in _B32:
        return None
    try:
        head = int.from_bytes(base64.b32decode(key_id[4:12]), "big")
    except (binascii.Error, ValueError):
        return None
    if not head >> 39:
        return None
    account = ((head & (2**39 - 1)) << 1) | (_B32.index(key_id[12]) >> 4)
    return f"{account:012d}"
