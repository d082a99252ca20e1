"""Verification at scale: 1,000 findings across 50 providers, each provider a local HTTP server on
127.0.0.1 that answers after a fixed latency (50 ms by default), as a provider far away would.

The findings repeat secrets (the same key in several files, as leaks do): each distinct secret must
be checked once per run. The runner reports wall time, requests sent against distinct secrets,
the most requests any one provider had in flight, and the verdicts, at a few settings of the
overall concurrency (the per-provider cap and the token bucket keep their defaults).

Results go to benchmarks/RESULTS.md under "## Verification at scale (issue 21)".
Usage: python -m benchmarks.verify_bench [--findings 1000] [--providers 50] [--latency-ms 50] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.common import machine_facts, markdown_table, publish
from scanner.engine import fingerprint
from scanner.models import Finding, Rule
from scanner.rules import builtin_declarations, load_builtin_rules
from scanner.verify import VerifySettings, verify_findings
from scanner.verify.declaration import Declaration

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Verification at scale (issue 21)"


@dataclass
class Provider:
    """One provider's server: how many requests, which secrets, and the most in flight at once."""

    name: str
    latency: float
    check_path: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    probes: int = 0
    in_flight: int = 0
    peak: int = 0
    seen: Counter[str] = field(default_factory=Counter)

    def handle(self, path: str, auth: str) -> None:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if path.split("?")[0] == self.check_path:
                self.requests += 1
                self.seen[auth] += 1
            else:  # a read-only probe for `access`, after a valid answer
                self.probes += 1
        time.sleep(self.latency)
        with self.lock:
            self.in_flight -= 1


@contextmanager
def serve(provider: Provider) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            sent = sorted((k.lower(), v) for k, v in self.headers.items() if k.lower() not in ("host", "connection"))
            provider.handle(self.path, f"{self.path}|{sent}|{body.decode()}")
            payload = json.dumps({"ok": True, "valid": True, "login": "bench"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def providers_and_rules(count: int) -> list[tuple[Declaration, Rule]]:
    """`count` declared providers that need only the secret, each with a built-in rule using it."""
    by_verifier: dict[str, Rule] = {}
    for r in load_builtin_rules():
        if r.verifier:
            by_verifier.setdefault(r.verifier, r)
    chosen = [(d, by_verifier[d.name]) for d in sorted(builtin_declarations(), key=lambda d: d.name)
              if d.name in by_verifier and not d.needs_key_id]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} declared providers can be benchmarked, asked for {count}")
    return chosen[:count]


def findings_for(chosen: list[tuple[Declaration, Rule]], total: int, rng: random.Random) -> list[Finding]:
    """`total` findings spread over the providers; about seven in ten are distinct secrets."""
    out: list[Finding] = []
    per = total // len(chosen)
    for d, rule in chosen:
        distinct = [(d.prefixes[0] if d.prefixes else "") + "".join(rng.choices("abcdef0123456789", k=40))
                    for _ in range(max(1, per * 7 // 10))]
        for i in range(per):
            secret = distinct[i] if i < len(distinct) else rng.choice(distinct)
            out.append(Finding(rule_id=rule.id, description=rule.description, severity=rule.severity,
                               path=f"src/{d.name}/f{i}.py", line=1, end_line=1, column=1,
                               end_column=len(secret) + 1, secret=secret, match=secret,
                               fingerprint=fingerprint(rule.id, secret), entropy=4.0))
    return out


def run_once(findings: list[Finding], chosen: list[tuple[Declaration, Rule]], latency: float,
             concurrency: int) -> dict[str, Any]:
    servers = {d.name: Provider(d.name, latency, d.path.split("?")[0]) for d, _ in chosen}
    with ExitStack() as stack:
        env = {f"KEYSWEEP_{name.upper().replace('-', '_')}_URL": stack.enter_context(serve(p))
               for name, p in servers.items()}
        env.update({"KEYSWEEP_VERIFY_CONCURRENCY": str(concurrency), "KEYSWEEP_AWS_KEY_INFO": "0"})
        settings = VerifySettings.load(env, None)
        started = time.perf_counter()
        out = verify_findings(findings, settings, [r for _, r in chosen])
        wall = time.perf_counter() - started
    statuses = Counter(f.verification.status.value for f in out if f.verification)
    return {
        "wall": wall,
        "requests": sum(p.requests for p in servers.values()),
        "probes": sum(p.probes for p in servers.values()),
        "repeats": sum(n - 1 for p in servers.values() for n in p.seen.values() if n > 1),
        "peak": max(p.peak for p in servers.values()),
        "rate_floor": max(max(0, p.requests + p.probes - settings.burst) / settings.rate_for(p.name)
                          for p in servers.values()) if settings.rate else 0.0,
        "statuses": statuses,
        "settings": settings,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=1000)
    ap.add_argument("--providers", type=int, default=50)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--concurrency", type=int, nargs="*", default=[4, 16, 32])
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args(argv)
    rng = random.Random(21)
    chosen = providers_and_rules(args.providers)
    findings = findings_for(chosen, args.findings, rng)
    distinct = len({(f.rule_id, f.secret) for f in findings})
    latency = args.latency_ms / 1000
    rows = []
    for c in args.concurrency:
        r = run_once(findings, chosen, latency, c)
        s = r["settings"]
        floor = max(distinct * latency / c, r["rate_floor"])
        rows.append([c, s.provider_concurrency, f"{s.rate:g}/s, burst {s.burst}", f"{r['wall']:.2f}",
                     f"{floor:.2f}", r["requests"], r["probes"], r["repeats"], r["peak"],
                     ", ".join(f"{k} {v}" for k, v in sorted(r["statuses"].items()))])
        print(f"concurrency {c}: {r['wall']:.2f} s, {r['requests']} requests", flush=True)
    facts = machine_facts()
    body = "\n".join([
        f"`python -m benchmarks.verify_bench --findings {args.findings} --providers {args.providers} "
        f"--latency-ms {args.latency_ms:g}` on {facts['CPU']}, {facts['cores']}, Python {facts['Python']}.",
        "",
        f"{len(findings)} findings of {len(chosen)} declared providers ({distinct} distinct secrets; the rest are "
        f"the same secrets in other files), each provider a local server answering after {args.latency_ms:g} ms. "
        "`floor` is the larger of distinct secrets x latency / concurrency (perfect overlap) and the busiest "
        "provider's requests beyond its burst / its rate (the token bucket). Checks must "
        "equal the distinct secrets (repeats 0); access probes are the read-only requests that follow a valid "
        "answer for the providers that declare them (GitHub, GitLab, Stripe: what the secret can reach); "
        "`peak` is the most requests one provider had in flight (the per-provider cap). `unknown` verdicts are "
        "providers whose valid answer needs fields this generic "
        "server does not send: the request was still made once.",
        "",
        markdown_table(["concurrency", "per provider", "rate", "wall s", "floor s", "checks", "access probes",
                        "repeats",
                        "peak", "verdicts"], rows),
    ])
    publish(body, HEADING, RESULTS, write=not args.no_record)


if __name__ == "__main__":
    main()
