"""The BIPOC group's page as a physician meets it: headless Chromium against the shared local stack.

Plain server-rendered HTML: it must work with JavaScript off, and have no serious or critical WCAG 2.2 AA
violations (axe-core) on the page, its error state, its confirmation, the kind page for someone the
group is not for, and the page behind a registration's link. `browser` and `axe_path` come from
`conftest.py`, the helpers from `tests/e2e/browser.py`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.browser import error_summary_faults, error_summary_messages, fresh_page, serious_violations
from tests.e2e.conftest import get_json

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

HEADING = "BIPOC Physician Peer Support Group"
SUBMIT = "Register for the group"
REFERENCE = re.compile(r"^GR-[0-9A-Z]{4}-[0-9A-Z]{4}$")
LINK = re.compile(r"http://127\.0\.0\.1:\d+/group-registrations/\S+")


def unique() -> tuple[str, str]:
    token = uuid.uuid4().hex[:8]
    return f"Dr Group {token}", f"group.{token}@example.org"


def open_group(page: Page, local_url: str) -> str:
    """Open the page; returns the next session's date as it shows it."""
    page.goto(f"{local_url}/group")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADING)
    return page.locator("p.session strong").inner_text()


def fill(page: Page, name: str, email: str, bipoc: str = "Yes", in_bc: str = "Yes") -> None:
    """Answer the form the way someone using a keyboard or screen reader would find each control."""
    page.get_by_label("Your name", exact=True).fill(name)
    page.get_by_label("Your email address", exact=True).fill(email)
    page.get_by_role(
        "group", name="Do you identify as Black, Indigenous or a Person of Colour?"
    ).get_by_label(bipoc, exact=True).check()
    page.get_by_role("group", name="Do you practise in British Columbia?").get_by_label(
        in_bc, exact=True
    ).check()


def submit(page: Page) -> Response:
    def is_post(response: Response) -> bool:
        return response.request.method == "POST" and response.url.endswith("/group-registrations")

    with page.expect_response(is_post) as posted:
        page.get_by_role("button", name=SUBMIT).click()
    page.wait_for_load_state()
    return posted.value


def test_a_physician_registers_without_javascript(browser: Browser, local_url: str) -> None:
    with fresh_page(browser, java_script_enabled=False) as page:
        # Given the group's page, which names the next session
        session_date = open_group(page, local_url)
        assert re.fullmatch(r"Monday, [A-Z][a-z]+ \d{1,2}", session_date), session_date

        # When a physician answers and registers
        name, email = unique()
        fill(page, name, email)
        response = submit(page)

        # Then they hold a place in that session, under a reference of their own
        assert response.status == 201
        expect(page.get_by_role("heading", level=1)).to_have_text("You are registered")
        assert REFERENCE.match(page.locator("p.reference strong").inner_text().strip())
        expect(page.locator("main")).to_contain_text(f"The session is on {session_date}")


def test_mistakes_are_explained_and_answers_kept(browser: Browser, local_url: str) -> None:
    with fresh_page(browser) as page:
        open_group(page, local_url)
        name, _ = unique()
        fill(page, name, "not-an-email")
        assert submit(page).status == 422
        summary = page.locator("div.error-summary[role='alert']")
        expect(summary).to_be_visible()
        expect(summary.locator("a[href='#f-email']")).to_have_count(1)
        email_input = page.get_by_label("Your email address", exact=True)
        expect(email_input).to_have_attribute("aria-invalid", "true")
        expect(email_input).to_have_attribute("aria-describedby", "f-email-error")
        expect(email_input).to_have_value("not-an-email")
        expect(page.get_by_label("Your name", exact=True)).to_have_value(name)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_an_empty_registration_names_each_answer_beside_its_field_and_focuses_the_summary(
    browser: Browser, local_url: str, javascript: bool
) -> None:
    with fresh_page(browser, java_script_enabled=javascript) as page:
        # Given the group's form, sent without a single answer
        open_group(page, local_url)
        assert submit(page).status == 422

        # Then the summary has the focus, and each message names its answer and links to its own field,
        # which is marked invalid and described by that message
        assert error_summary_faults(page) == []
        assert error_summary_messages(page) == {
            "f-name": "Please enter your name.",
            "f-email": "Please enter an email address we can reach you at.",
            "f-identifies_as_bipoc": (
                "Please tell us whether you identify as Black, Indigenous or a Person of Colour."
            ),
            "f-practices_in_bc": "Please tell us whether you practise in British Columbia.",
        }


def open_form(page: Page, local_url: str) -> None:
    open_group(page, local_url)


def open_error_state(page: Page, local_url: str) -> None:
    open_group(page, local_url)
    assert submit(page).status == 422
    expect(page.locator("div.error-summary[role='alert']")).to_be_visible()


def open_confirmation(page: Page, local_url: str) -> None:
    open_group(page, local_url)
    fill(page, *unique())
    assert submit(page).status == 201


def open_not_eligible(page: Page, local_url: str) -> None:
    open_group(page, local_url)
    fill(page, *unique(), bipoc="No")
    assert submit(page).status == 422
    expect(page.get_by_role("heading", level=1)).to_have_text("Where to find support")
    expect(page.get_by_role("link", name="Ask for one-to-one peer support")).to_be_visible()


def open_registration_link(page: Page, local_url: str) -> None:
    name, email = unique()
    open_group(page, local_url)
    fill(page, name, email)
    assert submit(page).status == 201

    def link() -> str | None:
        for sent in get_json(f"{local_url}/_local/emails"):
            if sent["to"] == email and (found := LINK.search(sent["text"])):
                return found.group(0)
        return None

    for _ in range(100):  # the confirmation is sent from the stream within a second or two
        if url := link():
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the confirmation email did not arrive")
    page.goto(f"{local_url}{urlsplit(url).path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place in the group")
    expect(page.get_by_role("button", name="Give up my place")).to_be_visible()


@pytest.mark.parametrize(
    "open_page",
    [open_form, open_error_state, open_confirmation, open_not_eligible, open_registration_link],
    ids=["form", "error-state", "confirmation", "not-eligible", "registration-link"],
)
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_wcag_violations(
    axe_path: Path, audited_page: Page, local_url: str, open_page: Callable[[Page, str], None], width: int
) -> None:
    audited_page.set_viewport_size({"width": width, "height": 900})
    open_page(audited_page, local_url)
    violations = serious_violations(audited_page, axe_path)
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)
