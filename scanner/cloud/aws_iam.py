"""The AWS IAM inventory, read with boto3: users, access keys, policies, tags, console and MFA.

Reads what it is allowed to read: a call that is denied or keeps failing becomes a note
on the account and the rest of the inventory is still built.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound
from botocore.parsers import ResponseParserError

from scanner import __version__
from scanner.cloud.dates import aware, parse
from scanner.cloud.model import AccessKey, AccountInventory, Grant, IamRole, IamUser
from scanner.errors import CloudError, ConfigError

log = logging.getLogger(__name__)
T = TypeVar("T")

# no usable answer: network trouble, timeouts, or something that is not AWS talking
NO_ANSWER = (BotoCoreError, ResponseParserError)
REJECTED = {"InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
            "InvalidToken", "UnrecognizedClientException", "AuthFailure"}


@dataclass(frozen=True)
class AwsOptions:
    profile: str | None = None
    region: str | None = None
    role_arns: tuple[str, ...] = ()
    timeout: float = 30.0
    max_attempts: int = 8
    workers: int = 8


class Notes:
    """Calls that failed, counted by operation and error: one line each in the report."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: Counter[tuple[str, str, str]] = Counter()
        self.incomplete = False

    def add(self, operation: str, error: str, consequence: str, incomplete: bool = False) -> None:
        with self._lock:
            self._seen[(operation, error, consequence)] += 1
            self.incomplete = self.incomplete or incomplete

    def lines(self) -> tuple[str, ...]:
        return tuple(f"{op}: {err} ({n} call{'s' if n > 1 else ''}); {what}"
                     for (op, err, what), n in sorted(self._seen.items()))


# ---------------------------------------------------------------- sessions and clients

def session_for(opts: AwsOptions) -> Any:
    try:
        return boto3.session.Session(profile_name=opts.profile, region_name=opts.region)
    except ProfileNotFound as e:
        raise ConfigError(f"AWS profile not found: {opts.profile or e}") from e


def client(session: Any, service: str, opts: AwsOptions) -> Any:
    config = Config(connect_timeout=opts.timeout, read_timeout=opts.timeout,
                    retries={"mode": "adaptive", "total_max_attempts": max(1, opts.max_attempts)},
                    user_agent_extra=f"keysweep/{__version__}", max_pool_connections=max(10, opts.workers))
    region = session.region_name or "us-east-1"
    return session.client(service, region_name=region, config=config)


def caller_account(session: Any, opts: AwsOptions) -> tuple[str, str]:
    """(account id, caller ARN); CloudError with a plain reason when the credentials do not work."""
    try:
        who = client(session, "sts", opts).get_caller_identity()
        account, arn = str(who["Account"]), str(who["Arn"])
    except ProfileNotFound as e:
        raise ConfigError(f"AWS profile not found: {e}") from e
    except NoCredentialsError as e:
        raise CloudError("no AWS credentials found (use --profile, AWS_PROFILE or the "
                         "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables)") from e
    except ClientError as e:
        code = error_code(e)
        if code in REJECTED:
            raise CloudError(f"AWS rejected the credentials ({code}): expired or wrong") from e
        raise CloudError(f"sts:GetCallerIdentity failed ({code})") from e
    except (*NO_ANSWER, KeyError, ValueError) as e:  # botocore raises KeyError on foreign XML
        raise CloudError(f"no answer from AWS ({type(e).__name__}: {e})") from e
    return account, arn


def assume_role(session: Any, role_arn: str, opts: AwsOptions) -> Any:
    try:
        creds = client(session, "sts", opts).assume_role(
            RoleArn=role_arn, RoleSessionName="keysweep-iam-report")["Credentials"]
    except ClientError as e:
        raise CloudError(f"cannot assume {role_arn} ({error_code(e)})") from e
    except NO_ANSWER as e:
        raise CloudError(f"cannot assume {role_arn} ({type(e).__name__})") from e
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                 aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"],
                                 region_name=session.region_name or opts.region)


def error_code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code") or "error")


# ---------------------------------------------------------------- the inventory

