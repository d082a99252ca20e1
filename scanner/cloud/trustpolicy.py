"""Who may assume a role, read from its trust policy (pure).

Each Allow statement of an assume-role policy becomes a `Trust`: the principal (an AWS account or ARN,
an OIDC provider, a SAML provider, a service, or anyone), the conditions that narrow it, and what
is wrong with it: another account trusted without an external id, anyone trusted without a
restricting condition, or an OIDC provider (GitHub Actions and the like) trusted for any subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.cloud.policy import as_list, parse_document, statements

# condition keys that tie a statement to particular callers
RESTRICTING_KEYS = frozenset(k.lower() for k in (
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp",
    "aws:userid", "aws:username", "aws:PrincipalTag", "sts:ExternalId", "aws:CalledVia",
))
_ACCOUNT = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::|$)")
_OIDC_HOST = re.compile(r"oidc-provider/(.+)$")


@dataclass(frozen=True)
class Trust:
    kind: str  # aws | oidc | saml | service | anyone
    principal: str
    action: str
    conditions: tuple[str, ...]  # condition keys, as written
    account: str | None = None  # for kind "aws": the account the principal lives in
    problem: str | None = None  # a posture flag name
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "principal": self.principal, "action": self.action,
                "conditions": list(self.conditions), "account": self.account, "problem": self.problem}


def trusts(document: Any, trusted_accounts: Iterable[str]) -> tuple[Trust, ...]:
    """Every principal an assume-role policy lets in; `trusted_accounts` are the organisation's own."""
    doc = parse_document(document)
    if doc is None:
        return ()
    own = frozenset(trusted_accounts)
    out: list[Trust] = []
    for st in statements(doc):
        if st.get("Effect") != "Allow":
            continue
        action = ", ".join(as_list(st.get("Action"))) or "sts:AssumeRole"
        cond = _conditions(st.get("Condition"))
        for kind, principal in _principals(st.get("Principal")):
            out.append(_judge(kind, principal, action, cond, own))
    return tuple(out)


def _judge(kind: str, principal: str, action: str, cond: Mapping[str, list[tuple[str, str]]],
           own: frozenset[str]) -> Trust:
    keys = tuple(cond)
    lowered = {k.lower() for k in cond}
    if kind == "anyone":
        if lowered & RESTRICTING_KEYS or any(k.endswith(":sub") for k in lowered):
            return Trust(kind, principal, action, keys)
        return Trust(kind, principal, action, keys, problem="wildcard-trust",
                     reason="any AWS principal may assume it: the trust is '*' and no condition narrows it")
    if kind == "aws":
        m = _ACCOUNT.match(principal)
        account = m.group(1) if m else None
        if account and account not in own and "sts:externalid" not in lowered:
            return Trust(kind, principal, action, keys, account, problem="third-party-trust-without-external-id",
                         reason=f"account {account}, not one of ours, may assume it without an sts:ExternalId "
                                "condition (the confused-deputy guard)")
        return Trust(kind, principal, action, keys, account)
    if kind == "oidc":
        why = _oidc_unrestricted(principal, cond)
        if why:
            return Trust(kind, principal, action, keys, problem="oidc-subject-unrestricted", reason=why)
    return Trust(kind, principal, action, keys)


def _oidc_unrestricted(principal: str, cond: Mapping[str, list[tuple[str, str]]]) -> str | None:
    """Why an OIDC trust lets in any subject, or None when its `sub` condition pins one down."""
    m = _OIDC_HOST.search(principal)
    host = (m.group(1) if m else principal).lower()
    subs = [(op, v) for k, vals in cond.items() if k.lower() == f"{host}:sub" or k.lower().endswith(":sub")
            for op, v in vals]
    if not subs:
        return f"{host} tokens are trusted with no 'sub' condition: any repository or workflow may assume it"
    wide = [v for op, v in subs if _matches_anything(op, v)]
    if wide and len(wide) == len(subs):
        return f"{host} 'sub' condition {', '.join(repr(v) for v in wide)} matches any repository or branch"
    return None


def _matches_anything(op: str, value: str) -> bool:
    """A `sub` pattern that admits any repository (GitHub `repo:*`, `repo:org/*`... is an org's own
    repositories and passes) or any ref of a repository (`repo:org/app:*`)."""
    if "like" not in op.lower():  # StringEquals: '*' is a literal character
        return False
    v = value.strip()
    if v in ("*", "repo:*", "*:*") or v.startswith("repo:*"):
        return True
    parts = v.split(":")
    # repo:OWNER/NAME:* — any branch, tag, environment or pull request of the repository
    if len(parts) == 3 and parts[0] == "repo" and parts[2] == "*":
        return True
    # GitLab: project_path:group/project:* or ...:ref:*
    return parts[0] == "project_path" and (len(parts) < 3 or parts[-1] == "*") and "ref_type" not in v


def _principals(value: Any) -> Iterator[tuple[str, str]]:
    if value == "*":
        yield "anyone", "*"
        return
    if not isinstance(value, Mapping):
        return
    for key, raw in value.items():
        for p in as_list(raw):
            if key == "AWS":
                yield ("anyone", p) if p == "*" else ("aws", p)
            elif key == "Federated":
                yield ("oidc" if "oidc-provider/" in p or "saml-provider/" not in p and "." in p else "saml"), p
            elif key == "Service":
                yield "service", p
            else:
                yield key.lower(), p


def _conditions(value: Any) -> dict[str, list[tuple[str, str]]]:
    """Condition key -> [(operator, value)] for every operator block."""
    out: dict[str, list[tuple[str, str]]] = {}
    if not isinstance(value, Mapping):
        return out
    for op, block in value.items():
        if not isinstance(block, Mapping):
            continue
        for key, vals in block.items():
            out.setdefault(str(key), []).extend((str(op), v) for v in as_list(vals) or [str(vals)])
    return out
