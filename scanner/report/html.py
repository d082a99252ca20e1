"""A self-contained HTML report: totals, breakdowns, the age of live leaked keys, and a filterable
list of findings. One file, inline CSS and JS, no external asset, no network (the page's CSP forbids it).

Everything that comes from a scanned repository (paths, authors, subjects) is escaped: a hostile
repository must not be able to run script in the reader's browser. Secrets are always masked.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from scanner.models import Confidence, Finding, Severity, VerificationStatus
from scanner.report.base import ReportContext, mask, reach_text

NO_REPOSITORY = "(no repository)"
NO_COMMITTER = "(not from git)"
BREAKDOWN_ROWS = 25  # the rest are summed in one row (and all are in the list of findings)


def e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@cache
def asset(name: str) -> str:
    return resources.files("scanner.report").joinpath("assets", name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    extra = ctx.extra
    now = parse_date(extra.get("generated_at")) or datetime.now(UTC)
    iam = [c for c in extra.get("iam_credentials") or () if isinstance(c, Mapping)]
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, repository_of(f), f.path, f.line, f.column))
    css, js = asset("report.css"), asset("report.js")
    csp = (f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; "
           "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    title = str(extra.get("title") or "keysweep report")
    body = [
        _summary(ordered, iam),
        '<div class="grid">',
        _breakdown("Findings by rule", "Rule", _group(ordered, lambda f: f.rule_id)),
        _breakdown("Findings by repository", "Repository", _group(ordered, repository_of)),
        _breakdown("Findings by committer", "Committer", _group(ordered, committer_of)),
        "</div>",
        _live_ages(ordered, iam, now),
        _findings_table(ordered),
    ]
    subtitle = f"Generated {now.strftime('%Y-%m-%d %H:%M UTC')}"
    if extra.get("source"):
        subtitle += f" from {extra['source']}"
    if ctx.tool_version:
        subtitle += f" by keysweep {ctx.tool_version}"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="generator" content="keysweep">',
        f"<title>{e(title)}</title>",
        f"<style>{css}</style>",
        "</head><body>",
        f"<header><h1>{e(title)}</h1><p>{e(subtitle)}</p></header>",
        "<main>", *body, "</main>",
        f"<script>{js}</script>",
        "</body></html>",
    ]) + "\n"


# ------------------------------------------------------------------ what a finding belongs to

def repository_of(f: Finding) -> str:
    return str(f.extra.get("repository") or NO_REPOSITORY)


def committer_of(f: Finding) -> str:
    if f.author_email or f.author_name:
        name = f.author_name or ""
        return f"{name} <{f.author_email}>".strip() if f.author_email else name
    return NO_COMMITTER


def status_of(f: Finding) -> str:
    status = f.extra.get("status")
    if status == "resolved" and f.extra.get("resolved_reason"):
        return f"resolved ({f.extra['resolved_reason']})"
    if status:
        return str(status)
    if "present_in_head" in f.extra:
        return "at HEAD" if f.extra["present_in_head"] else "history only"
    return ""


def is_live(f: Finding) -> bool:
    return f.verification is not None and f.verification.status == VerificationStatus.VALID


# ------------------------------------------------------------------ sections

def _summary(findings: Sequence[Finding], iam: Sequence[Mapping[str, Any]]) -> str:
    by_sev = Counter(f.severity for f in findings)
    live_keys = [c for c in iam if _leaked_active(c)]
    live = len(live_keys) + len(_verified_ages(findings, _covered_by(findings, live_keys)))
    cards = [
        ("findings", len(findings)),
        ("distinct secrets", len({f.fingerprint for f in findings})),
        ("repositories", len({repository_of(f) for f in findings} - {NO_REPOSITORY})),
        ("committers", len({committer_of(f) for f in findings} - {NO_COMMITTER})),
        ("live credentials", live),
        ("high confidence", sum(1 for f in findings if f.confidence is Confidence.HIGH)),
    ] + [(s.value, by_sev[s]) for s in Severity if by_sev[s]]
    items = "".join(f'<div class="card"><b>{n}</b><span>{e(label)}</span></div>' for label, n in cards)
    return f'<section id="totals"><h2>Totals</h2><div class="cards">{items}</div></section>'


def _group(findings: Iterable[Finding], key: Any) -> list[tuple[str, int, int]]:
    occ: Counter[str] = Counter()
    secrets: defaultdict[str, set[str]] = defaultdict(set)
    for f in findings:
        k = key(f)
        occ[k] += 1
        secrets[k].add(f.fingerprint)
    return [(k, n, len(secrets[k])) for k, n in sorted(occ.items(), key=lambda kv: (-kv[1], kv[0]))]


def _breakdown(title: str, what: str, rows: Sequence[tuple[str, int, int]]) -> str:
    top = max((n for _, n, _ in rows), default=1)
    body = "".join(
        f'<tr><td class="mono">{e(k)}</td><td class="num">{n}</td><td class="num">{d}</td>'
        f'<td><meter min="0" max="{top}" value="{n}"></meter></td></tr>' for k, n, d in rows[:BREAKDOWN_ROWS])
    if len(rows) > BREAKDOWN_ROWS:
        rest = rows[BREAKDOWN_ROWS:]
        body += (f'<tr class="muted"><td>{len(rest)} more</td><td class="num">{sum(n for _, n, _ in rest)}</td>'
                 f'<td class="num">{sum(d for _, _, d in rest)}</td><td></td></tr>')
    table = (f"<table><thead><tr><th>{e(what)}</th><th>Findings</th><th>Secrets</th><th></th></tr></thead>"
             f"<tbody>{body}</tbody></table>") if rows else '<p class="empty">None.</p>'
    return f"<section><h2>{e(title)}</h2>{table}</section>"


def _leaked_active(c: Mapping[str, Any]) -> bool:
    flags = c.get("flags") or ()
    return "leaked-active" in flags or ("leaked" in flags and c.get("status") == "Active")


def _live_ages(findings: Sequence[Finding], iam: Sequence[Mapping[str, Any]], now: datetime) -> str:
    parts = ['<section id="live"><h2>Age of live leaked credentials</h2>']
    keys = sorted((c for c in iam if _leaked_active(c)), key=lambda c: _first_leak(c) or "")
    if keys:
        parts.append("<table><thead><tr><th>Access key</th><th>Account</th><th>User</th><th>Risk</th>"
                     "<th>Key age</th><th>First leaked</th><th>Exposed for</th><th>Last used</th><th>Flags</th>"
                     "</tr></thead><tbody>")
        for c in keys:
            leaked = _first_leak(c)
            parts.append(
                f'<tr><td class="mono">{e(c.get("access_key_id"))}</td><td>{e(c.get("account_id") or "?")}</td>'
                f'<td>{e(c.get("user_name") or "-")}</td><td class="sev sev-{e(c.get("risk"))}">{e(c.get("risk"))}</td>'
                f'<td class="num">{_days_text(c.get("age_days"))}</td><td>{e(_day(leaked))}</td>'
                f'<td class="num">{_days_text(_days_since(now, leaked))}</td>'
                f'<td>{e(_day(c.get("last_used")) or "never")}</td><td>{e(", ".join(c.get("flags") or ()))}</td></tr>')
        parts.append("</tbody></table>")
    verified = _verified_ages(findings, _covered_by(findings, keys))
    if verified:
        parts.append("<table><thead><tr><th>Secret</th><th>Rule</th><th>First leaked</th><th>Exposed for</th>"
                     "<th>Verification</th><th>Can reach</th></tr></thead><tbody>")
        for f, first in verified:
            detail = f.verification.detail if f.verification else ""
            reach = reach_text(f.verification.access) if f.verification else ""
            parts.append(f'<tr><td class="mono">{e(mask(f.secret))}</td><td>{e(f.rule_id)}</td>'
                         f'<td>{e(_day(first))}</td><td class="num">{_days_text(_days_since(now, first))}</td>'
                         f"<td>valid {e(detail)}</td><td>{e(reach)}</td></tr>")
        parts.append("</tbody></table>")
    if not keys and not verified:
        parts.append('<p class="empty">No leaked credential is known to be live (run with --verify, or give '
                     "--iam-report from keysweep iam report).</p>")
    parts.append("</section>")
    return "".join(parts)


def _covered_by(findings: Sequence[Finding], keys: Sequence[Mapping[str, Any]]) -> set[str]:
    """Fingerprints of these IAM keys' ids and of the secrets found paired with them."""
    ids = {str(c.get("access_key_id")) for c in keys}
    fps = {f.fingerprint for f in findings if f.secret in ids or f.extra.get("key_id") in ids}
    return fps | {f.fingerprint for f in findings if fps.intersection(f.linked)}