def collect_inventories(opts: AwsOptions) -> list[AccountInventory]:
    """The caller's account, or each `--role-arn` account. CloudError when none can be read."""
    base = session_for(opts)
    if not opts.role_arns:
        return [build_inventory(base, f"profile {opts.profile}" if opts.profile else "default credentials", opts)]
    caller_account(base, opts)  # fail early and clearly when the base credentials do not work
    out: list[AccountInventory] = []
    for arn in opts.role_arns:
        try:
            out.append(build_inventory(assume_role(base, arn, opts), arn, opts))
        except CloudError as e:
            log.warning("%s", e)
            out.append(AccountInventory(account_id=_account_of_arn(arn), source=arn, notes=(str(e),),
                                        complete=False))
    if all(not inv.users and not inv.complete for inv in out):
        raise CloudError("no account could be read: " + "; ".join(n for inv in out for n in inv.notes))
    return out


def build_inventory(session: Any, source: str, opts: AwsOptions) -> AccountInventory:
    account, _ = caller_account(session, opts)
    iam = client(session, "iam", opts)
    notes = Notes()
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        details = _authorization_details(iam, notes) or _details_per_user(iam, notes, pool)
        if details is None:
            return AccountInventory(account, source, notes=notes.lines(), complete=False)
        people = _credential_report(iam, notes) or _console_per_user(iam, [u.name for u in details.users],
                                                                      notes, pool)
        keys = dict(zip((u.name for u in details.users),
                        pool.map(lambda u: _keys_of(iam, u.name, notes, people[u.name].keys if u.name in people
                                                    else ()), details.users), strict=True))
    unknown = _Login(None, None)
    users = tuple(
        IamUser(name=u.name, arn=u.arn, created=u.created, tags=u.tags, groups=u.groups,
                grants=details.grants_of(u), keys=keys[u.name],
                console_access=people.get(u.name, unknown).console, mfa=people.get(u.name, unknown).mfa,
                password_last_used=people.get(u.name, unknown).password_last_used,
                password_changed=people.get(u.name, unknown).password_changed)
        for u in details.users
    )
    roles = tuple(replace(r, grants=details.resolve(r.grants)) for r in details.roles)
    log.info("account %s: %d users, %d keys, %d roles", account, len(users), sum(len(u.keys) for u in users),
             len(roles))
    return AccountInventory(account, source, users, notes.lines(), complete=not notes.incomplete, roles=roles)


