"""The IAM inventory as plain values (what aws_iam reads and crosscheck joins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    user_name: str
    status: str  # Active | Inactive
    created: datetime | None = None
    last_used: datetime | None = None
    last_used_service: str | None = None


@dataclass(frozen=True)
class Grant:
    """A policy that reaches a user, directly (`via="user"`) or through a group."""

    name: str
    via: str = "user"
    arn: str | None = None
    document: Any = None


@dataclass(frozen=True)
class IamUser:
    name: str
    arn: str = ""
    created: datetime | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    grants: tuple[Grant, ...] = ()
    keys: tuple[AccessKey, ...] = ()
    console_access: bool | None = None  # a password: most likely a person
    mfa: bool | None = None
    password_last_used: datetime | None = None
    password_changed: datetime | None = None  # when the console password was last set


@dataclass(frozen=True)
class IamRole:
    name: str
    arn: str = ""
    created: datetime | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    trust: Any = None  # the assume-role policy document
    grants: tuple[Grant, ...] = ()
    last_used: datetime | None = None


@dataclass(frozen=True)
class AccountInventory:
    account_id: str | None
    source: str
    users: tuple[IamUser, ...] = ()
    notes: tuple[str, ...] = ()
    complete: bool = True  # every user and every key could be listed
    roles: tuple[IamRole, ...] = ()
