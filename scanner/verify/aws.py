"""AWS: offline facts from the key id first, then STS GetCallerIdentity signed with the pair.

STS is asked with the found key id + secret only; the user's own credentials are used
(when present) for nothing but `sts:GetAccessKeyInfo` on a key id found without its secret.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scanner.cloud.aws_iam import NO_ANSWER
from scanner.cloud.keyid import account_id_from_key_id, is_temporary
from scanner.verify.base import Credential, Outcome, VerifyContext, invalid, not_checked, unknown, valid
from scanner.verify.http import USER_AGENT
from scanner.verify.settings import VerifySettings

log = logging.getLogger(__name__)

REJECTED = {"InvalidClientTokenId", "SignatureDoesNotMatch", "AuthFailure", "UnrecognizedClientException",
            "InvalidAccessKeyId", "ExpiredToken", "InvalidToken"}
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
THROTTLED = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}


def sts_client(settings: VerifySettings, key_id: str | None = None, secret: str | None = None,
               service: str = "sts") -> Any:
    """An STS (or other `service`) client for the given pair, or for the user's own credential chain."""
    session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret,
                                    region_name=settings.aws_region)
    config = Config(connect_timeout=settings.timeout, read_timeout=settings.timeout,
                    retries={"mode": "adaptive", "total_max_attempts": settings.retries + 1},
                    user_agent_extra=USER_AGENT)
    return session.client(service, endpoint_url=settings.aws_endpoint_url, config=config)


class AwsVerifier:
    name = "aws"

    def verify(self, credential: Credential, ctx: VerifyContext) -> Outcome:
        key_id = credential.key_id
        if not key_id:
            return not_checked("aws: no access key id found near the secret")
        account = account_id_from_key_id(key_id)
        if not credential.secret:
            return self._key_facts(key_id, account, ctx)
        if is_temporary(key_id):
            return not_checked("aws: temporary (ASIA) key id; it works only with its session token",
                               account=account)
        return self._caller_identity(key_id, credential.secret, account, ctx)

    def _caller_identity(self, key_id: str, secret: str, account: str | None, ctx: VerifyContext) -> Outcome:
        ctx.throttle.wait(self.name)
        try:
            answer = sts_client(ctx.settings, key_id, secret).get_caller_identity()
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code in REJECTED:
                return invalid(f"aws: STS rejected the key pair ({code})", account=account)
            if code in THROTTLED:
                return unknown("aws: STS still throttling after retries", account=account)
            return unknown(f"aws: STS answered {code or 'an error'}", account=account)
        except (*NO_ANSWER, KeyError, ValueError) as e:  # botocore raises KeyError on foreign XML
            return unknown(f"aws: no answer from STS ({type(e).__name__})", account=account)
        out = valid("aws: STS accepted the key pair", account=answer.get("Account"),
                    arn=answer.get("Arn"), user_id=answer.get("UserId"))
        return replace(out, access=reach(key_id, secret, str(answer.get("Arn") or ""), ctx))

    def _key_facts(self, key_id: str, account: str | None, ctx: VerifyContext) -> Outcome:
        detail = "aws: key id found without its secret"
        if ctx.settings.aws_key_info and ctx.once("aws-own-credentials", lambda: _own_credentials(ctx.settings)):
            ctx.throttle.wait(self.name)
            try:
                owner = sts_client(ctx.settings).get_access_key_info(AccessKeyId=key_id).get("Account")
            except (ClientError, *NO_ANSWER) as e:
                log.info("sts:GetAccessKeyInfo failed (%s); using the offline account id", type(e).__name__)
            else:
                if owner:
                    return not_checked(f"{detail}; account from sts:GetAccessKeyInfo", account=owner)
        if account:
            return not_checked(f"{detail}; account decoded from the key id", account=account)
        return not_checked(detail)


def reach(key_id: str, secret: str, arn: str, ctx: VerifyContext) -> dict[str, Any]:
    """What the pair can do, asked with the pair itself (read-only IAM calls about its own user):
    its policies (attached and inline), groups, and whether any of them is AdministratorAccess.
    A key that may not read IAM gets `not_read` instead, never a guess."""
    kind = arn.split(":", 5)[-1].split("/", 1)[0] if arn.count(":") >= 5 else ""
    out: dict[str, Any] = {"principal": {"root": "root", "user": "user", "assumed-role": "role"}.get(kind, kind),
                           "root": kind == "root"}
    if kind != "user":
        return out
    name = arn.split("/")[-1]
    iam = sts_client(ctx.settings, key_id, secret, service="iam")
    missed = []
    calls = [("policies", "ListAttachedUserPolicies", "list_attached_user_policies", "AttachedPolicies"),
             ("inline_policies", "ListUserPolicies", "list_user_policies", "PolicyNames"),
             ("groups", "ListGroupsForUser", "list_groups_for_user", "Groups")]
    arns: list[str] = []
    for field, action, method, key in calls:
        ctx.throttle.wait("aws")
        try:
            got = getattr(iam, method)(UserName=name).get(key, [])
        except ClientError as e:
            missed.append(f"iam:{action} ({e.response.get('Error', {}).get('Code', 'error')})")
            continue
        except (*NO_ANSWER, KeyError, ValueError) as e:
            missed.append(f"iam:{action} ({type(e).__name__})")
            continue
        if field == "policies":
            arns = [str(p.get("PolicyArn", "")) for p in got]
        out[field] = [g if isinstance(g, str) else g.get("PolicyName") or g.get("GroupName") for g in got]
    if "policies" in out:
        out["admin"] = ADMINISTRATOR_ACCESS in arns
    if missed:
        out["not_read"] = missed
    return out


def _own_credentials(settings: VerifySettings) -> bool:
    try:
        return boto3.session.Session(region_name=settings.aws_region).get_credentials() is not None
    except BotoCoreError:
        return False


AWS = AwsVerifier()
