"""Small builders shared by tests: fake-but-well-formed secrets and engines."""

from __future__ import annotations

from functools import lru_cache

from scanner.engine import Engine
from scanner.engine.checksums import github_token_with_checksum
from scanner.models import Chunk, Finding, Origin
from scanner.rules import load_builtin_rules

AWS_KEY_ID = "AKIAZ4R7QW2LMNPX5HTB"
AWS_SECRET = "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"
GITHUB_PAT = github_token_with_checksum("Vn3kQ8wLz2Xr7Tb5Hm9Jc4Pd6Ys1Fg")
RSA_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
LxoNSCszIXq7ZQj3Y0dW8kfTv5VVjBkFfHU5P0D8QhNxYgJ6vQaP3ZyXa4kUy7eN
-----END RSA PRIVATE KEY-----"""


@lru_cache(maxsize=1)
def builtin_engine() -> Engine:
    return Engine(load_builtin_rules())


def scan_text(text: str, path: str = "app/config.py", engine: Engine | None = None) -> list[Finding]:
    return (engine or builtin_engine()).scan(Chunk(text=text, origin=Origin(path=path)))


def by_rule(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]
