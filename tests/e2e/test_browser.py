"""The request form as a physician meets it: headless Chromium against the local stack.

The form is plain server-rendered HTML, so it must work the same with JavaScript on or off, be usable by
keyboard alone, and have no serious or critical WCAG 2.2 AA violations (checked with axe-core).

Chromium (`/usr/bin/chromium`) and axe-core (`$(npm root -g)/axe-core/axe.min.js`, or `AXE_CORE_JS`) are
system packages: without them these tests are skipped locally, and fail when `CI` is set. The `browser`
and `axe_path` fixtures are in `conftest.py`, the helpers in `tests/e2e/browser.py`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.browser import error_summary_faults, error_summary_messages, fresh_page, serious_violations
from tests.e2e.conftest import LOG, get_json, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

REFERENCE = re.compile(r"^PS-[0-9A-Z]{4}-[0-9A-Z]{4}$")
SUBMIT = "Send my request"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with fresh_page(browser) as page:
        yield page


def unique(label: str) -> tuple[str, str]:
    """A name and email no other test uses: the local stack is shared by the whole session."""
    token = uuid.uuid4().hex[:8]
    return f"Dr {label.title()} {token}", f"{label}.{token}@example.org"


def stored_requests(local_url: str) -> list[dict[str, Any]]:
    requests = get_json(f"{local_url}/_local/requests")
    assert isinstance(requests, list), requests
    return requests


def fill_request(page: Page, name: str, email: str, career_stage: str = "Practising physician") -> None:
    """Answer the form the way a physician using a keyboard or screen reader would find each control."""
    page.get_by_role("radio", name="For me").check()
    page.get_by_label("Your name", exact=True).fill(name)
    page.get_by_label("Your email address", exact=True).fill(email)
    page.get_by_role("group", name="How would you like to be reached?").get_by_label("By email").check()
    page.get_by_role("radio", name=career_stage, exact=True).check()
    page.get_by_role("group", name="Do you practise in Vancouver?").get_by_label("Yes").check()
    page.get_by_role("checkbox", name="Burnout or moral distress").check()
    page.get_by_role("checkbox", name="By video").check()


def submit(page: Page) -> Response:
    """Send the form and return the response to the POST (the page then shows its body)."""

    def is_post(response: Response) -> bool:
        return response.request.method == "POST" and response.url.endswith("/requests")

    with page.expect_response(is_post) as posted:
        page.get_by_role("button", name=SUBMIT).click()
    page.wait_for_load_state()
    return posted.value


def assert_confirmed_and_stored(page: Page, response: Response, local_url: str, name: str) -> None:
    assert response.status == 201, response.status
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request is in")
    reference = page.locator("p.reference strong").inner_text().strip()
    assert REFERENCE.match(reference), f"unexpected reference {reference!r}"

    matches = [item for item in stored_requests(local_url) if item.get("request_id") == reference]
    assert len(matches) == 1, matches
    # Stored as a self request; the match function may already have moved it on.
    assert matches[0]["history"][0]["event"] == "submitted"
    assert matches[0]["status"] in ("pending_match", "matched", "needs_admin")
    assert matches[0]["requester"]["name"] == name


def test_physician_can_send_a_request_with_javascript(page: Page, local_url: str) -> None:
    # Given a practising physician in Vancouver on the request form
    name, email = unique("javascript")
    page.goto(f"{local_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for peer support")

    # When they answer the questions and send the form
    fill_request(page, name, email)
    response = submit(page)

    # Then they see their reference, and exactly one request with it waits for a match
    assert_confirmed_and_stored(page, response, local_url, name)


def test_physician_can_send_a_request_without_javascript(browser: Browser, local_url: str) -> None:
    # Given a browser with JavaScript turned off (the form must not depend on it)
    with fresh_page(browser, java_script_enabled=False) as page:
        name, email = unique("nojavascript")
        page.goto(f"{local_url}/")

        # When the physician answers and sends the form
        fill_request(page, name, email)
        response = submit(page)

        # Then the request is confirmed and stored just the same
        assert_confirmed_and_stored(page, response, local_url, name)


@pytest.mark.parametrize("email", ["", "not-an-email"], ids=["empty", "invalid"])
def test_missing_or_invalid_email_is_explained_and_answers_are_kept(
    page: Page, local_url: str, email: str
) -> None:
    # Given a physician who leaves the email empty or mistypes it
    name, _ = unique("erroremail")
    page.goto(f"{local_url}/")
    fill_request(page, name, email)

    # When they send the form
    response = submit(page)

    # Then the form comes back with an error summary linking to the email field
    assert response.status == 422, response.status
    summary = page.locator("div.error-summary[role='alert']")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#f-requester-email']")).to_have_count(1)
    expect(page.locator("#f-requester-email-error.field-error")).to_be_visible()
    # And the email field is marked invalid and described by its message
    email_input = page.get_by_label("Your email address", exact=True)
    expect(email_input).to_have_attribute("aria-invalid", "true")
    expect(email_input).to_have_attribute("aria-describedby", re.compile(r"\bf-requester-email-error\b"))
    # And what they typed is still there
    expect(page.get_by_label("Your name", exact=True)).to_have_value(name)
    expect(email_input).to_have_value(email)
    expect(page.get_by_role("checkbox", name="Burnout or moral distress")).to_be_checked()
    expect(page.get_by_role("radio", name="Practising physician")).to_be_checked()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_an_empty_form_names_each_missing_answer_beside_its_field_and_focuses_the_summary(
    browser: Browser, local_url: str, javascript: bool
) -> None:
    with fresh_page(browser, java_script_enabled=javascript) as page:
        # Given the form, sent without a single answer
        open_form(page, local_url)
        response = submit(page)

        # Then it comes back with the summary focused, each message linking to its own field, which is
        # marked invalid and described by that message
        assert response.status == 422, response.status
        assert error_summary_faults(page) == []
        # And each message says which answer to give
        messages = error_summary_messages(page)
        assert messages == {
            "f-kind": "Please tell us who this support is for.",
            "f-requester-name": "Please enter your name.",
            "f-requester-email": "Please enter an email address we can reach you at.",
            "f-career_stage": "Please tell us where you are in your career.",
            "f-practices_in_vancouver": "Please tell us whether you practise in Vancouver.",
            "f-reasons": messages["f-reasons"],
            "f-modalities": "Please choose at least one way you would like to talk.",
        }
        expect(page.get_by_label("Your name", exact=True)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Your email address", exact=True)).to_have_attribute("aria-invalid", "true")
        # And how to reach them shows the answer taken when none is chosen, so it is not at fault
        reach = page.get_by_role("group", name="How would you like to be reached?")
        expect(reach.get_by_label("By email")).to_be_checked()


def test_a_referral_without_the_colleague_names_their_name_and_email(page: Page, local_url: str) -> None:
    # Given a physician asking for a colleague, who answers everything but the colleague's details
    name, email = unique("referrer")
    open_form(page, local_url)
    fill_request(page, name, email)
    page.get_by_role("radio", name="For a colleague").check()

    # When they send the form
    assert submit(page).status == 422

    # Then the summary, focused, names the colleague's name and email, each beside its field
    assert error_summary_faults(page) == []
    assert error_summary_messages(page) == {
        "f-colleague-name": "Please enter your colleague's name.",
        "f-colleague-email": "Please enter an email address we can reach your colleague at.",
    }


def test_the_reasons_question_says_one_is_needed_and_its_error_names_an_option_it_has(
    page: Page, local_url: str
) -> None:
    # Given the form: the reasons question says, before anything is sent, that one answer is needed
    open_form(page, local_url)
    reasons = page.locator("fieldset#f-reasons")
    expect(reasons).to_have_accessible_description(
        re.compile(r"^Choose at least one\. You do not need to explain\.")
    )

    # When it is sent without a reason
    assert submit(page).status == 422

    # Then its message names the way out the question really offers, in the option's own words
    error = page.locator("#f-reasons-error")
    expect(error).to_contain_text('If none fits, choose "Something else".')
    expect(reasons.get_by_role("checkbox", name="Something else", exact=True)).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("Other is fine")
    expect(page.locator("main")).not_to_contain_text("Choose any that fit")


ABOUT_THEM = {
    # question: (for you, for your colleague, the line for a colleague shown until the kind is chosen)
    "career_stage": (
        "Where are you in your career?",
        "Where is your colleague in their career?",
        "For a colleague: where are they in their career?",
    ),
    "practices_in_vancouver": (
        "Do you practise in Vancouver?",
        "Does your colleague practise in Vancouver?",
        "For a colleague: do they practise in Vancouver?",
    ),
    "reasons": (
        "What brings you here?",
        "What would your colleague like support with?",
        "For a colleague: what would they like support with?",
    ),
}


def question(page: Page, name: str) -> str:
    """A question's name as a screen reader announces it (its legend, as shown)."""
    return " ".join(page.locator(f"fieldset#f-{name} > legend").inner_text().split())


