"""Identity posture with plain values: people and machines judged by their own rules."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scanner.cloud.activity import TrailFolder
from scanner.cloud.model import AccessKey, AccountInventory, Grant, IamRole, IamUser
from scanner.cloud.posture import IDENTITY_FLAGS, Identity, PostureOptions, identities

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ACCOUNT = "123456789012"
ADMIN = Grant("admin", document={"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
KEY = "AKIARZPUZDIKI3AXJPWI"


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def person(name: str = "alice", *, mfa: bool = True, used: int = 2, **kw: Any) -> IamUser:
    return IamUser(name, f"arn:aws:iam::{ACCOUNT}:user/{name}", ago(300), kw.pop("tags", {}), (),
                   kw.pop("grants", ()), kw.pop("keys", ()), console_access=True, mfa=mfa,
                   password_last_used=ago(used), password_changed=kw.pop("changed", ago(30)))


def machine(name: str = "ci", *, used: int | None = 1, age: int = 30, **kw: Any) -> IamUser:
    k = AccessKey(KEY, name, "Active", ago(age), None if used is None else ago(used), "s3")
    return IamUser(name, f"arn:aws:iam::{ACCOUNT}:user/{name}", ago(age), kw.pop("tags", {"owner": "alice"}), (),
                   kw.pop("grants", ()), (k,), console_access=kw.pop("console", False), mfa=False)


def role(name: str, trust: Any = None, *, used: int | None = 1, **kw: Any) -> IamRole:
    return IamRole(name, kw.pop("arn", f"arn:aws:iam::{ACCOUNT}:role/{name}"), ago(200),
                   kw.pop("tags", {"owner": "alice"}), trust, kw.pop("grants", ()),
                   None if used is None else ago(used))


def run(users: tuple[IamUser, ...] = (), roles: tuple[IamRole, ...] = (), **opts: Any) -> dict[str, Identity]:
    inv = AccountInventory(ACCOUNT, "test", users, roles=roles)
    return {i.name: i for i in identities([inv], PostureOptions(now=NOW, **opts))}


def test_kind_comes_from_the_tag_and_otherwise_from_evidence_and_says_which() -> None:
    found = run((person(), machine(), machine("ops", tags={"kind": "Human", "owner": "x"}),
                 machine("odd", tags={"kind": "robot-ish", "owner": "x"})),
                (role("deploy"),))
    assert found["alice"].kind == "person" and "evidence" in found["alice"].reasons[0]
    assert found["ci"].kind == "machine" and found["deploy"].kind == "machine"
    assert found["ops"].kind == "person" and "kind from tag kind=Human" in found["ops"].reasons
    assert found["odd"].kind == "machine" and any("robot-ish" in r for r in found["odd"].reasons)


def test_a_person_without_mfa_is_flagged_and_a_machine_never_is() -> None:
    found = run((person(mfa=False), machine()))
    assert found["alice"].flags == ("person-without-mfa",) and found["alice"].risk == "high"
    assert "person-without-mfa" not in found["ci"].flags


def test_with_sso_a_person_with_an_iam_password_is_a_local_login() -> None:
    assert "person-local-login" in run((person(),), sso=True)["alice"].flags
    assert "person-local-login" not in run((person(),))["alice"].flags


def test_a_machine_with_a_console_password_is_used_by_hand() -> None:
    found = run((machine(tags={"kind": "service", "owner": "bob"}, console=True),))
    assert found["ci"].flags == ("machine-console-login",) and found["ci"].risk == "high"


def test_idle_people_are_high_idle_machines_low_and_break_glass_is_meant_to_be_idle() -> None:
    found = run((person(used=100), machine(used=100), person("bg", used=400, tags={"kind": "break-glass",
                                                                                    "owner": "sec"})))
    assert "unused" in found["alice"].flags and found["alice"].risk == "high"
    assert "de-provision" in " ".join(found["alice"].reasons)
    assert "unused" in found["ci"].flags and found["ci"].risk == "low"
    assert "confirm with its owner" in " ".join(found["ci"].reasons)
    assert "unused" not in found["bg"].flags


def test_as_of_moves_the_judgement_date() -> None:
    later = PostureOptions(now=NOW + timedelta(days=60))
    [i] = identities([AccountInventory(ACCOUNT, "t", (person(used=2),))], later)
    assert "unused" in i.flags
    assert i.last_activity == ago(2)


def test_a_new_identity_not_used_yet_is_not_unused() -> None:
    assert "unused" not in run((machine(used=None, age=3),))["ci"].flags
    assert "unused" in run((machine(used=None, age=90),))["ci"].flags


def test_owner_departed_by_tag_by_creator_and_for_a_person_who_left() -> None:
    trail = TrailFolder()
    trail.add({"eventTime": "2025-01-02T03:04:05Z", "eventName": "CreateUser", "recipientAccountId": ACCOUNT,
               "userIdentity": {"type": "IAMUser", "userName": "bob", "accountId": ACCOUNT},
               "requestParameters": {"userName": "backup"}})
    found = run((machine("ci", tags={"owner": "Carol@Example.com"}), machine("backup", tags={}), person("dave")),
                departed=frozenset({"carol@example.com", "bob", "dave"}), trail=trail.evidence())
    assert "owner-departed" in found["ci"].flags and found["ci"].owner_departed
    backup = found["backup"]
    assert backup.created_by == "bob" and backup.owner == "bob" and "owner-departed" in backup.flags
    assert "no-owner" not in backup.flags
    assert "owner-departed" in found["dave"].flags


def test_machines_and_break_glass_need_an_owner_people_do_not() -> None:
    found = run((machine(tags={}), person(), person("bg", tags={"kind": "break-glass"})), (role("r", tags={}),))
    assert "no-owner" in found["ci"].flags and "no-owner" in found["r"].flags and "no-owner" in found["bg"].flags
    assert "no-owner" not in found["alice"].flags


def test_break_glass_with_an_old_password_or_key_is_unrotated() -> None:
    bg = person("bg", tags={"kind": "break-glass", "owner": "sec"}, changed=ago(500))
    assert run((bg,))["bg"].flags == ("break-glass-unrotated",)
    fresh = replace(bg, password_changed=ago(10))
    assert run((fresh,))["bg"].flags == ()
    keyed = replace(fresh, keys=(AccessKey(KEY, "bg", "Active", ago(200)),))
    assert "break-glass-unrotated" in run((keyed,))["bg"].flags


def test_an_expires_tag_in_the_past_on_an_active_identity() -> None:
    found = run((machine(tags={"owner": "a", "expires": "2026-01-31"}),
                 machine("later", tags={"owner": "a", "expires": "2027-01-31"}),
                 machine("junk", tags={"owner": "a", "expires": "soon"})))
    assert "expired" in found["ci"].flags and found["ci"].risk == "high"
    assert "expired" not in found["later"].flags
    assert "expired" not in found["junk"].flags and any("not a date" in r for r in found["junk"].reasons)


def test_trust_problems_become_role_flags_and_admin_behind_them_is_critical() -> None:
    anyone = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}
    vendor = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                             "Action": "sts:AssumeRole"}]}
    found = run(roles=(role("open", anyone, grants=(ADMIN,)), role("vendor", vendor),
                       role("partner", vendor)), trusted_accounts=frozenset({"999999999999"}))
    assert set(found["open"].flags) == {"wildcard-trust", "over-privileged"} and found["open"].risk == "critical"
    assert found["vendor"].flags == () and found["partner"].flags == ()
    found = run(roles=(role("vendor", vendor),))
    assert found["vendor"].flags == ("third-party-trust-without-external-id",)
    assert found["vendor"].trusts[0].account == "999999999999"


def test_over_privileged_through_any_grant_and_service_linked_roles_are_left_alone() -> None:
    linked = role("AWSServiceRoleForSupport", arn=f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/support/x",
                  tags={}, used=None, grants=(ADMIN,))
    found = run((machine(grants=(ADMIN,)),), (linked,), declared=frozenset())
    assert {"over-privileged", "untracked"} <= set(found["ci"].flags)
    assert found["AWSServiceRoleForSupport"].flags == ()


def _calls(ip: str, key: str = KEY, user: str = "ci", when: str = "2026-05-30T10:00:00Z") -> dict[str, Any]:
    return {"eventTime": when, "eventName": "GetObject", "sourceIPAddress": ip,
            "userIdentity": {"type": "IAMUser", "userName": user, "accountId": ACCOUNT, "accessKeyId": key}}


def test_a_machine_calling_from_outside_its_range_is_flagged_a_person_is_not() -> None:
    trail = TrailFolder()
    trail.add_all([_calls("10.1.2.3"), _calls("203.0.113.7"), _calls("203.0.113.7", when="2026-05-31T00:00:00Z"),
                   _calls("198.51.100.4", key="AKIAOTHERKEY00000000", user="alice"),
                   _calls("s3.amazonaws.com")])
    found = run((machine(), person()), allowed_cidrs=(ipaddress.ip_network("10.0.0.0/8"),), trail=trail.evidence())
    ci = found["ci"]
    assert "outside-allowed-network" in ci.flags and ci.risk == "high"
    assert any("203.0.113.7" in r and "2 call(s)" in r for r in ci.reasons)
    assert {s.address for s in ci.source_ips} == {"10.1.2.3", "203.0.113.7"}
    assert ci.last_activity == datetime(2026, 5, 31, tzinfo=UTC)
    assert "outside-allowed-network" not in found["alice"].flags
    # without a range nothing is judged
    assert "outside-allowed-network" not in run((machine(),), trail=trail.evidence())["ci"].flags


def test_identities_are_sorted_riskiest_first_and_serialise_every_field() -> None:
    found = identities([AccountInventory(ACCOUNT, "t", (machine(), person(mfa=False, grants=(ADMIN,))))],
                       PostureOptions(now=NOW))
    assert [i.name for i in found] == ["alice", "ci"] and found[0].risk == "critical"
    d = found[0].to_dict()
    assert set(d) >= {"account_id", "arn", "name", "type", "kind", "owner", "owner_departed", "console_access",
                      "mfa", "created", "last_activity", "access_keys", "trusts", "flags", "risk", "reasons"}
    assert d["type"] == "user" and d["kind"] == "person" and d["created"].startswith("2025-08")
    assert set(d["flags"]) <= set(IDENTITY_FLAGS)


@pytest.mark.parametrize("kind_value", ["machine", "SERVICE"])
def test_a_custom_kind_tag_name(kind_value: str) -> None:
    found = run((person(tags={"identity-type": kind_value, "owner": "a"}),), kind_tag="identity-type")
    assert found["alice"].kind == "machine" and "machine-console-login" in found["alice"].flags


def test_policies_that_do_not_parse_are_said_and_the_rest_still_judged() -> None:
    broken = Grant("half-written", document="{\"Statement\": [")
    found = run((machine(grants=(broken, ADMIN)),), (role("r", "%7Bnot json"),))
    assert "over-privileged" in found["ci"].flags
    assert any("half-written could not be read" in r for r in found["ci"].reasons)
    assert any("trust policy could not be read" in r for r in found["r"].reasons) and found["r"].trusts == ()


def test_a_live_key_made_by_someone_who_left_counts_against_its_user() -> None:
    trail = TrailFolder()
    trail.add({"eventTime": "2026-01-02T03:04:05Z", "eventName": "CreateAccessKey", "recipientAccountId": ACCOUNT,
               "userIdentity": {"type": "AssumedRole", "accountId": ACCOUNT,
                                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/erin@example.com"},
               "requestParameters": {"userName": "ci"},
               "responseElements": {"accessKey": {"accessKeyId": KEY, "userName": "ci"}}})
    found = run((machine(),), departed=frozenset({"erin@example.com"}), trail=trail.evidence())
    assert "owner-departed" in found["ci"].flags
    assert any(f"{KEY} was created by erin@example.com" in r for r in found["ci"].reasons)
    assert "owner-departed" not in run((machine(),), trail=trail.evidence())["ci"].flags


def test_console_without_mfa_is_flagged_when_keys_in_use_leave_the_kind_open() -> None:
    shared = replace(person("shared", mfa=False), keys=(AccessKey(KEY, "shared", "Active", ago(10), ago(1), "s3"),))
    found = run((shared, replace(shared, name="guarded", mfa=True)))
    assert found["shared"].kind == "unknown" and "person-without-mfa" in found["shared"].flags
    assert any("kind unknown: tag it" in r for r in found["shared"].reasons)
    assert found["guarded"].flags == ()
