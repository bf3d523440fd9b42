"""A supporter's own page as a supporter meets it: headless Chromium against the shared local stack.

Reached from the link in their email, it lists their open cases by reference and takes their
availability in a plain form: it must work with JavaScript off, name each answer to change beside its
field with the focus on the summary, and have no serious or critical WCAG 2.2 AA violations (axe-core)
as it opens, with mistakes, and once saved.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import error_summary_faults, error_summary_messages, fresh_page, serious_violations
from tests.e2e.conftest import ask_for_oneself, emails_about, get_json, http, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PAGE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/supporters/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")
HEADING = "Your cases and availability"


def a_free_supporter(local_url: str, token: str) -> None:
    """The stack is shared, and earlier tests may have taken every place: one more supporter, free."""
    found = get_json(f"{local_url}/_local/supporters")
    kept = ("open_count", "last_assigned_at", "version", "own_max_open", "training_reminded_for")
    roster = [{k: v for k, v in s.items() if k not in kept} for s in found]
    spare = {
        "supporter_id": f"e2e-page-{token}",
        # Not the requester's name: a supporter named as the person asking is left out as part of it.
        "name": f"Dr. Spare {token}",
        "email": f"ps.{token}@example.org",
    }
    body = json.dumps([*roster, {**spare, "modalities": ["in_person", "phone", "video"], "max_open": 5}])
    status, _, answer = http(
        "PUT", f"{local_url}/_local/supporters", body.encode(), {"Content-Type": "application/json"}
    )
    assert status == 200, answer


def own_page_link(local_url: str) -> tuple[str, str]:
    """A new request's reference, and the link to its supporter's own page from the assignment email."""
    token = uuid.uuid4().hex[:8]
    a_free_supporter(local_url, token)
    reference = ask_for_oneself(
        local_url, f"Dr Page {token}", f"page.{token}@example.org", ["other"], ["video", "phone", "in_person"]
    )

    def link() -> str:
        found = [
            m.group(0) for e in emails_about(local_url, reference) for m in PAGE_LINK.finditer(e["text"])
        ]
        return found[0] if found else ""

    # Generous: on the shared stack the emails wait their turn behind earlier tests' submissions.
    found = wait_for(link, 30)
    if not found:  # say where the request stands and what was sent about it
        from tests.e2e.conftest import request_item

        stands = request_item(local_url, reference).get("status")
        sent = [e["subject"] for e in emails_about(local_url, reference)]
        raise AssertionError(f"no supporter page link; status {stands}; sent {sent}")
    return reference, found


def test_the_page_lists_the_case_and_explains_mistakes_with_no_serious_wcag_violations(
    local_url: str, axe_path: Path, audited_page: Page
) -> None:
    reference, url = own_page_link(local_url)
    assert url, "no link to the supporter's page in the assignment email"
    page = audited_page
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADING)
    expect(page.get_by_role("cell", name=reference)).to_be_visible()
    assert serious_violations(page, axe_path) == []

    # A number above the cap and a last day before the first: the form again, each named by its field
    cap = page.get_by_label("The most cases you would like at once").get_attribute("max")
    page.get_by_label("The most cases you would like at once").fill(str(int(cap or "3") + 1))
    page.get_by_label("First day away").fill("2030-07-10")
    page.get_by_label("Last day away").fill("2030-07-01")
    page.get_by_role("button", name="Save my availability").click()
    expect(page.get_by_role("alert")).to_be_visible()
    messages = error_summary_messages(page)
    assert set(messages) == {"f-max_open", "f-away_until"}, messages
    assert f"from 1 to {cap}" in messages["f-max_open"]
    assert error_summary_faults(page) == []
    assert serious_violations(page, axe_path) == []

    # Put right, it is saved and says so; the answers stay as saved
    page.get_by_label("The most cases you would like at once").fill(str(cap))
    page.get_by_label("Last day away").fill("2030-07-20")
    page.get_by_role("button", name="Save my availability").click()
    expect(page.get_by_role("status")).to_contain_text("your availability is saved")
    expect(page.get_by_label("Last day away")).to_have_value("2030-07-20")
    assert serious_violations(page, axe_path) == []

    # And by keyboard alone: the pause box can be reached and ticked, then left as it was
    pause = page.get_by_label("Pause new requests for now")
    pause.focus()
    page.keyboard.press("Space")
    expect(pause).to_be_checked()


def test_a_change_is_saved_without_javascript(browser: Browser, local_url: str) -> None:
    reference, url = own_page_link(local_url)
    assert url, "no link to the supporter's page in the assignment email"
    with fresh_page(browser, java_script_enabled=False) as page:
        page.goto(url)
        expect(page.get_by_role("cell", name=reference)).to_be_visible()
        page.get_by_label("First day away").fill("2031-02-02")
        page.get_by_label("Last day away").fill("2031-02-09")
        page.get_by_role("button", name="Save my availability").click()
        expect(page.get_by_role("status")).to_contain_text("your availability is saved")
        expect(page.get_by_label("First day away")).to_have_value("2031-02-02")


CASE_LINK = re.compile(r"http://127\.0\.0\.1:\d+/actions/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


def test_closing_a_case_offers_a_debrief_after_the_counts(
    local_url: str, axe_path: Path, audited_page: Page
) -> None:
    reference, _ = own_page_link(local_url)
    to_supporter = [e for e in emails_about(local_url, reference) if PAGE_LINK.search(e["text"])]
    [case] = {m.group(0) for e in to_supporter for m in CASE_LINK.finditer(e["text"])}
    page = audited_page
    page.goto(case)
    page.get_by_role("button", name="I have made first contact").click()
    page.goto(case)
    debrief = page.get_by_label("I would like a debrief")
    expect(debrief).not_to_be_checked()
    assert serious_violations(page, axe_path) == []
    page.get_by_label("How many conversations did you have?").fill("2")
    page.get_by_label("By video").check()
    debrief.check()
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert serious_violations(page, axe_path) == []

    def told() -> list[dict[str, str]]:
        from tests.e2e.conftest import all_emails

        return [e for e in all_emails(local_url) if e["subject"].endswith("would like a debrief")]

    assert wait_for(told, 10)
    assert all(reference not in e["text"] for e in told())