def _account_of_arn(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


@dataclass(frozen=True)
class _User:
    name: str
    arn: str
    created: datetime | None
    tags: Mapping[str, str]
    groups: tuple[str, ...]
    grants: tuple[Grant, ...]  # direct grants; managed ones may lack their document


@dataclass(frozen=True)
class _Details:
    users: tuple[_User, ...]
    group_grants: Mapping[str, tuple[Grant, ...]]
    documents: Mapping[str, Any]  # managed policy ARN -> default version document
    roles: tuple[IamRole, ...] = ()  # grants not yet resolved against `documents`

    def grants_of(self, u: _User) -> tuple[Grant, ...]:
        out = list(u.grants)
        for g in u.groups:
            out.extend(Grant(gr.name, f"group:{g}", gr.arn, gr.document) for gr in self.group_grants.get(g, ()))
        return self.resolve(out)

    def resolve(self, grants: Iterable[Grant]) -> tuple[Grant, ...]:
        """Managed policies get their default version's document."""
        return tuple(Grant(g.name, g.via, g.arn, g.document if g.document is not None
                           else self.documents.get(g.arn or "")) for g in grants)


def _guard(notes: Notes, operation: str, consequence: str, call: Callable[[], T],
           incomplete: bool = False, missing: Iterable[str] = ()) -> T | None:
    """Run one API call; a refusal or a failure becomes a note and None."""
    try:
        return call()
    except ClientError as e:
        code = error_code(e)
        if code in missing:
            raise
        notes.add(operation, code, consequence, incomplete)
    except NO_ANSWER as e:
        notes.add(operation, f"no answer ({type(e).__name__})", consequence, incomplete)
    return None


def _all(iam: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    return list(iam.get_paginator(operation).paginate(**kwargs).build_full_result().get(key, []))


def _authorization_details(iam: Any, notes: Notes) -> _Details | None:
    """Users, groups and customer policies in a few paginated calls."""
    def read() -> dict[str, Any]:
        return dict(iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["User", "Group", "Role", "LocalManagedPolicy"]).build_full_result())

    try:
        data = read()
    except ClientError as e:
        notes.add("iam:GetAccountAuthorizationDetails", error_code(e), "read user by user instead")
        return None
    except NO_ANSWER as e:
        raise CloudError(f"no answer from IAM ({type(e).__name__}: {e})") from e
    documents = {p["Arn"]: _default_document(p.get("PolicyVersionList", [])) for p in data.get("Policies", [])}
    group_grants = {
        g["GroupName"]: _grants(g.get("GroupPolicyList", []), g.get("AttachedManagedPolicies", []))
        for g in data.get("GroupDetailList", [])
    }
    users = tuple(
        _User(u["UserName"], u.get("Arn", ""), u.get("CreateDate"), _tags(u.get("Tags", [])),
              tuple(u.get("GroupList", [])), _grants(u.get("UserPolicyList", []), u.get("AttachedManagedPolicies", [])))
        for u in data.get("UserDetailList", [])
    )
    roles = tuple(
        IamRole(r["RoleName"], r.get("Arn", ""), r.get("CreateDate"), _tags(r.get("Tags", [])),
                r.get("AssumeRolePolicyDocument"),
                _grants(r.get("RolePolicyList", []), r.get("AttachedManagedPolicies", [])),
                (r.get("RoleLastUsed") or {}).get("LastUsedDate"))
        for r in data.get("RoleDetailList", [])
    )
    arns = ({g.arn for u in users for g in u.grants} | {g.arn for gs in group_grants.values() for g in gs}
            | {g.arn for r in roles for g in r.grants})
    documents.update(_managed_documents(iam, {a for a in arns if a and a not in documents}, notes))
    return _Details(users, group_grants, documents, roles)


def _details_per_user(iam: Any, notes: Notes, pool: ThreadPoolExecutor) -> _Details | None:
    """The slow path when GetAccountAuthorizationDetails is denied."""
    listed = _guard(notes, "iam:ListUsers", "no user could be listed", lambda: _all(iam, "list_users", "Users"),
                    incomplete=True)
    if listed is None:
        return None

    def one(u: Mapping[str, Any]) -> _User:
        name = u["UserName"]

        def groups() -> list[str]:
            return [g["GroupName"] for g in _all(iam, "list_groups_for_user", "Groups", UserName=name)]

        def tags() -> list[Any]:
            return _all(iam, "list_user_tags", "Tags", UserName=name)

        in_groups = _guard(notes, "iam:ListGroupsForUser", "group policies missing", groups)
        tagged = _guard(notes, "iam:ListUserTags", "tags missing (owner unknown)", tags)
        return _User(name, u.get("Arn", ""), u.get("CreateDate"), _tags(tagged or []), tuple(in_groups or ()),
                     _policies_of(iam, notes, "User", name))

    users = tuple(pool.map(one, listed))
    group_grants = {g: _policies_of(iam, notes, "Group", g) for g in sorted({g for u in users for g in u.groups})}
    roles = _roles_one_by_one(iam, notes, pool)
    arns = ({g.arn for u in users for g in u.grants} | {g.arn for gs in group_grants.values() for g in gs}
            | {g.arn for r in roles for g in r.grants})
    return _Details(users, group_grants, _managed_documents(iam, {a for a in arns if a}, notes), roles)


def _roles_one_by_one(iam: Any, notes: Notes, pool: ThreadPoolExecutor) -> tuple[IamRole, ...]:
    listed = _guard(notes, "iam:ListRoles", "roles missing (no trust or role posture)",
                    lambda: _all(iam, "list_roles", "Roles"), incomplete=True)

    def one(r: Mapping[str, Any]) -> IamRole:
        name = r["RoleName"]
        tagged = _guard(notes, "iam:ListRoleTags", "role tags missing (owner unknown)",
                        lambda: _all(iam, "list_role_tags", "Tags", RoleName=name))
        got = _guard(notes, "iam:GetRole", "role last use unknown", lambda: iam.get_role(RoleName=name)["Role"])
        return IamRole(name, r.get("Arn", ""), r.get("CreateDate"), _tags(tagged or []),
                       r.get("AssumeRolePolicyDocument"), _policies_of(iam, notes, "Role", name),
                       ((got or {}).get("RoleLastUsed") or {}).get("LastUsedDate"))

    return tuple(pool.map(one, listed or []))


def _policies_of(iam: Any, notes: Notes, kind: str, name: str) -> tuple[Grant, ...]:
    """Inline and attached policies of one user or group (`kind` is "User" or "Group")."""
    key = {f"{kind}Name": name}
    low = kind.lower()

    def attached() -> list[Any]:
        return _all(iam, f"list_attached_{low}_policies", "AttachedPolicies", **key)

    def inline() -> list[dict[str, Any]]:
        get = getattr(iam, f"get_{low}_policy")
        return [{"PolicyName": p, "PolicyDocument": get(PolicyName=p, **key)["PolicyDocument"]}
                for p in _all(iam, f"list_{low}_policies", "PolicyNames", **key)]

    found_attached = _guard(notes, f"iam:ListAttached{kind}Policies", f"{low} policies missing", attached)
    found_inline = _guard(notes, f"iam:List{kind}Policies", f"{low} policies missing", inline)
    return _grants(found_inline or [], found_attached or [])


def _managed_documents(iam: Any, arns: Iterable[str], notes: Notes) -> dict[str, Any]:
    out = {}
    for arn in sorted(arns):
        def read(arn: str = arn) -> Any:
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            return iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        doc = _guard(notes, "iam:GetPolicyVersion", "judged by policy name only", read)
        if doc is not None:
            out[arn] = doc
    return out


def _default_document(versions: Sequence[Mapping[str, Any]]) -> Any:
    return next((v.get("Document") for v in versions if v.get("IsDefaultVersion")), None)


def _grants(inline: Iterable[Mapping[str, Any]], attached: Iterable[Mapping[str, Any]]) -> tuple[Grant, ...]:
    return (tuple(Grant(p["PolicyName"], document=p.get("PolicyDocument")) for p in inline)
            + tuple(Grant(p["PolicyName"], arn=p.get("PolicyArn")) for p in attached))


def _tags(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags}


@dataclass(frozen=True)
class _Login:
    console: bool | None  # a console password is set
    mfa: bool | None
    password_last_used: datetime | None = None
    password_changed: datetime | None = None
    keys: tuple[_ReportKey, ...] = ()


@dataclass(frozen=True)
class _ReportKey:
    """One access-key slot of a credential-report row: the report names keys by slot, not by id,
    so a key is recognised by its creation time (`last_rotated`, to the second)."""

    created: datetime
    last_used: datetime | None
    service: str | None


def _credential_report(iam: Any, notes: Notes, polls: int = 10) -> dict[str, _Login] | None:
    """user -> console password, MFA and password dates, from one account-wide report."""
    def read() -> bytes:
        for i in range(polls):
            if iam.generate_credential_report().get("State") == "COMPLETE":
                break
            time.sleep(min(0.1 * 2**i, 5.0))
        content = iam.get_credential_report()["Content"]
        return content if isinstance(content, bytes) else str(content).encode()

    raw = _guard(notes, "iam:GetCredentialReport", "console and MFA read user by user instead", read)
    if raw is None:
        return None
    rows = csv.DictReader(io.StringIO(raw.decode("utf-8", "replace")))
    return {r["user"]: _Login(r.get("password_enabled") == "true", r.get("mfa_active") == "true",
                              parse(r.get("password_last_used")), parse(r.get("password_last_changed")),
                              _report_keys(r))
            for r in rows if r.get("user") and r["user"] != "<root_account>"}


def _report_keys(row: Mapping[str, str]) -> tuple[_ReportKey, ...]:
    out = []
    for n in (1, 2):
        created = parse(row.get(f"access_key_{n}_last_rotated"))
        if created is not None:
            service = row.get(f"access_key_{n}_last_used_service")
            out.append(_ReportKey(created, parse(row.get(f"access_key_{n}_last_used_date")),
                                  None if service in (None, "", "N/A", "not_supported") else service))
    return tuple(out)


def _console_per_user(iam: Any, names: Sequence[str], notes: Notes,
                      pool: ThreadPoolExecutor) -> dict[str, _Login]:
    def login(name: str) -> bool | None:
        try:
            return _guard(notes, "iam:GetLoginProfile", "console access unknown",
                          lambda: bool(iam.get_login_profile(UserName=name)), missing=("NoSuchEntity",))
        except ClientError:
            return False

    def mfa(name: str) -> bool | None:
        devices = _guard(notes, "iam:ListMFADevices", "MFA unknown",
                         lambda: _all(iam, "list_mfa_devices", "MFADevices", UserName=name))
        return None if devices is None else bool(devices)

    return dict(zip(names, pool.map(lambda n: _Login(login(n), mfa(n)), names), strict=True))


def _keys_of(iam: Any, name: str, notes: Notes, reported: Sequence[_ReportKey] = ()) -> tuple[AccessKey, ...]:
    """A user's keys with their last use: from the credential report where it answers for the key
    (recognised by creation time; never used, or used with the service named; the report is at most
    four hours old), else one GetAccessKeyLastUsed call each."""
    listed = _guard(notes, "iam:ListAccessKeys", "keys of some users missing",
                    lambda: _all(iam, "list_access_keys", "AccessKeyMetadata", UserName=name), incomplete=True)
    out = []
    for k in listed or []:
        slot = _slot_of(k.get("CreateDate"), reported)
        if slot is not None and (slot.last_used is None or slot.service):  # never used, or used and named
            out.append(AccessKey(k["AccessKeyId"], name, k.get("Status", "Unknown"), k.get("CreateDate"),
                                 slot.last_used, slot.service))
            continue

        def last_used(key_id: str = k["AccessKeyId"]) -> dict[str, Any]:
            return dict(iam.get_access_key_last_used(AccessKeyId=key_id)["AccessKeyLastUsed"])

        used = _guard(notes, "iam:GetAccessKeyLastUsed", "last-used date unknown", last_used)
        service = (used or {}).get("ServiceName")
        out.append(AccessKey(k["AccessKeyId"], name, k.get("Status", "Unknown"), k.get("CreateDate"),
                             (used or {}).get("LastUsedDate"), None if service in (None, "N/A") else service))
    return tuple(out)


def _slot_of(created: Any, reported: Sequence[_ReportKey]) -> _ReportKey | None:
    """The report slot of the key created at `created`; None when none matches, or when two keys
    created in the same second tell different stories."""
    if not isinstance(created, datetime):
        return None
    second = _utc_second(created)
    found = {(r.last_used, r.service): r for r in reported if _utc_second(r.created) == second}
    return next(iter(found.values())) if len(found) == 1 else None


def _utc_second(d: datetime) -> datetime:
    return aware(d).astimezone(UTC).replace(microsecond=0)


# ---------------------------------------------------------------- deactivation

@dataclass(frozen=True)
class KeyOwner:
    account_id: str
    user_name: str
    status: str


def find_key(session: Any, key_id: str, opts: AwsOptions) -> KeyOwner:
    account, _ = caller_account(session, opts)
    iam = client(session, "iam", opts)
    try:
        user = iam.get_access_key_last_used(AccessKeyId=key_id).get("UserName")
        keys = _all(iam, "list_access_keys", "AccessKeyMetadata", UserName=user) if user else []
    except ClientError as e:
        code = error_code(e)
        if code == "NoSuchEntity":
            raise CloudError(f"{key_id} is not an access key of account {account}") from e
        raise CloudError(f"cannot look up {key_id} ({code})") from e
    except NO_ANSWER as e:
        raise CloudError(f"no answer from IAM ({type(e).__name__})") from e
    status = next((k.get("Status", "Unknown") for k in keys if k["AccessKeyId"] == key_id), None)
    if not user or status is None:
        raise CloudError(f"{key_id} is not an access key of account {account}")
    return KeyOwner(account, user, status)


def deactivate_key(session: Any, key_id: str, owner: KeyOwner, opts: AwsOptions) -> None:
    try:
        client(session, "iam", opts).update_access_key(UserName=owner.user_name, AccessKeyId=key_id,
                                                       Status="Inactive")
    except ClientError as e:
        raise CloudError(f"cannot deactivate {key_id} ({error_code(e)})") from e
    except NO_ANSWER as e:
        raise CloudError(f"no answer from IAM ({type(e).__name__})") from e
