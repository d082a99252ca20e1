"""Why a set of IAM policies makes its holder over-privileged (pure)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import unquote

# attaching these AWS-managed policies is enough, whatever their document says today
ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "IAMFullAccess"})

# actions that let an identity grant itself more power (privilege escalation)
ESCALATION_ACTIONS = (
    "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:PassRole",
    "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
    "iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
)


def parse_document(document: Any) -> Mapping[str, Any] | None:
    """A policy document as a dict (IAM sometimes hands it out URL-encoded)."""
    if isinstance(document, Mapping):
        return document
    if isinstance(document, str):
        try:
            data = json.loads(unquote(document))
        except ValueError:
            return None
        return data if isinstance(data, Mapping) else None
    return None


def risky_grants(name: str, document: Any) -> list[str]:
    """Reasons why one policy is over-privileged; empty when it is not."""
    if name in ADMIN_POLICY_NAMES:
        return [f"{name} attached"]
    doc = parse_document(document)
    if doc is None:
        return []
    reasons: list[str] = []
    for st in statements(doc):
        if st.get("Effect") != "Allow" or not _any_resource(st):
            continue
        if "NotAction" in st:
            excluded = as_list(st["NotAction"])
            allowed = [a for a in ESCALATION_ACTIONS if not _matches(excluded, a)]
            if allowed:
                reasons.append(f"{name}: NotAction allows {', '.join(allowed[:3])} on *")
            continue
        actions = as_list(st.get("Action"))
        if "*" in actions:
            reasons.append(f"{name}: allows * on *")
            continue
        hits = [a for a in ESCALATION_ACTIONS if _matches(actions, a)]
        if hits:
            reasons.append(f"{name}: allows {', '.join(hits[:3])}{' ...' if len(hits) > 3 else ''} on *")
    return reasons


def statements(doc: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    st = doc.get("Statement", [])
    for s in st if isinstance(st, list) else [st]:
        if isinstance(s, Mapping):
            yield s


def _any_resource(st: Mapping[str, Any]) -> bool:
    return "NotResource" in st or "*" in as_list(st.get("Resource"))


def as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _matches(patterns: Iterable[str], action: str) -> bool:
    a = action.lower()
    return any(fnmatchcase(a, p.lower()) for p in patterns)
