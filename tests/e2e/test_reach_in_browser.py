"""Reach-in in the browser: a department head asks the program to invite a colleague, without JavaScript;
the colleague answers the invitation from its link. Every page has no serious WCAG 2.2 AA violation.

Chromium and axe-core as for `test_browser.py`: skipped locally without them, required in CI.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import error_summary_faults, error_summary_messages, fresh_page, serious_violations
from tests.e2e.conftest import emails_about, request_item, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

INVITE = "Please invite a colleague who has not asked"
LINK = re.compile(r"https?://\S+/actions/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


def people() -> tuple[tuple[str, str], tuple[str, str]]:
    """A referrer and a colleague no other test uses: the local stack is shared by the session."""
    token = uuid.uuid4().hex[:8]
    return (
        (f"Dr Head {token}", f"head.{token}@example.org"),
        (f"Dr Invited {token}", f"invited.{token}@example.org"),
    )


def assert_accessible(page: Page, axe_path: Path, javascript: bool) -> None:
    """axe-core finds nothing serious. It is a script itself: the same page with JavaScript on is audited,
    the one without only used."""
    if not javascript:
        return
    serious = serious_violations(page, axe_path)
    assert not serious, "axe-core found serious or critical violations:\n" + "\n".join(serious)


def ask_to_invite(page: Page, local_url: str, colleague_email: str = "") -> tuple[str, str]:
    """A department head fills the form for an invitation, as a keyboard or screen reader finds it."""
    (name, email), (colleague, address) = people()
    page.goto(f"{local_url}/")
    page.get_by_role("radio", name=INVITE).check()
    page.get_by_label("Your name", exact=True).fill(name)
    page.get_by_label("Your email address", exact=True).fill(email)
    page.get_by_label("Your colleague's name", exact=True).fill(colleague)
    page.get_by_label("Your colleague's email address", exact=True).fill(colleague_email or address)
    page.get_by_role("group", name="What has your colleague been through?").get_by_label(
        "A lawsuit or other legal matter"
    ).check()
    page.get_by_role("radio", name="Practising physician", exact=True).check()
    page.get_by_role("group", name="Does your colleague practise in Vancouver?").get_by_label("Yes").check()
    return email, address


def send(page: Page) -> int:
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/requests")) as posted:
        page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state()
    return posted.value.status


def invitation_links(local_url: str, reference: str, to: str) -> dict[str, str]:
    [invitation] = wait_for(lambda: emails_about(local_url, reference, to), seconds=10)
    yes, no = LINK.findall(invitation["text"])  # the invitation gives yes first, then no, thank you
    return {"yes": yes, "no": no}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_department_head_asks_for_an_invitation(
    browser: Browser, local_url: str, axe_path: Path, javascript: bool
) -> None:
    with fresh_page(browser, java_script_enabled=javascript, bypass_csp=True) as page:
        # Given the form, with no script, answered for an invitation (no reasons or ways to talk: theirs)
        page.goto(f"{local_url}/")
        assert_accessible(page, axe_path, javascript)
        referrer, colleague = ask_to_invite(page, local_url)
        # When it is sent
        assert send(page) == 201
        # Then the page says what happens next, and the request waits for the colleague's answer
        expect(page.get_by_role("heading", level=1)).to_have_text("Your request is in")
        expect(page.get_by_text("we will not tell you their answer")).to_be_visible()
        reference = page.locator("p.reference strong").inner_text().strip()
        stored = request_item(local_url, reference)
        assert (stored["kind"], stored["status"], stored["event"]) == ("reach_in", "invited", "legal")
        assert_accessible(page, axe_path, javascript)
        # And the colleague is invited, the referrer told once that it went
        assert set(invitation_links(local_url, reference, colleague)) == {"yes", "no"}
        assert len(wait_for(lambda: emails_about(local_url, reference, referrer))) == 1


def test_an_invitation_without_the_colleague_s_email_names_it(browser: Browser, local_url: str) -> None:
    with fresh_page(browser, java_script_enabled=False) as page:
        _, _ = ask_to_invite(page, local_url, colleague_email=" ")
        assert send(page) == 422
        assert error_summary_faults(page) == []
        assert error_summary_messages(page) == {
            "f-colleague-email": "Please enter an email address we can reach your colleague at."
        }


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_invitation_pages_answer_yes_and_no(
    browser: Browser, local_url: str, axe_path: Path, javascript: bool
) -> None:
    for answer, button, heading in (
        ("yes", "Yes, I would like to talk", "Thank you for saying yes"),
        ("no", "No, thank you", "Thank you for letting us know"),
    ):
        with fresh_page(browser, java_script_enabled=javascript, bypass_csp=True) as page:
            ask_to_invite(page, local_url)
            assert send(page) == 201
            reference = page.locator("p.reference strong").inner_text().strip()
            colleague = request_item(local_url, reference)["colleague"]["email"]
            # Given the invitation's link for this answer: its page asks, and changes nothing
            page.goto(invitation_links(local_url, reference, colleague)[answer])
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "An invitation to talk with a colleague"
            )
            expect(page.get_by_role("button", name="Yes, I would like to talk")).to_be_visible()
            expect(page.get_by_role("button", name="No, thank you")).to_be_visible()
            assert "legal" not in page.content().lower()
            assert request_item(local_url, reference)["version"] == 1
            assert_accessible(page, axe_path, javascript)
            # When the colleague answers
            page.get_by_role("button", name=button).click()
            page.wait_for_load_state()
            # Then a short, kind page; a "no" leaves nothing of them behind
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            expect(page.get_by_text("9-8-8")).to_be_visible()
            assert_accessible(page, axe_path, javascript)
            stored = request_item(local_url, reference)
            if answer == "no":
                assert stored["status"] == "declined_invitation"
                assert "colleague" not in stored
                assert "requester" not in stored
            else:
                assert stored["status"] in ("pending_match", "matched", "needs_admin")
