"""The IAM report as text (a table sorted by risk) or JSON (pure)."""

from __future__ import annotations

import json

from scanner.cloud.crosscheck import CredentialRecord, IamReport, summary
from scanner.cloud.people import render_identities

_COLUMNS = ("RISK", "ACCESS KEY ID", "ACCOUNT", "USER", "STATUS", "AGE", "LAST USED", "FLAGS")


def render_json(report: IamReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_text(report: IamReport) -> str:
    rows = [_COLUMNS] + [_row(c) for c in report.credentials]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[-1] for r in rows]
    details = [d for c in report.credentials if c.risk in ("critical", "high") for d in _details(c)]
    if details:
        lines += ["", *details]
    lines.append("")
    for a in report.accounts:
        keys = sum(len(u.keys) for u in a.users)
        state = "" if a.complete else " (incomplete)"
        lines.append(f"account {a.account_id or '?'} via {a.source}: {len(a.users)} users, {keys} keys{state}")
        lines += [f"  note: {n}" for n in a.notes]
    for n in report.notes:
        lines.append(f"note: {n}")
    lines += render_identities(report)
    counts = summary(report)
    lines.append(f"{len(report.credentials)} credentials: "
                 + ", ".join(f"{n} {risk}" for risk, n in counts.items()))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _row(c: CredentialRecord) -> tuple[str, ...]:
    return (c.risk, c.access_key_id, c.account_id or "?", c.user_name or "-", c.status,
            f"{c.age_days}d" if c.age_days is not None else "-",
            c.last_used.date().isoformat() if c.last_used else "never" if c.in_inventory else "-",
            ", ".join(c.flags) or "-")


def _details(c: CredentialRecord) -> list[str]:
    out = [f"{c.access_key_id} ({c.risk}):"]
    for leak in c.leaks:
        where = f"{leak.path}:{leak.line}"
        if leak.commit:
            where += f" in {leak.commit[:12]} by {leak.author_email or '?'} on {leak.date or '?'}"
        out.append(f"  leaked at {where}")
    if c.verification:
        out.append(f"  verification: {c.verification.status.value} {c.verification.detail}".rstrip())
    out += [f"  {r}" for r in c.reasons]
    return out