def _verified_ages(findings: Sequence[Finding], covered: set[str]) -> list[tuple[Finding, str | None]]:
    """Secrets their provider accepted (and no IAM row already shows), with the date first leaked."""
    first: dict[str, tuple[Finding, str | None]] = {}
    for f in findings:
        if not is_live(f) or f.fingerprint in covered:
            continue
        when = f.date or f.extra.get("first_seen")
        prev = first.get(f.fingerprint)
        first[f.fingerprint] = (prev[0], _earliest(when, prev[1])) if prev else (f, when)
    return sorted(first.values(), key=lambda p: p[1] or "")


def _findings_table(findings: Sequence[Finding]) -> str:
    severities = [s.value for s in Severity if any(f.severity == s for f in findings)]
    rules = sorted({f.rule_id for f in findings})
    sev_opts = "".join(f'<option value="{e(s)}">{e(s)}</option>' for s in severities)
    rule_opts = "".join(f'<option value="{e(r)}">{e(r)}</option>' for r in rules)
    levels = [c.value for c in Confidence if any(f.confidence == c for f in findings)]
    conf_opts = "".join(f'<option value="{e(c)}">{e(c)}</option>' for c in levels)
    head = ("<tr><th>Severity</th><th>Confidence</th><th>Rule</th><th>Secret</th><th>Repository</th><th>Location</th>"
            "<th>Commit</th><th>Author</th><th>Date</th><th>Status</th><th>Verified</th></tr>")
    rows = "\n".join(_finding_row(f) for f in findings)
    return (
        '<section id="list"><h2>Findings</h2><div class="filters">'
        '<input id="filter-text" type="search" placeholder="Filter: path, rule, author, commit…" '
        'aria-label="Filter findings">'
        f'<select id="filter-severity" aria-label="Severity"><option value="">all severities</option>{sev_opts}'
        "</select>"
        f'<select id="filter-confidence" aria-label="Confidence"><option value="">all confidence levels</option>'
        f"{conf_opts}</select>"
        f'<select id="filter-rule" aria-label="Rule"><option value="">all rules</option>{rule_opts}</select>'
        f'<span class="muted"><span id="shown-count">{len(findings)}</span> of {len(findings)} shown</span></div>'
        f'<table id="findings"><thead>{head}</thead><tbody>\n{rows}\n</tbody></table></section>'
    )


