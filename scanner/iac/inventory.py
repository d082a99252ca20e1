"""The machine identities that Terraform configuration and state declare.

The IAM cross-check joins these with the cloud's own inventory to tell credentials that
code manages from untracked ones. Configuration gives the file and line; state gives
what Terraform created (access key ids, ARNs, owners).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.errors import SourceError
from scanner.iac import file_kind
from scanner.iac.hcl import Block, Document, Expr, HclSyntaxError, Kind, parse_hcl
from scanner.iac.tfjson import parse_json
from scanner.iac.tfstate import State, StateError, StateInstance, load_state

log = logging.getLogger(__name__)

IDENTITY_KINDS = (
    "aws_iam_user", "aws_iam_access_key", "aws_iam_role", "google_service_account",
    "google_service_account_key", "azuread_application_password", "azuread_service_principal_password",
)
_SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn"})


@dataclass(frozen=True)
class IacIdentity:
    """One identity. `name` is the identity's own name when the code states it (IAM user or role
    name, service account id, password display name), else the resource label. `user` is the
    owning principal: the IAM user of an access key, the service account of a key, the
    application of a password; for users and service accounts, themselves; None for roles."""

    kind: str  # Terraform resource type, e.g. "aws_iam_access_key"
    name: str
    address: str  # e.g. "aws_iam_access_key.deployer", "module.ci.aws_iam_user.ci"
    path: str
    line: int | None  # None for state
    key_id: str | None  # access key id / key id (from state)
    user: str | None
    managed_by: str  # "config" | "state"
    arn: str | None = None
    status: str | None = None
    created: str | None = None


# -- configuration --------------------------------------------------------------------------

_NAME_ATTRIBUTE = {
    "aws_iam_user": "name", "aws_iam_role": "name", "google_service_account": "account_id",
    "azuread_application": "display_name", "azuread_application_password": "display_name",
}
_OWNER_ATTRIBUTES = {
    "aws_iam_access_key": ("user",),
    "google_service_account_key": ("service_account_id",),
    "azuread_application_password": ("application_id", "application_object_id"),
    "azuread_service_principal_password": ("service_principal_id",),
    "azuread_service_principal": ("client_id", "application_id"),
}


class _Index:
    """Resource blocks of one Terraform module (a directory), by (type, name)."""

    def __init__(self, blocks: Iterable[Block]) -> None:
        self.blocks = {(b.labels[0], b.labels[1]): b for b in blocks
                       if b.type == "resource" and len(b.labels) == 2}

    def literal(self, block: Block, attr: str) -> str | None:
        a = block.attribute(attr)
        if a is None or a.value.kind not in (Kind.STRING, Kind.TEMPLATE):
            return None
        return a.value.text

    def principal(self, block: Block, depth: int) -> str | None:
        """The name of the principal a block declares (following references a few steps)."""
        rtype = block.labels[0]
        if rtype == "google_service_account":
            account = self.literal(block, "account_id")
            project = self.literal(block, "project")
            if account and project and "${" not in project:
                return f"{account}@{project}.iam.gserviceaccount.com"
            return account
        if rtype in _NAME_ATTRIBUTE:
            return self.literal(block, _NAME_ATTRIBUTE[rtype])
        return self.owner(block, depth)

    def owner(self, block: Block, depth: int) -> str | None:
        for attr in _OWNER_ATTRIBUTES.get(block.labels[0], ()):
            a = block.attribute(attr)
            if a is not None:
                return self.resolve(a.value, depth)
        return None

    def resolve(self, e: Expr, depth: int) -> str | None:
        if e.kind in (Kind.STRING, Kind.TEMPLATE):
            return e.text
        if e.kind is not Kind.REFERENCE:
            return None
        parts = e.text.split(".")
        if len(parts) >= 2 and depth < 4:
            target = self.blocks.get((parts[0], parts[1].split("[", 1)[0]))
            if target is not None:
                return self.principal(target, depth + 1) or e.text
        return e.text


def identities_from_config(path: str, doc: Document, index: _Index | None = None) -> list[IacIdentity]:
    idx = index or _Index(doc.blocks)
    out = []
    for b in doc.blocks:
        if b.type != "resource" or len(b.labels) != 2 or b.labels[0] not in IDENTITY_KINDS:
            continue
        rtype, label = b.labels
        own = idx.literal(b, _NAME_ATTRIBUTE[rtype]) if rtype in _NAME_ATTRIBUTE else None
        if rtype in ("aws_iam_user", "google_service_account"):
            user = idx.principal(b, 0)
        elif rtype == "aws_iam_role":
            user = None
        else:
            user = idx.owner(b, 0)
        out.append(IacIdentity(kind=rtype, name=own or label, address=f"{rtype}.{label}", path=path,
                               line=b.line, key_id=None, user=user, managed_by="config"))
    return out


# -- state ----------------------------------------------------------------------------------

def _text(attrs: Mapping[str, Any], *names: str) -> str | None:
    for n in names:
        v = attrs.get(n)
        if isinstance(v, str) and v:
            return v
    return None


def _after(value: str | None, marker: str) -> str | None:
    if value is None:
        return None
    return value.rsplit(marker, 1)[-1] if marker in value else value


def _state_identity(path: str, inst: StateInstance) -> IacIdentity | None:
    a = inst.attributes
    t = inst.type
    key_id = user = None
    name = inst.name
    if t == "aws_iam_access_key":
        key_id, user = _text(a, "id"), _text(a, "user")
    elif t == "aws_iam_user":
        name = _text(a, "name") or name
        user = name
    elif t == "aws_iam_role":
        name = _text(a, "name") or name
    elif t == "google_service_account":
        name = _text(a, "account_id") or name
        user = _text(a, "email")
    elif t == "google_service_account_key":
        key_id = _after(_text(a, "name", "id"), "/keys/")
        user = _after(_text(a, "service_account_id"), "/serviceAccounts/")
    elif t == "azuread_application_password":
        name = _text(a, "display_name") or name
        key_id = _text(a, "key_id")
        user = _after(_text(a, "application_id", "application_object_id"), "/applications/")
    elif t == "azuread_service_principal_password":
        key_id = _text(a, "key_id")
        user = _after(_text(a, "service_principal_id"), "/servicePrincipals/")
    else:
        return None
    return IacIdentity(kind=t, name=name, address=inst.address, path=path, line=None, key_id=key_id,
                       user=user, managed_by="state", arn=_text(a, "arn"), status=_text(a, "status"),
                       created=_text(a, "create_date", "valid_after", "start_date"))


def identities_from_state(path: str, state: State) -> list[IacIdentity]:
    out = []
    for inst in state.instances:
        if inst.mode != "managed":
            continue
        ident = _state_identity(path, inst)
        if ident is not None:
            out.append(ident)
    return out


# -- files (the I/O edge) -------------------------------------------------------------------

def _files(paths: Sequence[str]) -> Iterator[str]:
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                for f in sorted(files):
                    yield os.path.join(root, f)
        elif os.path.exists(p):
            yield p
        else:
            raise SourceError(f"{p}: no such file or directory")


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError as e:
        log.warning("%s: cannot read: %s", path, e.strerror or e)
        return None


def collect_inventory(paths: Sequence[str]) -> list[IacIdentity]:
    """Identities declared by the Terraform files (config and state) under `paths`.

    State backups (`*.tfstate.backup`) are skipped: they describe an older version of the
    same resources."""
    configs: dict[str, list[tuple[str, Document]]] = {}
    out: list[IacIdentity] = []
    for path in _files(paths):
        kind = file_kind(path)
        if kind not in ("tf", "tf.json", "tfstate") or path.endswith(".backup"):
            continue
        text = _read(path)
        if text is None or not any(k in text for k in IDENTITY_KINDS):
            continue
        try:
            if kind == "tfstate":
                out.extend(identities_from_state(path, load_state(text)))
            else:
                doc = parse_json(text, tfvars=False) if kind == "tf.json" else parse_hcl(text)
                configs.setdefault(os.path.dirname(path), []).append((path, doc))
        except (HclSyntaxError, StateError) as e:
            log.warning("%s: %s; skipped", path, e)
    for docs in configs.values():
        index = _Index(b for _, d in docs for b in d.blocks)
        for path, doc in docs:
            out.extend(identities_from_config(path, doc, index))
    return sorted(out, key=lambda i: (i.path, i.line or 0, i.address))
