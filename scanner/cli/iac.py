"""`keysweep iac inventory`: machine identities declared by Terraform configuration and state."""

from __future__ import annotations

import click

from scanner.cli import EXIT_OK


@click.group()
def iac() -> None:
    """Infrastructure code: what Terraform declares."""


@iac.command("inventory")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
def inventory(paths: tuple[str, ...], fmt: str, output: str | None) -> int:
    """List the IAM users, access keys, roles, service accounts (and keys) and application
    passwords that the Terraform files under PATHS declare, with their file and line (config)
    or resource address (state)."""
    from scanner.iac.inventory import collect_inventory
    from scanner.iac.inventory_format import FORMATS

    rendered = FORMATS[fmt](collect_inventory(list(paths)))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(rendered)
    else:
        click.echo(rendered, nl=False)
    return EXIT_OK
