"""Configuration found inside the scanned content is not trusted to hide what matters.

A `.keysweep.toml` that lies in a scanned tree (or repository) was written by whoever wrote that tree: it
may allowlist everything (`paths = ['.*']`), disable rules, exclude folders or replace a built-in rule. Its
suppressions still apply to what is weak, but never to a finding of high confidence or one its provider
verified as valid; such a config cannot replace built-in rules either. A config given with --config, or
found outside every target, is the user's own and is trusted. Whatever a config suppressed is counted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import regex

from scanner.config import FileConfig
from scanner.engine.matcher import Allowlist
from scanner.models import Confidence, Finding, VerificationStatus
from scanner.sources.walk import excluded

log = logging.getLogger(__name__)


def inside(path: str | Path, targets: Sequence[str]) -> bool:
    """True when `path` lies in one of the target folders (or is one of the target files)."""
    real = os.path.realpath(path)
    for t in targets:
        if t == "-":
            continue
        root = os.path.realpath(t)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


@dataclass(frozen=True)
class Suppressions:
    """A config's suppressions, applied to findings after the scan (so that what they hide is counted and,
    for an untrusted config, what matters is kept)."""

    source: str
    trusted: bool
    allowlist: Allowlist = field(default_factory=Allowlist)
    disabled: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()  # an untrusted config's excludes (a trusted one's skip files when walking)
    roots: tuple[str, ...] = ()  # the folder targets: excludes match paths relative to them

    def relative(self, path: str) -> str:
        for root in self.roots:
            prefix = root.rstrip("/") + "/"
            if root not in (".", "") and path.startswith(prefix):
                return path[len(prefix):]
        return path[2:] if path.startswith("./") else path

    def reason(self, f: Finding) -> str | None:
        if f.rule_id in self.disabled:
            return "rule disabled"
        if self.exclude and excluded(self.relative(f.path), self.exclude):
            return "path excluded"
        if any(regex.search(p, f.path) for p in self.allowlist.paths):
            return "path allowlisted"
        if any(regex.search(p, f.secret) for p in self.allowlist.regexes):
            return "secret allowlisted"
        low = f.secret.lower()
        if any(w.lower() in low for w in self.allowlist.stopwords):
            return "stop word"
        return None


@dataclass(frozen=True)
class Trusted:
    """What the engine is built from, and what is left to apply to its findings."""

    config: FileConfig
    suppressions: Suppressions | None = None
    notes: tuple[str, ...] = ()


def protect(config: FileConfig, trusted: bool, builtin_ids: frozenset[str], roots: Sequence[str] = ()) -> Trusted:
    """The engine is built without the config's allowlist and disabled rules: they are applied to its
    findings afterwards. An untrusted config's excludes move there too, and its replacements of built-in
    rules are dropped."""
    if config.path is None:
        return Trusted(config)
    notes = []
    rules = config.rules
    if not trusted:
        rules = tuple(r for r in config.rules if r.id not in builtin_ids)
        replaced = sorted(r.id for r in config.rules if r.id in builtin_ids)
        if replaced:
            notes.append(f"{config.path}: a config inside the scanned content cannot replace built-in rules "
                         f"({', '.join(replaced)}); pass it with --config to trust it")
        # a declared host would receive whatever secrets the config's rules match, and a built-in
        # verifier's provider could be sent another provider's secret: such rules' findings stay unverified
        verifying = sorted(r.id for r in rules if r.verify is not None or r.verifier is not None)
        if verifying:
            rules = tuple(replace(r, verify=None, verifier=None) for r in rules)
            notes.append(f"{config.path}: a config inside the scanned content cannot verify what its own rules "
                         f"find ({', '.join(verifying)}); pass it with --config to trust it")
    sup = Suppressions(source=config.path, trusted=trusted, allowlist=config.allowlist,
                       disabled=frozenset(config.disabled_rules), exclude=() if trusted else config.exclude,
                       roots=tuple(roots))
    engine_config = replace(config, rules=rules, disabled_rules=(), allowlist=Allowlist(),
                            exclude=config.exclude if trusted else ())
    return Trusted(engine_config, sup, tuple(notes))


def trust(config: FileConfig, explicit: bool, targets: Sequence[str]) -> bool:
    """A config is the user's own when given with --config or found outside every target."""
    return explicit or config.path is None or not inside(config.path, targets)


def protected(f: Finding) -> bool:
    """What no untrusted config may hide."""
    return f.confidence is Confidence.HIGH or (
        f.verification is not None and f.verification.status == VerificationStatus.VALID)


@dataclass(frozen=True)
class Applied:
    findings: list[Finding]
    suppressed: int = 0  # hidden by the config
    kept: int = 0  # the config tried to hide them, but they are high confidence or verified


def apply(findings: Sequence[Finding], sup: Suppressions | None) -> Applied:
    if sup is None:
        return Applied(list(findings))
    out: list[Finding] = []
    suppressed = kept = 0
    for f in findings:
        why = sup.reason(f)
        if why is None:
            out.append(f)
        elif not sup.trusted and protected(f):
            kept += 1
            out.append(f)
        else:
            suppressed += 1
    if kept:
        log.warning("%s: this config inside the scanned content would hide %d high-confidence or verified "
                    "finding(s); they are reported (pass it with --config to trust it)", sup.source, kept)
    return Applied(out, suppressed, kept)
