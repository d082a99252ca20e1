"""Pure scanning engine (no I/O)."""

from scanner.engine.matcher import Allowlist, Engine, fingerprint, secret_hash

__all__ = ["Allowlist", "Engine", "fingerprint", "secret_hash"]
