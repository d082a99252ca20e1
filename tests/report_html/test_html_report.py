"""The HTML report: self-contained, escaped, masked, and filterable in a real headless Chromium."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.models import Confidence, Severity, VerificationStatus
from scanner.report.base import ReportContext, mask
from scanner.report.html import render
from tests.report_html.cdp import Browser, Page, find_chromium
from tests.store.builders import AWS_KEY_ID, AWS_SECRET, GITHUB_TOKEN, aws_pair, make_finding

HOSTILE = "<img src=x onerror=window.pwned=1>"
GENERATED = "2024-06-01T00:00:00Z"


def sample_findings():
    key, sec = aws_pair(path="deploy/env.sh")
    sec = replace(sec, verification=make_finding(AWS_SECRET, verification=VerificationStatus.VALID).verification)
    repo = {"repository": "/srv/git/payments"}
    return [
        replace(key, extra=repo), replace(sec, extra=repo),
        make_finding(GITHUB_TOKEN, "github-pat-classic", path=f"src/{HOSTILE}.py", author_name=HOSTILE,
                     subject="</script><script>window.pwned=2</script>", extra={"repository": "/srv/git/web"},
                     confidence=Confidence.HIGH, confidence_reason="checksum github valid"),
        make_finding("hunter2hunter2hunter2", "generic-password", path="ops/db.cfg", severity=Severity.MEDIUM,
                     author_email="ops@example.com", author_name="Ops", extra={"repository": "/srv/git/web"}),
        make_finding("plainfile-secret-value-123", "generic-password", path="notes.txt", commit=None,
                     author_name=None, author_email=None, date=None, severity=Severity.MEDIUM),
    ]


IAM = [{"access_key_id": AWS_KEY_ID, "account_id": "123456789012", "user_name": "deploy-bot", "status": "Active",
        "created": "2023-01-01T00:00:00Z", "age_days": 517, "last_used": "2024-05-30T08:00:00Z",
        "flags": ["leaked", "leaked-active", "over-privileged"], "risk": "critical",
        "leaks": [{"path": "deploy/env.sh", "line": 1, "date": "2024-01-01T00:00:00+00:00"},
                  {"path": "old/env.sh", "line": 4, "date": "2024-02-01T00:00:00+00:00"}]}]


def page_html() -> str:
    ctx = ReportContext(tool_version="9.9", extra={"generated_at": GENERATED, "iam_credentials": IAM,
                                                   "source": "store /tmp/x.db"})
    return render(sample_findings(), ctx)


def test_hostile_text_is_escaped_and_secrets_masked() -> None:
    out = page_html()
    assert HOSTILE not in out
    assert "&lt;img src=x onerror=window.pwned=1&gt;" in out
    assert "<script>window.pwned" not in out
    for secret in (AWS_SECRET, GITHUB_TOKEN, "hunter2hunter2hunter2"):
        assert secret not in out
    assert mask(GITHUB_TOKEN) in out


def test_self_contained() -> None:
    out = page_html()
    assert not re.search(r"<(link|img|iframe|object|embed)\b", out)
    assert not re.search(r"<[^>]*\b(src|href)\s*=", out)
    assert "default-src 'none'" in html.unescape(out)
    assert out.count("<script>") == 1 and out.count("<style>") == 1


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    exe = find_chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (Debian package 'chromium'; .ci/run installs it)")
    b = Browser(exe)
    yield b
    b.close()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(page_html(), encoding="utf-8")
    return path


# The Location column is found by its header, so adding a column does not silently shift what is read.
VISIBLE = ("(() => { const col = Array.from(document.querySelectorAll('#findings thead th'))"
           ".findIndex(th => th.textContent === 'Location');"
           " return Array.from(document.querySelectorAll('#findings tbody tr')).filter(tr => tr.offsetParent !== null)"
           ".map(tr => tr.getAttribute('data-rule') + ' ' + tr.cells[col].textContent); })()")


def visible(page: Page) -> list[str]:
    return sorted(page.evaluate(VISIBLE))


def test_filtering_in_the_page(browser: Browser, report_file: Path) -> None:
    page = browser.open(report_file.as_uri())
    assert len(visible(page)) == 5
    page.type_into("#filter-text", "deploy/")
    assert visible(page) == ["aws-access-key-id deploy/env.sh:1", "aws-secret-access-key deploy/env.sh:2"]
    assert page.evaluate("document.getElementById('shown-count').textContent") == "2"
    page.choose("#filter-severity", "critical")
    assert visible(page) == ["aws-secret-access-key deploy/env.sh:2"]
    page.evaluate("document.getElementById('filter-text').value = ''")
    page.choose("#filter-severity", "")
    page.choose("#filter-rule", "generic-password")
    assert visible(page) == ["generic-password notes.txt:3", "generic-password ops/db.cfg:3"]


def test_confidence_filter_and_fragment(browser: Browser, report_file: Path) -> None:
    page = browser.open(report_file.as_uri())
    page.choose("#filter-confidence", "high")
    assert visible(page) == [f"github-pat-classic src/{HOSTILE}.py:3"]
    assert page.evaluate("document.getElementById('shown-count').textContent") == "1"
    page.choose("#filter-confidence", "medium")
    assert len(visible(page)) == 4
    page = browser.open(report_file.as_uri() + "#confidence=high")
    assert visible(page) == [f"github-pat-classic src/{HOSTILE}.py:3"]


def test_link_fragment_sets_the_initial_filter(browser: Browser, report_file: Path) -> None:
    page = browser.open(report_file.as_uri() + "#q=ops%40example&rule=generic-password")
    assert visible(page) == ["generic-password ops/db.cfg:3"]
    assert page.evaluate("document.getElementById('filter-text').value") == "ops@example"


def test_hostile_repository_content_stays_text(browser: Browser, report_file: Path) -> None:
    page = browser.open(report_file.as_uri())
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    cells = page.evaluate("Array.from(document.querySelectorAll('#findings td')).map(td => td.textContent)")
    assert f"src/{HOSTILE}.py:3" in cells and f"{HOSTILE} <dev1@example.com>" in cells


def test_totals_breakdowns_and_live_ages(browser: Browser, report_file: Path) -> None:
    page = browser.open(report_file.as_uri())
    cards = page.evaluate("Array.from(document.querySelectorAll('#totals .card')).map(c => c.textContent)")
    assert {"5findings", "5distinct secrets", "2repositories", "3committers", "1live credentials"} <= set(cards)
    tables = page.evaluate("Array.from(document.querySelectorAll('.grid section')).map(s => s.innerText)")
    by_rule, by_repo, by_committer = tables
    assert "generic-password\t2\t2" in by_rule
    assert "/srv/git/web\t2\t2" in by_repo and "(no repository)\t1\t1" in by_repo
    assert "Dev One <dev1@example.com>\t2\t2" in by_committer
    live = page.evaluate("document.getElementById('live').innerText")
    assert AWS_KEY_ID in live and "deploy-bot" in live
    assert "2024-01-01" in live and "152 days" in live  # first leak -> generated_at


def test_long_breakdowns_sum_the_tail() -> None:
    findings = [make_finding(f"{GITHUB_TOKEN}{i:03d}", extra={"repository": f"/srv/git/r{i:02d}"}) for i in range(30)]
    out = render(findings, ReportContext(extra={"generated_at": GENERATED}))
    assert "/srv/git/r29" in out and '<tr class="muted"><td>5 more</td><td class="num">5</td>' in out
    assert out.count('<tr data-severity="high"') == 30  # every finding is still in the list
