"""`keysweep iam report --format html`: the identity view as one self-contained page (pure).

People head their groups with their own posture, then the machine identities and keys they own or
created, with the leaks found in code next to the keys; filterable by text, risk and kind. Inline CSS
and JS under a hash-pinned CSP, no external asset. Everything read from AWS or from scanned code
(names, tags, paths) is escaped: a tag value must not run script in the reader's browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from scanner.cloud.crosscheck import CredentialRecord, IamReport
from scanner.cloud.people import OwnerGroup, created_by, created_text, groups
from scanner.cloud.posture import KINDS, RISKS, Identity, summary
from scanner.report.html import asset, csp_hash, e


def render_html(report: IamReport, tool_version: str | None = None) -> str:
    css, js = asset("report.css"), asset("iam.js")
    csp = (f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(js)}; "
           "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    creds: dict[tuple[str | None, str], list[CredentialRecord]] = {}
    for c in report.credentials:
        if c.user_name:
            creds.setdefault((c.account_id, c.user_name), []).append(c)
    owners = groups(report.identities)
    subtitle = f"Generated {report.generated_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    if tool_version:
        subtitle += f" by keysweep {tool_version}"
    body = [_totals(report, owners), _filters(report), *(_group(g, creds, report.credentials) for g in owners),
            _notes(report)]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        "<title>keysweep IAM identities</title>",
        f"<style>{css}</style>",
        "</head><body>",
        f"<header><h1>IAM identities: people, machines and what they own</h1><p>{e(subtitle)}</p></header>",
        "<main>", *body, "</main>",
        f"<script>{js}</script>",
        "</body></html>",
    ]) + "\n"


def _totals(report: IamReport, owners: list[OwnerGroup]) -> str:
    ids = report.identities
    risks = summary(ids)
    cards = [("identities", len(ids)), ("people", sum(i.kind == "person" for i in ids)),
             ("machines", sum(i.kind == "machine" for i in ids)),
             ("owners who left", sum(g.departed for g in owners)),
             ("credentials", len(report.credentials)),
             ("leaked keys", sum(bool(c.leaks) for c in report.credentials))]
    cards += [(f"{r} risk", n) for r, n in risks.items() if n and r in ("critical", "high")]
    items = "".join(f'<div class="card"><b>{n}</b><span>{e(label)}</span></div>' for label, n in cards)
    return f'<section id="totals"><h2>Totals</h2><div class="cards">{items}</div></section>'


def _filters(report: IamReport) -> str:
    risk = "".join(f'<option value="{r}">{r}</option>' for r in RISKS)
    kind = "".join(f'<option value="{k}">{k}</option>' for k in KINDS)
    return ('<section id="filters"><div class="filters">'
            '<input id="filter-text" type="search" placeholder="Filter: name, owner, flag, key…" '
            'aria-label="Filter identities">'
            f'<select id="filter-risk" aria-label="Risk"><option value="">all risks</option>{risk}</select>'
            f'<select id="filter-kind" aria-label="Kind"><option value="">all kinds</option>{kind}</select>'
            f'<span class="muted"><span id="shown-count">{len(report.identities)}</span> of '
            f"{len(report.identities)} shown</span></div></section>")


def _group(g: OwnerGroup, creds: dict[tuple[str | None, str], list[CredentialRecord]],
           all_creds: Sequence[CredentialRecord]) -> str:
    members = ([g.person] if g.person else []) + list(g.owned)
    rows = "".join(_identity_rows(i, creds.get((i.account_id, i.name), ())) for i in members)
    made = created_by(all_creds, g.person) if g.person else []
    if made:
        rows += f'<tr class="detail"><td></td><td colspan="7">{e(created_text(made))}</td></tr>'
    left = ' <span class="sev sev-critical">left</span>' if g.departed else ""
    head = ("<tr><th>Risk</th><th>Kind</th><th>Type</th><th>Name</th><th>Account</th><th>MFA</th>"
            "<th>Last activity</th><th>Flags</th></tr>")
    return (f'<section class="owner" data-owner="{e(g.owner)}"><h2>{e(g.owner)}{left}</h2>'
            f"<table><thead>{head}</thead><tbody>{rows}</tbody></table></section>")


def _identity_rows(i: Identity, creds: list[CredentialRecord] | tuple[()]) -> str:
    mfa = "-" if i.mfa is None else "yes" if i.mfa else "no"
    out = [f'<tr class="identity" data-risk="{e(i.risk)}" data-kind="{e(i.kind)}" data-name="{e(i.name)}">'
           f'<td class="sev sev-{e(i.risk)}">{e(i.risk)}</td><td>{e(i.kind)}</td><td>{e(i.type)}</td>'
           f'<td class="mono" title="{e(i.arn)}">{e(i.name)}</td><td>{e(i.account_id or "?")}</td><td>{mfa}</td>'
           f"<td>{e(_day(i.last_activity) or 'none recorded')}</td><td>{e(', '.join(i.flags) or '-')}</td></tr>"]
    reasons = [r for r in i.reasons if not r.startswith("kind ")]
    if reasons:
        out.append(f'<tr class="detail"><td></td><td colspan="7" class="muted">{"<br>".join(map(e, reasons))}'
                   "</td></tr>")
    for c in creds:
        leaks = "; ".join(f"{leak.path}:{leak.line}" + (f" ({leak.commit[:12]})" if leak.commit else "")
                          for leak in c.leaks[:5])
        out.append(f'<tr class="detail key"><td class="sev sev-{e(c.risk)}">{e(c.risk)}</td><td>key</td>'
                   f'<td>{e(c.status.lower())}</td><td class="mono">{e(c.access_key_id)}</td>'
                   f'<td>{e(f"{c.age_days} days" if c.age_days is not None else "-")}</td><td></td>'
                   f'<td>{e(_day(c.last_used) or "never")}</td>'
                   f'<td>{e(", ".join(c.flags) or "-")}{"<br>leaked at " + e(leaks) if leaks else ""}</td></tr>')
    return "".join(out)


def _notes(report: IamReport) -> str:
    lines = [f"account {a.account_id or '?'}: {n}" for a in report.accounts for n in a.notes] + list(report.notes)
    if not lines:
        return ""
    return '<section id="notes"><h2>Notes</h2><ul>' + "".join(f"<li>{e(n)}</li>" for n in lines) + "</ul></section>"


def _day(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d") if value else ""