@pytest.mark.parametrize("width", [1280, 390])
def test_each_question_speaks_to_whom_it_is_about_without_script(
    browser: Browser, local_url: str, width: int
) -> None:
    with fresh_page(browser, java_script_enabled=False) as page:
        page.set_viewport_size({"width": width, "height": 900})
        open_form(page, local_url)

        # Before anyone says who the support is for, each question is for you, with a line for a colleague
        for name, (you, _, either) in ABOUT_THEM.items():
            assert question(page, name) == f"{you} {either}"

        # When the request is for a colleague, the questions are about them
        page.get_by_role("radio", name="For a colleague").check()
        for name, (_, colleague, _) in ABOUT_THEM.items():
            assert question(page, name) == colleague
            expect(page.get_by_role("group", name=colleague, exact=True)).to_be_visible()

        # And when it is for you, about you
        page.get_by_role("radio", name="For me").check()
        for name, (you, _, _) in ABOUT_THEM.items():
            assert question(page, name) == you
            expect(page.get_by_role("group", name=you, exact=True)).to_be_visible()


def test_a_referral_marks_what_it_needs_and_its_messages_are_about_the_colleague(
    page: Page, local_url: str
) -> None:
    # Given the form: what a referral needs is not marked optional, what it does not need is
    open_form(page, local_url)
    expect(page.locator("label[for='f-colleague-name']")).to_have_text("Your colleague's name")
    expect(page.locator("label[for='f-colleague-email']")).to_have_text("Your colleague's email address")
    expect(page.locator("label[for='f-colleague-phone']")).to_have_text(
        "Your colleague's phone number (optional)"
    )
    expect(page.locator("fieldset.group").filter(has=page.locator("#f-colleague-name"))).to_contain_text(
        "We need their name and email address."
    )

    # When a referral is sent with only the referrer's own details
    name, email = unique("referral")
    page.get_by_role("radio", name="For a colleague").check()
    page.get_by_label("Your name", exact=True).fill(name)
    page.get_by_label("Your email address", exact=True).fill(email)
    assert submit(page).status == 422

    # Then the messages about the colleague's answers speak of the colleague
    messages = error_summary_messages(page)
    assert messages["f-career_stage"] == "Please tell us where your colleague is in their career."
    assert (
        messages["f-practices_in_vancouver"]
        == "Please tell us whether your colleague practises in Vancouver."
    )
    assert messages["f-reasons"].startswith(
        "Please choose at least one thing your colleague would like support with."
    )
    assert messages["f-modalities"] == "Please choose at least one way your colleague would like to talk."
    assert error_summary_faults(page) == []


