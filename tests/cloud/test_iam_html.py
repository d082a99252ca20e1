"""`iam report --format html`: identities grouped by owner, escaped, filterable in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.cloud.crosscheck import CrosscheckOptions, crosscheck
from scanner.cloud.html import render_html
from scanner.cloud.model import AccessKey, AccountInventory, IamRole, IamUser
from scanner.cloud.posture import PostureOptions, identities, joined
from tests.cloud.test_posture import ADMIN, NOW, ago
from tests.report_html.cdp import Browser, find_chromium
from tests.verify.fakes import finding

ACCOUNT = "123456789012"
HOSTILE = "<img src=x onerror=window.pwned=1>"
CI_KEY = "AKIARZPUZDIKI3AXJPWI"


def sample() -> str:
    alice = IamUser("alice", f"arn:aws:iam::{ACCOUNT}:user/alice", ago(300), {}, (), (ADMIN,), (),
                    console_access=True, mfa=False, password_last_used=ago(1))
    bob = IamUser("bob", f"arn:aws:iam::{ACCOUNT}:user/bob", ago(300), {}, (), (), (), console_access=True, mfa=True,
                  password_last_used=ago(1))
    ci = IamUser("ci", f"arn:aws:iam::{ACCOUNT}:user/ci", ago(100), {"owner": "alice"}, (), (),
                 (AccessKey(CI_KEY, "ci", "Active", ago(100), ago(1), "s3"),), console_access=False, mfa=False)
    odd = IamUser("odd", f"arn:aws:iam::{ACCOUNT}:user/odd", ago(100), {"owner": HOSTILE}, (), (),
                  (AccessKey("AKIARZPUZDIKH7VBXN2M", "odd", "Active", ago(10), ago(1), "s3"),),
                  console_access=False, mfa=False)
    vendor = IamRole("vendor", f"arn:aws:iam::{ACCOUNT}:role/vendor", ago(50), {"owner": "bob"},
                     {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "999999999999"},
                                     "Action": "sts:AssumeRole"}]}, (), ago(2))
    inv = [AccountInventory(ACCOUNT, "test", (alice, bob, ci, odd), roles=(vendor,))]
    leak = finding("aws-access-key-id", CI_KEY, path=f"deploy/{HOSTILE}.sh", line=3)
    report = crosscheck(inv, [leak], None, CrosscheckOptions(now=NOW))
    return render_html(joined(report, identities(inv, PostureOptions(now=NOW, departed=frozenset({"alice"}))),
                              None), "9.9")


def test_escaped_and_self_contained() -> None:
    out = sample()
    assert HOSTILE not in out and "&lt;img src=x onerror=window.pwned=1&gt;" in out
    assert not re.search(r"<(link|img|iframe|object|embed)\b", out)
    assert out.count("<script>") == 1 and "default-src &#x27;none&#x27;" in out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    exe = find_chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (Debian package 'chromium'; .ci/run installs it)")
    b = Browser(exe)
    yield b
    b.close()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("iam") / "iam.html"
    path.write_text(sample(), encoding="utf-8")
    return path


def shown(page: object) -> list[str]:
    return page.evaluate(  # type: ignore[attr-defined,no-any-return]
        "Array.from(document.querySelectorAll('tr.identity')).filter(r => !r.hidden)"
        ".map(r => r.getAttribute('data-name'))")


def test_people_head_their_groups_with_what_they_own(browser: Browser, page_file: Path) -> None:
    page = browser.open(page_file.as_uri())
    heads = page.evaluate("Array.from(document.querySelectorAll('section.owner h2')).map(h => h.textContent)")
    assert heads[0] == "alice left"  # critical person who left, first
    sections = page.evaluate("Array.from(document.querySelectorAll('section.owner')).map(s => "
                             "[s.getAttribute('data-owner'), Array.from(s.querySelectorAll('tr.identity'))"
                             ".map(r => r.getAttribute('data-name'))])")
    assert ["alice", ["alice", "ci"]] in sections and ["bob", ["bob", "vendor"]] in sections
    assert [HOSTILE, ["odd"]] in sections
    alice = page.evaluate("document.querySelector('section.owner').innerText")
    assert CI_KEY in alice and f"deploy/{HOSTILE}.sh:3" in alice and "person-without-mfa" in alice
    assert page.evaluate("typeof window.pwned") == "undefined" and page.evaluate("document.images.length") == 0
    cards = page.evaluate("Array.from(document.querySelectorAll('#totals .card')).map(c => c.textContent)")
    assert {"5identities", "2people", "1owners who left", "1leaked keys"} <= set(cards)


def test_filters_by_risk_kind_and_text(browser: Browser, page_file: Path) -> None:
    page = browser.open(page_file.as_uri())
    assert sorted(shown(page)) == ["alice", "bob", "ci", "odd", "vendor"]
    page.evaluate("var s = document.getElementById('filter-kind'); s.value = 'person';"
                  "s.dispatchEvent(new Event('change'))")
    assert sorted(shown(page)) == ["alice", "bob"]
    page.evaluate("var s = document.getElementById('filter-kind'); s.value = '';"
                  "s.dispatchEvent(new Event('change'));"
                  "var b = document.getElementById('filter-text'); b.value = 'third-party';"
                  "b.dispatchEvent(new Event('input'))")
    assert shown(page) == ["vendor"]
    hidden = page.evaluate("Array.from(document.querySelectorAll('section.owner')).filter(s => !s.hidden)"
                           ".map(s => s.getAttribute('data-owner'))")
    assert hidden == ["bob"]
    assert page.evaluate("document.getElementById('shown-count').textContent") == "1"


def test_text_lists_the_keys_a_person_created_for_other_users() -> None:
    from scanner.cloud.activity import TrailFolder
    from scanner.cloud.render import render_text

    trail = TrailFolder()
    trail.add({"eventTime": "2026-01-02T03:04:05Z", "eventName": "CreateAccessKey", "recipientAccountId": ACCOUNT,
               "userIdentity": {"type": "IAMUser", "userName": "bob", "accountId": ACCOUNT},
               "requestParameters": {"userName": "ci"},
               "responseElements": {"accessKey": {"accessKeyId": CI_KEY, "userName": "ci"}}})
    evidence = trail.evidence()
    bob = IamUser("bob", f"arn:aws:iam::{ACCOUNT}:user/bob", ago(300), {}, (), (), (), console_access=True, mfa=True,
                  password_last_used=ago(1))
    ci = IamUser("ci", f"arn:aws:iam::{ACCOUNT}:user/ci", ago(100), {"owner": "team-x"}, (), (),
                 (AccessKey(CI_KEY, "ci", "Active", ago(100), ago(1), "s3"),), console_access=False, mfa=False)
    inv = [AccountInventory(ACCOUNT, "test", (bob, ci))]
    report = joined(crosscheck(inv, [], None, CrosscheckOptions(now=NOW)),
                    identities(inv, PostureOptions(now=NOW, trail=evidence)), evidence)
    text = render_text(report)
    bob_group = text[text.index("\nbob\n"):]
    assert bob_group.splitlines()[2].strip().startswith(f"created keys of other users: {CI_KEY} (ci, active")
    assert "team-x" in text
    assert f"{CI_KEY} (ci" in render_html(report)