def _finding_row(f: Finding) -> str:
    ver = f.verification.status.value if f.verification else "not_checked"
    reach = reach_text(f.verification.access) if f.verification and f.verification.access else ""
    commit = (f.commit or "")[:12]
    return (
        f'<tr data-severity="{e(f.severity.value)}" data-confidence="{e(f.confidence.value)}" '
        f'data-rule="{e(f.rule_id)}">'
        f'<td class="sev sev-{e(f.severity.value)}">{e(f.severity.value)}</td>'
        f'<td title="{e(f.confidence_reason)}">{e(f.confidence.value)}</td><td>{e(f.rule_id)}</td>'
        f'<td class="mono">{e(mask(f.secret))}</td><td class="mono">{e(repository_of(f))}</td>'
        f'<td class="mono">{e(f.path)}:{f.line}</td><td class="mono" title="{e(f.subject or "")}">{e(commit)}</td>'
        f"<td>{e(committer_of(f))}</td><td>{e(_day(f.date))}</td><td>{e(status_of(f))}</td>"
        f'<td title="{e(reach)}">{e(ver)}</td></tr>'
    )


# ------------------------------------------------------------------ dates

def parse_date(value: Any) -> datetime | None:
    """ISO 8601 (with Z or an offset) or git's '2024-03-01 10:00:00 +0000'; naive means UTC."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    for attempt in (lambda: datetime.fromisoformat(text), lambda: datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")):
        try:
            d = attempt()
        except ValueError:
            continue
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    return None


def _earliest(a: str | None, b: str | None) -> str | None:
    da, db = parse_date(a), parse_date(b)
    if da is None or db is None:
        return a if da is not None else b
    return a if da <= db else b


def _first_leak(c: Mapping[str, Any]) -> str | None:
    first: str | None = None
    for leak in c.get("leaks") or ():
        if isinstance(leak, Mapping):
            first = _earliest(leak.get("date"), first)
    return first


def _days_since(now: datetime, when: str | None) -> int | None:
    d = parse_date(when)
    return None if d is None else max(0, (now - d).days)


def _days_text(days: Any) -> str:
    return f"{int(days)} days" if isinstance(days, int | float) else "-"


def _day(value: Any) -> str:
    d = parse_date(value)
    return d.strftime("%Y-%m-%d") if d else ("" if value is None else str(value))
