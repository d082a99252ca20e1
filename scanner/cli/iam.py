"""`keysweep iam report|deactivate`: the AWS IAM inventory joined with findings."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from scanner.cli import EXIT_FINDINGS, EXIT_OK
from scanner.cli.common import no_progress_option, progress_factory, setup, verbose_option, warn_line
from scanner.cli.sweep_common import emit

RISK_LEVELS = ("critical", "high", "medium", "low")


@click.group()
def iam() -> None:
    """AWS IAM: which leaked keys are live, who owns them, and what they can do."""


def _aws_options(f: click.decorators.FC) -> click.decorators.FC:
    for deco in reversed([
        click.option("--profile", help="AWS profile (default: the standard credential chain)."),
        click.option("--region", help="AWS region for STS (IAM is global)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
                     help="Seconds to wait for each AWS answer."),
        click.option("--max-attempts", type=click.IntRange(min=1), default=8, show_default=True,
                     help="Attempts per AWS call (adaptive back-off on throttling)."),
        verbose_option,
    ]):
        f = deco(f)
    return f


@iam.command("report")
@click.argument("targets", nargs=-1, type=click.Path())
@click.option("--findings", "findings_files", multiple=True, type=click.Path(dir_okay=False),
              help="Findings from `keysweep scan|git --format json` (repeatable; not --redact'ed).")
@click.option("--terraform", multiple=True, type=click.Path(),
              help="Terraform config or state to tell code-managed keys from the rest (repeatable).")
@click.option("--role-arn", "role_arns", multiple=True, metavar="ARN",
              help="Assume this audit role and report its account (repeatable); without it, the "
                   "caller's own account is reported.")
@click.option("--verify", is_flag=True, help="Ask STS whether leaked key id + secret pairs still work.")
@click.option("--max-key-age-days", type=click.IntRange(min=1), default=90, show_default=True)
@click.option("--unused-days", type=click.IntRange(min=1), default=45, show_default=True)
@click.option("--owner-tag", default="owner", show_default=True, help="IAM user tag naming the owner.")
@click.option("--departed", "departed_file", type=click.Path(dir_okay=False),
              help="File of people who left (one name or email per line).")
@click.option("--kind-tag", default="kind", show_default=True,
              help="Tag saying what an identity is: person/human, machine/service or break-glass.")
@click.option("--sso", is_flag=True, help="People sign in through an identity provider: an IAM console "
              "password of a person is a finding.")
@click.option("--trusted-account", "trusted_accounts", multiple=True, metavar="ID",
              help="An account of your own that roles may trust (repeatable; the scanned accounts count).")
@click.option("--allowed-cidr", "allowed_cidrs", multiple=True, metavar="CIDR",
              help="Network range machine identities should call AWS from (repeatable).")
@click.option("--cloudtrail", metavar="PATH|s3://BUCKET/PREFIX",
              help="CloudTrail log files (.json, .json.gz) as evidence of activity, creators and addresses.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              help="Judge ages and idleness as of this date (default: now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="html: the identities grouped by owner as one self-contained page.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--fail-on", type=click.Choice([*RISK_LEVELS, "never"]), default="high", show_default=True,
              help="Exit 1 when a credential or an identity is at this risk or above.")
@_aws_options
@no_progress_option
def report(targets: tuple[str, ...], findings_files: tuple[str, ...], terraform: tuple[str, ...],
           role_arns: tuple[str, ...], verify: bool, max_key_age_days: int, unused_days: int, owner_tag: str,
           departed_file: str | None, kind_tag: str, sso: bool, trusted_accounts: tuple[str, ...],
           allowed_cidrs: tuple[str, ...], cloudtrail: str | None, as_of: datetime | None, fmt: str,
           output: str | None, fail_on: str, profile: str | None, region: str | None, timeout: float,
           max_attempts: int, verbose: int) -> int:
    """Build the IAM inventory (users, keys, last use, policies, tags, console/MFA) and join it
    with findings (--findings files, and TARGETS scanned now: files and folders as they are, git
    repositories through their history) and Terraform.

    Every IAM user and role is judged too (identities: people, machines, break-glass users; MFA,
    console use, owners who left, trust policies, network range with --cloudtrail).

    Exit codes: 0 nothing at --fail-on risk or above, 1 at least one credential or identity, 2 bad input
    (findings file, profile, option), 3 AWS could not be read at all. Calls that were denied
    are listed as notes; the report keeps what could be read.
    """
    from scanner.cloud.aws_iam import AwsOptions
    from scanner.cloud.render import render_json, render_text
    from scanner.cloud.report import ReportRequest, build_report

    setup(verbose)
    req = ReportRequest(
        aws=AwsOptions(profile=profile, region=region, role_arns=role_arns, timeout=timeout,
                       max_attempts=max_attempts),
        findings_files=findings_files, targets=targets, terraform=terraform, verify=verify,
        max_key_age_days=max_key_age_days, unused_days=unused_days, owner_tag=owner_tag,
        departed_file=departed_file, kind_tag=kind_tag, sso=sso, trusted_accounts=trusted_accounts,
        allowed_cidrs=allowed_cidrs, cloudtrail=cloudtrail,
        as_of=as_of.replace(tzinfo=UTC) if as_of and as_of.tzinfo is None else as_of,
        progress=progress_factory(False),
    )
    result = build_report(req, warn=warn_line)
    for account in result.accounts:
        for note in account.notes:
            warn_line(f"account {account.account_id or '?'}: {note}")
    for note in result.notes:
        warn_line(note)
    if fmt == "html":
        from scanner import __version__
        from scanner.cloud.html import render_html

        emit(render_html(result, __version__), output)
    else:
        emit(render_json(result) if fmt == "json" else render_text(result), output)
    if fail_on == "never":
        return EXIT_OK
    limit = RISK_LEVELS.index(fail_on)
    risks = [c.risk for c in result.credentials] + [i.risk for i in result.identities]
    return EXIT_FINDINGS if any(RISK_LEVELS.index(r) <= limit for r in risks) else EXIT_OK


@iam.command("deactivate")
@click.argument("key_id")
@click.option("--yes", is_flag=True, help="Really deactivate (default: only say what would happen).")
@_aws_options
def deactivate(key_id: str, yes: bool, profile: str | None, region: str | None, timeout: float,
               max_attempts: int, verbose: int) -> int:
    """Set access key KEY_ID Inactive (UpdateAccessKey). A dry run unless --yes.

    Exit codes: 0 done (or dry run), 2 not an access key id, 3 AWS error or key not found."""
    from scanner.cloud.aws_iam import AwsOptions, deactivate_key, find_key, session_for
    from scanner.cloud.keyid import is_access_key_id, is_long_term
    from scanner.errors import ConfigError

    setup(verbose)
    if not is_access_key_id(key_id) or not is_long_term(key_id):
        raise ConfigError(f"{key_id!r} is not a long-term AWS access key id (AKIA...)")
    opts = AwsOptions(profile=profile, region=region, timeout=timeout, max_attempts=max_attempts)
    session = session_for(opts)
    owner = find_key(session, key_id, opts)
    what = f"{key_id} (user {owner.user_name}, account {owner.account_id}, now {owner.status})"
    if owner.status == "Inactive":
        click.echo(f"{what}: already inactive, nothing to do")
    elif not yes:
        click.echo(f"dry run: would deactivate {what}; add --yes to do it")
    else:
        deactivate_key(session, key_id, owner, opts)
        click.echo(f"deactivated {what}")
    return EXIT_OK

