"""`keysweep revoke FINGERPRINT | --secret-from FILE`: kill a leaked secret through its provider."""

from __future__ import annotations

import click

from scanner.cli import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE
from scanner.cli.common import setup, verbose_option, verify_settings, verify_timeout_option
from scanner.cli.sweep_common import engine_spec, local_repositories, open_store, store_options


@click.command()
@click.argument("fingerprint", required=False)
@click.option("--secret-from", "secret_file", metavar="FILE",
              help="Read the secret itself from FILE ('-': stdin) instead of naming a finding.")
@click.option("--yes", is_flag=True, help="Really revoke (default: a dry run that says what would be sent where).")
@store_options
@click.option("--clone-dir", type=click.Path(file_okay=False),
              help="Where the sweep mirrored clone URLs (default: 'clones' beside the store).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file with extra rules.")
@verify_timeout_option
@verbose_option
def revoke(fingerprint: str | None, secret_file: str | None, yes: bool, store_path: str | None,
           lock_timeout: float, clone_dir: str | None, config_path: str | None, verbose: int) -> int:
    """Revoke a leaked secret where its provider has an API for it (GitHub, GitLab, Slack; AWS keys
    are set Inactive with your own credentials). FINGERPRINT names a finding in the sweep store (the
    secret is read back from where it was seen); --secret-from gives the secret itself.

    A dry run unless --yes. Every attempt, dry runs too, is written to the store with who ran it and
    when. Exit codes: 0 revoked (or dry run, or already dead), 2 nothing to revoke or no API for
    it, 3 the provider did not confirm."""
    from scanner import revocation
    from scanner.verify.registry import registry_for

    setup(verbose)
    if bool(fingerprint) == bool(secret_file):
        raise click.UsageError("name one finding (FINGERPRINT) or give --secret-from FILE")
    store = open_store(store_path, lock_timeout, create=bool(secret_file))
    if store is None:
        raise click.UsageError("no sweep store yet: give --secret-from FILE, or --store")
    settings = verify_settings()
    with store:
        spec = engine_spec(config_path, local_repositories(store))
        rules = spec.get().rules
        verifiers = registry_for(rules)
        if fingerprint:
            targets = revocation.from_store(store, spec, fingerprint, clone_dir or str(store.path.parent / "clones"),
                                            verifiers)
        else:
            text = _read_secret(secret_file or "-")
            targets = revocation.from_text(text, secret_file or "-", rules, verifiers, store)
        results = revocation.revoke(targets, verifiers, settings, dry_run=not yes)
        revocation.record(store, results, dry_run=not yes)
    for t, o in results:
        what = f"{t.finding.rule_id} {_masked(t.credential.secret or t.credential.key_id or '')}"
        if o.outcome == "would-revoke":
            click.echo(f"dry run: would revoke {what} ({o.detail}); add --yes to do it")
        else:
            click.echo(f"{o.outcome}: {what}: {o.detail}")
    if any(o.outcome == "failed" for _, o in results):
        return EXIT_RUNTIME
    return EXIT_OK if any(o.ok for _, o in results) else EXIT_USAGE


def _read_secret(source: str) -> str:
    from pathlib import Path

    from scanner.errors import ConfigError

    try:
        text = click.get_text_stream("stdin").read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{source}: cannot read the secret: {e}") from e
    return text.strip() + "\n"


def _masked(secret: str) -> str:
    from scanner.report.base import mask

    return mask(secret)
