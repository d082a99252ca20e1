"""Human-readable report: findings grouped by secret (fingerprint), masked by default."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from scanner.models import Finding, Severity
from scanner.report.base import ReportContext, mask, mask_in, reach_text

MAX_CONTEXT = 160


def _hide(f: Finding, ctx: ReportContext, text: str) -> str:
    return text if ctx.show_secrets else mask_in(text, f.secret)


def _occurrence(f: Finding, ctx: ReportContext) -> list[str]:
    where = f"{f.path}:{f.line}:{f.column}"
    out = [f"  at {where}"]
    if f.commit:
        who = f"{f.author_name or '?'} <{f.author_email or '?'}>"
        subject = f'  "{f.subject}"' if f.subject else ""
        out[0] += f"  in {f.commit[:12]} by {who} on {f.date or '?'}{subject}"
    if "present_in_head" in f.extra:
        out[0] += "  (still at HEAD)" if f.extra["present_in_head"] else "  (not at HEAD)"
    if f.extra.get("resource"):
        out[0] += f"  [{f.extra['resource']}]"
    if f.extra.get("image"):
        layer = f.extra.get("layer")
        out[0] += f"  in image {f.extra['image']}" + (f" layer {str(layer)[:19]}" if layer else " config")
        if f.extra.get("present_in_final") is False:
            out[0] += "  (removed by a later layer)"
    first = _hide(f, ctx, f.line_text.split("\n", 1)[0]).strip()
    if first:
        if len(first) > MAX_CONTEXT:
            first = first[:MAX_CONTEXT] + "…"
        out.append(f"     {f.line:>5} | {first}")
    return out


def render(findings: Sequence[Finding], ctx: ReportContext) -> str:
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.fingerprint, []).append(f)
    ordered = sorted(groups.values(), key=lambda g: (-g[0].severity.rank, g[0].path, g[0].line))
    lines: list[str] = []
    for group in ordered:
        head = group[0]
        secret = head.secret if ctx.show_secrets else mask(head.secret)
        lines.append(f"[{head.severity.value.upper()}] {head.rule_id}: {head.description}")
        lines.append(f"  secret {secret}" + (f"  ({len(group)} occurrences)" if len(group) > 1 else ""))
        why = f" ({head.confidence_reason})" if head.confidence_reason else ""
        lines.append(f"  confidence {head.confidence.value}{why}")
        if head.verification is not None and head.verification.status.value != "not_checked":
            v = head.verification
            lines.append(f"  verified: {v.status.value}" + (f" ({v.detail})" if v.detail else ""))
            if v.access:
                lines.append(f"  can reach: {reach_text(v.access)}")
        for f in group:
            lines.extend(_occurrence(f, ctx))
        lines.append("")
    lines.append(summary(findings, ctx, distinct_secrets(findings)))
    return "\n".join(lines) + "\n"


def distinct_secrets(findings: Sequence[Finding]) -> int:
    """Secrets, not rule matches: one secret found by two rules counts once (fingerprints end in its hash)."""
    return len({f.fingerprint.rsplit(":", 1)[-1] for f in findings})


def summary(findings: Sequence[Finding], ctx: ReportContext, distinct: int) -> str:
    if not findings and ctx.nothing_found:
        head = ctx.nothing_found
    elif not findings:
        head = f"No secrets found at {ctx.min_confidence} confidence or above." if ctx.hidden else "No secrets found."
    else:
        counts = Counter(f.severity for f in findings)
        parts = [f"{counts[s]} {s.value}" for s in Severity if counts[s]]
        head = f"{len(findings)} finding(s), {distinct} distinct secret(s): {', '.join(parts)}."
    if ctx.hidden:
        head += (f" {ctx.hidden} lower-confidence finding(s) below {ctx.min_confidence} hidden"
                 " (--min-confidence low shows them).")
    if ctx.incomplete:
        head = ("Incomplete scan: " + "; ".join(ctx.incomplete) + " (see the warnings); what could be read: "
                + head[0].lower() + head[1:])
    if ctx.config_suppressed:
        head += f" {ctx.config_suppressed} finding(s) suppressed by the configuration ({ctx.config_source})."
    if ctx.timed_out:
        head += (f" {ctx.timed_out} rule search(es) ran out of their time budget; the text after that point"
                 " was not searched with those rules (see the warnings).")
    if ctx.checksum_dropped:
        head += (f" {ctx.checksum_dropped} token-shaped candidate(s) dropped: their provider checksum does not"
                 " verify (-v names them).")
    scanned = ""
    if ctx.files_scanned:
        mb = ctx.bytes_scanned / 1e6
        scanned = f" Scanned {ctx.files_scanned} file(s), {mb:.1f} MB in {ctx.seconds:.2f}s."
    return head + scanned
