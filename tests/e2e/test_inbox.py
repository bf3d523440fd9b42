"""`GET /_local/inbox` on the local stack: every email on one readable page, newest first, links working;
and `make run`'s banner points at it."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import serious_violations
from tests.e2e.conftest import LOG, all_emails, emails_about, http, post_json, request_item, wait_for

pytestmark = pytest.mark.e2e

REQUEST = {
    "kind": "self",
    "requester": {"name": "Dr. Inbox Reader", "email": "inbox.reader@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["workplace_change"],
    "modalities": ["video"],
}


@pytest.fixture(scope="module")
def reference(local_url: str) -> str:
    status, receipt = post_json(f"{local_url}/requests", REQUEST)
    assert status == 201
    found: str = receipt["reference"]
    # Matched, or (if the session's other tests have taken every video supporter) left for an administrator.
    assert wait_for(lambda: request_item(local_url, found)["status"] in ("matched", "needs_admin"))
    # Every email of it sent before the page is read: the confirmation, and the supporter's case link
    # and the note that they are matched (or the administrators' note that nobody could be). The
    # emails go out side by side, so the last can follow the match by a moment.
    every = 3 if request_item(local_url, found)["status"] == "matched" else 2
    assert wait_for(lambda: len(emails_about(local_url, found)) >= every, 10), emails_about(local_url, found)
    return found


def inbox(local_url: str) -> str:
    status, headers, body = http("GET", f"{local_url}/_local/inbox")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    return body.decode()


def test_every_email_is_on_the_page_newest_first(local_url: str, reference: str) -> None:
    # The stack is shared: other tests' emails may still be going out while this one reads.
    before = all_emails(local_url)
    page = inbox(local_url)
    sent = all_emails(local_url)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["sent_at"]) for e in sent)
    subjects = [unescape(s) for s in re.findall(r"<h2 id=\"m\d+\">(.*?)</h2>", page)]
    assert len(before) <= len(subjects) <= len(sent)
    # Newest first: the emails in the order sent, read backwards.
    mine = [e["subject"] for e in sent if reference in e["subject"]]
    assert [s for s in subjects if reference in s] == mine[::-1]
    assert f"<dd>{REQUEST['requester']['email']}</dd>" in page  # type: ignore[index]


def test_each_email_shows_its_plain_text_with_its_links_as_links(local_url: str, reference: str) -> None:
    page = inbox(local_url)
    for email in emails_about(local_url, reference):
        for url in re.findall(r"https?://\S+/actions/[A-Za-z0-9_.=-]+", email["text"]):
            assert f'<a href="{url}">{url}</a>' in page
    case_links = re.findall(r'<a href="(http://[^"]+/actions/[^"]+)">', page)
    assert case_links
    status, _, body = http("GET", unescape(case_links[0]), headers={"Accept": "text/html"})
    assert status == 200, body[:200]


def test_the_banner_points_at_the_inbox(local_url: str) -> None:
    assert any(f"{local_url}/_local/inbox" in line for line in LOG)


@pytest.mark.browser
def test_the_inbox_reads_well(local_url: str, reference: str, audited_page: Page, axe_path: Path) -> None:
    audited_page.goto(f"{local_url}/_local/inbox")
    assert audited_page.get_by_role("heading", level=1).inner_text() == "Inbox"
    assert audited_page.locator("a[href*='/actions/']").count() >= 1
    assert not serious_violations(audited_page, axe_path)
