"""Findings built by hand for store, sweep and report tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scanner.engine import fingerprint
from scanner.models import Finding, Severity, Verification, VerificationStatus

AWS_KEY_ID = "AKIAZ4R7QW2LMNPX5HTB"
AWS_SECRET = "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"
GITHUB_TOKEN = "ghp_Vn3kQ8wLz2Xr7Tb5Hm9Jc4Pd6Ys1FgAbCdE"


def make_finding(secret: str, rule_id: str = "generic-api-key", path: str = "app/config.py", line: int = 3,
                 commit: str | None = "a" * 40, severity: Severity = Severity.HIGH,
                 verification: VerificationStatus | None = None, **kw: Any) -> Finding:
    ver = Verification(status=verification, detail="test") if verification else None
    base: dict[str, Any] = {
        "rule_id": rule_id, "description": f"{rule_id} description", "severity": severity, "path": path,
        "line": line, "end_line": line, "column": 5, "end_column": 5 + len(secret), "secret": secret,
        "match": f"key = {secret}", "fingerprint": fingerprint(rule_id, secret), "entropy": 4.2, "commit": commit,
        "author_name": "Dev One", "author_email": "dev1@example.com", "date": "2024-03-01T10:00:00+00:00",
        "verification": ver,
    }
    base.update(kw)
    return Finding(**base)


def aws_pair(path: str = "deploy/env.sh", commit: str = "b" * 40) -> list[Finding]:
    key = make_finding(AWS_KEY_ID, "aws-access-key-id", path=path, line=1, commit=commit)
    sec = make_finding(AWS_SECRET, "aws-secret-access-key", path=path, line=2, commit=commit,
                       severity=Severity.CRITICAL, linked=(key.fingerprint,))
    key = replace(key, linked=(sec.fingerprint,))
    return [key, sec]
