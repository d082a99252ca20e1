"""`keysweep iam report` as a library call: gather findings, inventories and Terraform, then join."""

from __future__ import annotations

import importlib
import ipaddress
import logging
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from scanner.cloud.activity import Network, TrailEvidence
from scanner.cloud.aws_iam import AwsOptions, collect_inventories
from scanner.cloud.crosscheck import CrosscheckOptions, IacIdentityLike, IamReport, crosscheck, departed_names
from scanner.cloud.posture import PostureOptions, identities, joined
from scanner.errors import ConfigError
from scanner.models import Finding
from scanner.sources.interface import ProgressFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportRequest:
    aws: AwsOptions = field(default_factory=AwsOptions)
    findings_files: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # files and folders to scan now
    terraform: tuple[str, ...] = ()
    verify: bool = False
    max_key_age_days: int = 90
    unused_days: int = 45
    owner_tag: str = "owner"
    departed_file: str | None = None
    kind_tag: str = "kind"
    sso: bool = False
    trusted_accounts: tuple[str, ...] = ()
    allowed_cidrs: tuple[str, ...] = ()
    cloudtrail: str | None = None  # a folder, a file or s3://bucket/prefix
    as_of: datetime | None = None  # judge ages and idleness as of this date (default: now)
    progress: ProgressFactory | None = field(default=None, compare=False)  # a bar while TARGETS are scanned


def build_report(req: ReportRequest, env: Mapping[str, str] | None = None,
                 warn: Callable[[str], None] | None = None, now: datetime | None = None) -> IamReport:
    """Bad input (findings file, departed file, Terraform, options, a local CloudTrail folder) fails
    before any AWS call."""
    cidrs = parse_cidrs(req.allowed_cidrs)
    accounts = _accounts(req.trusted_accounts)
    findings = load_findings(req, warn)
    departed = _departed(req.departed_file)
    iac = _terraform(req.terraform) if req.terraform else None
    if req.cloudtrail and not req.cloudtrail.startswith("s3://") and not os.path.exists(req.cloudtrail):
        raise ConfigError(f"no such CloudTrail folder or file: {req.cloudtrail}")
    if req.verify:
        findings = _verify_aws(findings, os.environ if env is None else env)
    trail: TrailEvidence | None = None
    trail_notes: tuple[str, ...] = ()
    if req.cloudtrail:
        # CloudTrail is parsed in a process of its own while the inventory waits on AWS
        with ProcessPoolExecutor(max_workers=1, mp_context=_fork_context()) as pool:
            pending = pool.submit(read_cloudtrail, req.cloudtrail, req.aws, cidrs)
            inventories = collect_inventories(req.aws)
            trail, trail_notes = pending.result()
    else:
        inventories = collect_inventories(req.aws)
    when = req.as_of or now or datetime.now(UTC)
    options = CrosscheckOptions(now=when, max_key_age_days=req.max_key_age_days,
                                unused_days=req.unused_days, owner_tag=req.owner_tag, departed=departed,
                                terraform=iac is not None)
    posture = PostureOptions(
        now=when, unused_days=req.unused_days, max_key_age_days=req.max_key_age_days, owner_tag=req.owner_tag,
        kind_tag=req.kind_tag, departed=departed, sso=req.sso, trusted_accounts=accounts, allowed_cidrs=cidrs,
        declared=_declared(iac) if iac is not None else None, trail=trail,
    )
    report = crosscheck(inventories, findings, iac, options)
    report = joined(report, identities(inventories, posture), trail)
    return replace(report, notes=report.notes + trail_notes)


def parse_cidrs(values: Sequence[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    out = []
    for v in values:
        try:
            out.append(ipaddress.ip_network(v.strip(), strict=False))
        except ValueError as e:
            raise ConfigError(f"--allowed-cidr {v!r} is not an address range ({e})") from e
    return tuple(out)


def _accounts(values: Sequence[str]) -> frozenset[str]:
    bad = [v for v in values if not (v.isdigit() and len(v) == 12)]
    if bad:
        raise ConfigError(f"--trusted-account takes 12-digit AWS account ids, not {', '.join(map(repr, bad))}")
    return frozenset(values)


def read_cloudtrail(location: str, aws: AwsOptions, cidrs: Sequence[Network]) -> tuple[TrailEvidence, tuple[str, ...]]:
    """CloudTrail evidence (a module-level function: it runs in a worker process)."""
    from scanner.cloud.aws_iam import client, session_for
    from scanner.cloud.cloudtrail import read_trail

    return read_trail(location, lambda: client(session_for(aws), "s3", aws), cidrs)


def _fork_context() -> BaseContext | None:
    """fork where there is one (no re-import, and no threads are running yet when it forks)."""
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def _declared(iac: Sequence[IacIdentityLike]) -> frozenset[str]:
    """`user:NAME` and `role:NAME` for the IAM users and roles Terraform declares."""
    kinds = {"aws_iam_user": "user", "aws_iam_role": "role"}
    return frozenset(f"{kinds[i.kind]}:{i.name}" for i in iac if i.kind in kinds)


def load_findings(req: ReportRequest, warn: Callable[[str], None] | None = None) -> list[Finding]:
    from scanner.report.json import load_findings as read

    findings = [f for path in req.findings_files for f in read(path)]
    if req.targets:
        findings.extend(_scan(req.targets, warn, req.progress))
    return findings


def _scan(targets: Sequence[str], warn: Callable[[str], None] | None,
          progress: ProgressFactory | None = None) -> list[Finding]:
    """Files and folders are scanned as they are; a git repository through its history (so
    each leak carries its commit, author and date). The targets' configuration applies as it
    does to `keysweep scan` (excludes, allowlists, trust)."""
    from scanner import api
    from scanner.prepare import prepare

    missing = [t for t in targets if not os.path.lexists(t)]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    prepared = prepare(targets, warn=warn)
    engine, options = prepared.engine, prepared.options
    repos = [t for t in targets if os.path.isdir(os.path.join(t, ".git"))]
    plain = [t for t in targets if t not in repos]
    findings = list(api.scan(plain, engine, options, warn=warn, progress=progress).findings) if plain else []
    if repos:
        from scanner.sources.git import GitOptions, scan_history

        for repo in repos:
            findings.extend(scan_history(repo, engine, GitOptions(exclude=options.exclude,
                                                                  max_file_size=options.max_file_size),
                                         warn=warn, progress=progress).findings)
    return prepared.finish(findings)


def _verify_aws(findings: list[Finding], env: Mapping[str, str]) -> list[Finding]:
    """Only the AWS pairs are checked: the report is about AWS keys."""
    from scanner.rules import load_builtin_rules
    from scanner.verify import VerifySettings, user_config_path, verify_findings

    rules = [r for r in load_builtin_rules() if r.verifier == "aws"]
    return verify_findings(findings, VerifySettings.load(env, user_config_path(env)), rules)


def _departed(path: str | None) -> frozenset[str]:
    if not path:
        return frozenset()
    try:
        return departed_names(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the departed list ({e})") from e


def _terraform(paths: Sequence[str]) -> Sequence[IacIdentityLike]:
    try:
        module: Any = importlib.import_module("scanner.iac.inventory")
    except ImportError as e:
        raise ConfigError("--terraform needs the Terraform inventory (scanner.iac.inventory), "
                          "which this build does not have") from e
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise ConfigError(f"no such Terraform path: {', '.join(missing)}")
    identities: Sequence[IacIdentityLike] = module.collect_inventory(list(paths))
    return identities