def test_the_form_and_the_group_lead_to_each_other(browser: Browser, local_url: str) -> None:
    with fresh_page(browser, java_script_enabled=False) as page:
        # Given the request form, which tells of the group
        open_form(page, local_url)
        expect(page.locator("section.intro")).to_contain_text("Black, Indigenous or a Person of Colour")

        # When its link to the group is followed
        page.get_by_role("link", name="BIPOC Physician Peer Support Group").click()

        # Then the group's page opens, and its own link leads back to the request form
        expect(page.get_by_role("heading", level=1)).to_have_text("BIPOC Physician Peer Support Group")
        page.get_by_role("link", name="ask for one-to-one peer support").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ask for peer support")


LINES_BESIDE_THE_BOX = """id => {
  const box = document.getElementById(id).getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(document.querySelector(`label[for="${id}"]`));
  const lines = [...range.getClientRects()].filter(rect => rect.width > 0);
  return {box: {right: box.right, top: box.top, bottom: box.bottom},
          lines: lines.map(rect => ({left: rect.left, top: rect.top}))};
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_checkbox_label_wraps_beside_its_box(browser: Browser, local_url: str, width: int) -> None:
    with fresh_page(browser, java_script_enabled=False) as page:
        # Given the form on a desktop or a phone
        page.set_viewport_size({"width": width, "height": 900})
        open_form(page, local_url)

        for box_id in ("f-consent_confirmed", "f-share_reasons", "f-urgent"):
            # When a checkbox's label is laid out
            found = page.evaluate(LINES_BESIDE_THE_BOX, box_id)
            box, lines = found["box"], found["lines"]

            # Then its first line starts beside the box, level with it, and every later line lines up with
            # the first, never under the box
            assert lines, box_id
            assert lines[0]["top"] < box["bottom"], (box_id, found)
            for line in lines:
                assert line["left"] >= box["right"], (box_id, found)
                assert abs(line["left"] - lines[0]["left"]) < 1, (box_id, found)
        # (on a phone the labels are long enough to take two lines or more)
        if width == 390:
            tops = {
                round(line["top"])
                for line in page.evaluate(LINES_BESIDE_THE_BOX, "f-consent_confirmed")["lines"]
            }
            assert len(tops) >= 2, tops


HTTP_LOG_LINE = re.compile(r"^(?:GET|HEAD|POST) (\S+) (\d{3})\b")


def test_loading_the_form_asks_for_nothing_that_fails(page: Page, local_url: str) -> None:
    # Given a browser that notes every request the page makes that fails or is refused
    refused: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400:
            refused.append(f"{response.url} {response.status}")

    page.on("requestfailed", lambda request: refused.append(f"{request.url} failed"))
    page.on("response", on_response)
    seen_from = len(LOG)

    # When the form is loaded (the browser asks for the page's icon on its own, after the page)
    open_form(page, local_url)

    def answered() -> list[tuple[str, int]]:
        lines = [HTTP_LOG_LINE.match(line) for line in LOG[seen_from:]]
        return [(found.group(1), int(found.group(2))) for found in lines if found]

    icon = wait_for(lambda: [(path, status) for path, status in answered() if "icon" in path])

    # Then the icon is one the site serves, and nothing the browser asked for was refused
    assert icon, answered()
    assert refused == []
    assert [(path, status) for path, status in answered() if status >= 400] == []


def test_keyboard_reaches_skip_link_first_and_sees_focus(page: Page, local_url: str) -> None:
    # Given the form freshly opened, nothing focused
    page.goto(f"{local_url}/")

    # When the first Tab is pressed
    page.keyboard.press("Tab")

    # Then the skip link has focus and is on screen, not left hidden off to the side
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["width"] > 0
    assert box["height"] > 0

    # And following it moves focus to the main content
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # When Tab is pressed until the submit button has focus
    button = page.get_by_role("button", name=SUBMIT)
    for _ in range(100):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    expect(button).to_be_focused()

    # Then the focused button shows a visible focus indicator
    outline: dict[str, str] = button.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor}; }"
    )
    assert outline["style"] != "none", outline
    assert float(outline["width"].removesuffix("px")) >= 2, outline


def open_form(page: Page, local_url: str) -> None:
    page.goto(f"{local_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for peer support")


def open_error_state(page: Page, local_url: str) -> None:
    open_form(page, local_url)
    name, _ = unique("axeerror")
    page.get_by_label("Your name", exact=True).fill(name)
    assert submit(page).status == 422
    expect(page.locator("div.error-summary[role='alert']")).to_be_visible()


def open_confirmation(page: Page, local_url: str) -> None:
    open_form(page, local_url)
    name, email = unique("axeconfirm")
    fill_request(page, name, email)
    assert submit(page).status == 201
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request is in")


def open_referral(page: Page, local_url: str) -> None:
    open_form(page, local_url)
    page.get_by_role("radio", name="For a colleague").check()


def open_referral_errors(page: Page, local_url: str) -> None:
    open_referral(page, local_url)
    page.get_by_role("radio", name="Practising physician").check()
    assert submit(page).status == 422
    expect(page.locator("div.error-summary[role='alert']")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(
    "open_page",
    [open_form, open_error_state, open_referral, open_referral_errors, open_confirmation],
    ids=["form", "error-state", "referral", "referral-error-state", "confirmation"],
)
def test_no_serious_wcag_violations(
    axe_path: Path, audited_page: Page, local_url: str, open_page: Callable[[Page, str], None], width: int
) -> None:
    # Given the page as a physician would reach it, on a desktop or a phone
    audited_page.set_viewport_size({"width": width, "height": 900})
    open_page(audited_page, local_url)

    # When axe-core checks it against WCAG 2.0/2.1/2.2 A and AA
    serious = serious_violations(audited_page, axe_path)

    # Then nothing serious or critical is found
    details = "\n".join(f"- {violation}" for violation in serious)
    assert not serious, f"axe-core found serious or critical violations:\n{details}"


def test_resident_is_pointed_elsewhere_and_nothing_is_stored(page: Page, local_url: str) -> None:
    # Given a resident on the form, and the requests stored so far
    name, email = unique("resident")
    before = len(stored_requests(local_url))
    page.goto(f"{local_url}/")

    # When they answer as a resident and send the form
    fill_request(page, name, email, career_stage="Resident")
    response = submit(page)

    # Then they are shown where to find support instead
    assert response.status == 422, response.status
    expect(page.get_by_role("heading", level=1)).to_have_text("Where to find support")
    expect(page.get_by_role("link", name="Back to the request form")).to_be_visible()
    # And no request was stored for them
    after = stored_requests(local_url)
    assert len(after) == before, after[before:]
    assert not [item for item in after if item.get("requester", {}).get("name") == name]
