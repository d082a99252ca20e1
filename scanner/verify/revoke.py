"""Killing a leaked secret where its provider has an API for it: the `revoke` table of a declared
verifier (one request, to the declaration's own host, like its check), or AWS (the access key set
Inactive with the user's own IAM credentials). A dry run sends nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from scanner.errors import CloudError, ConfigError, VerifyError
from scanner.verify.base import Credential, Verifier, VerifyContext
from scanner.verify.declaration import Declaration, Revoke
from scanner.verify.settings import VerifySettings


@dataclass(frozen=True)
class RevokeOutcome:
    provider: str
    outcome: str  # revoked | would-revoke | gone | failed | unsupported
    detail: str

    @property
    def ok(self) -> bool:
        return self.outcome in ("revoked", "would-revoke", "gone")


class Revoker(Protocol):
    @property
    def name(self) -> str: ...

    def describe(self, settings: VerifySettings) -> str:
        """What would be done, for a dry run: the request, or the IAM call."""
        ...

    def revoke(self, credential: Credential, ctx: VerifyContext) -> RevokeOutcome: ...


@dataclass(frozen=True)
class DeclaredRevoke:
    decl: Declaration
    how: Revoke

    @property
    def name(self) -> str:
        return self.decl.name

    def describe(self, settings: VerifySettings) -> str:
        return f"{self.how.method} {settings.url_for(self.decl.name, self.decl.base)}{self.how.path}"

    def revoke(self, credential: Credential, ctx: VerifyContext) -> RevokeOutcome:
        from scanner.verify.declared import matches, send

        d, how = self.decl, self.how
        try:
            resp = send(d, how.method, how.path, how.headers, how.body, credential, ctx)
        except VerifyError as e:
            return RevokeOutcome(d.name, "failed", f"{d.name}: {e}; it may still be live")
        if any(matches(m, resp) for m in how.done):
            return RevokeOutcome(d.name, "revoked", f"{d.name} revoked it (HTTP {resp.status})")
        if any(matches(m, resp) for m in how.gone):
            return RevokeOutcome(d.name, "gone", f"{d.name} no longer accepts it (HTTP {resp.status})")
        return RevokeOutcome(d.name, "failed",
                             f"{d.name}: unexpected answer (HTTP {resp.status}); it may still be live")


class AwsDeactivate:
    """An access key set Inactive (UpdateAccessKey) by its id, with the user's own credentials."""

    name = "aws"

    def describe(self, settings: VerifySettings) -> str:
        return "iam:UpdateAccessKey Status=Inactive with your own AWS credentials"

    def revoke(self, credential: Credential, ctx: VerifyContext) -> RevokeOutcome:
        from scanner.cloud.aws_iam import AwsOptions, deactivate_key, find_key, session_for

        key_id = credential.key_id
        if not key_id:
            return RevokeOutcome("aws", "unsupported", "aws: the access key id of this secret was not found near it")
        opts = AwsOptions(region=ctx.settings.aws_region, timeout=ctx.settings.timeout)
        try:
            session = session_for(opts)
            owner = find_key(session, key_id, opts)
            if owner.status == "Inactive":
                return RevokeOutcome("aws", "gone", f"aws: {key_id} of user {owner.user_name} is already inactive")
            deactivate_key(session, key_id, owner, opts)
        except (CloudError, ConfigError) as e:
            return RevokeOutcome("aws", "failed", f"aws: {e}")
        return RevokeOutcome("aws", "revoked", f"aws: {key_id} of user {owner.user_name} in account "
                                               f"{owner.account_id} set Inactive")


def revoker_for(verifier: Verifier | None) -> Revoker | None:
    from scanner.verify.declared import DeclaredCheck

    if isinstance(verifier, DeclaredCheck) and verifier.decl.revoke is not None:
        return DeclaredRevoke(verifier.decl, verifier.decl.revoke)
    if verifier is not None and verifier.name == "aws":
        return AwsDeactivate()
    return None


def revoke_all(credentials: Mapping[Credential, Revoker | None], settings: VerifySettings,
               dry_run: bool) -> dict[Credential, RevokeOutcome]:
    """Each credential revoked once (or, in a dry run, described)."""
    from scanner.verify.http import run_context

    ctx = run_context(settings)
    out = {}
    for c, r in credentials.items():
        if r is None:
            out[c] = RevokeOutcome(c.provider, "unsupported", f"{c.provider}: no revocation API known for it; "
                                                              "revoke it in the provider's console")
        elif dry_run:
            out[c] = RevokeOutcome(r.name, "would-revoke", r.describe(settings))
        else:
            out[c] = r.revoke(c, ctx)
    return out
