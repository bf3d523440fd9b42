"""The signed links in emails, followed on the local stack as the people who get them would.

The stack is shared by the whole e2e session, so every test uses its own people, looks only at the
emails and requests of its own references, and gives back what it took: the cases it opened are closed
or withdrawn, and a roster it replaced is put back.

The browser tests share the session's Chromium (the `browser` fixture of `conftest.py`), each in a
context of its own.
"""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from peer_support.core.calendar import human_deadline
from peer_support.core.clock import parse_iso
from tests.e2e.browser import fresh_page, serious_violations
from tests.e2e.conftest import (
    all_emails,
    emails_about,
    get_json,
    http,
    post_json,
    request_item,
    requests_now,
    wait_for,
)

pytestmark = [pytest.mark.e2e]

ADMIN = "program-admin@example.org"
SETTLE_SECONDS = 1.5  # stream consumers poll every 0.2 s: after this, a late duplicate would be here
OPEN_STATES = {"pending_consent", "pending_match", "matched", "contacted", "needs_admin"}
HTML_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}


# -- the local stack over HTTP --


def wait_for_item(
    local_url: str, reference: str, condition: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The request once `condition` holds for it (asserted)."""

    def current() -> dict[str, Any] | None:
        item = request_item(local_url, reference)
        return item if condition(item) else None

    item = wait_for(current)
    assert item is not None, request_item(local_url, reference)
    return item


def roster(local_url: str) -> dict[str, dict[str, Any]]:
    return {s["supporter_id"]: s for s in get_json(f"{local_url}/_local/supporters")}


def open_counts(local_url: str) -> dict[str, int]:
    return {supporter_id: s["open_count"] for supporter_id, s in roster(local_url).items()}


def put_roster(local_url: str, entries: list[dict[str, Any]]) -> None:
    status, _, body = http(
        "PUT",
        f"{local_url}/_local/supporters",
        json.dumps(entries).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200, body


def wait_for_email(local_url: str, reference: str, to: str, subject_starts: str) -> dict[str, str]:
    found = wait_for(
        lambda: [e for e in emails_about(local_url, reference, to) if e["subject"].startswith(subject_starts)]
    )
    assert found, f"no {subject_starts!r} email to {to}; got {emails_about(local_url, reference)}"
    return found[0]


def inbox(local_url: str, reference: str) -> dict[str, list[str]]:
    """Every email about `reference`: recipient → subjects, sorted."""
    subjects: dict[str, list[str]] = {}
    for email in emails_about(local_url, reference):
        subjects.setdefault(email["to"], []).append(email["subject"])
    return {to: sorted(found) for to, found in subjects.items()}


def link_in(local_url: str, email: dict[str, str]) -> str:
    """The one signed link in an email: in its text and its HTML alike, and pointing at this stack."""
    pattern = re.compile(re.escape(local_url) + r"/actions/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")
    links = {match.group(0) for match in pattern.finditer(email["text"])}
    assert len(links) == 1, (email["subject"], links)
    [url] = links
    assert url in email["html"], email["subject"]
    return url


def act(url: str, action: str, *, via: str = "form", **fields: Any) -> tuple[int, str]:
    """Post `action` to a link as its page's form does (`form`, answered in HTML) or as JSON."""
    if via == "form":
        form = urlencode({"action": action, **{k: str(v) for k, v in fields.items()}}).encode()
        status, _, body = http("POST", url, form, HTML_FORM)
        return status, body.decode()
    status, answer = post_json(url, {"action": action, **fields}, {"Accept": "application/json"})
    return status, json.dumps(answer)  # the caller reads it back: one return type for both ways


def open_link(url: str) -> tuple[int, str]:
    status, _, body = http("GET", url, headers={"Accept": "text/html"})
    return status, body.decode()


def settled(local_url: str) -> None:
    """Wait until no request of anyone's waits for a match, so the roster's counts stand still."""
    waiting = wait_for(lambda: not [i for i in requests_now(local_url) if i["status"] == "pending_match"])
    assert waiting, "requests still wait for a match after 5 s"


def assert_each_email_once(local_url: str, *references: str) -> None:
    """Once the flows have settled: one email, never two, for each (reference, recipient, subject)."""
    time.sleep(SETTLE_SECONDS)
    sent = Counter(
        (reference, email["to"], email["subject"])
        for email in all_emails(local_url)
        for reference in references
        if reference in email["subject"]
    )
    assert sent, references
    repeated = {key: count for key, count in sent.items() if count > 1}
    assert not repeated, f"emails sent more than once: {repeated}"


def subject(kind: str, reference: str, item: dict[str, Any] | None = None) -> str:
    """The subject an email of `kind` about `reference` has (see templates/email/*.subject.txt)."""
    due = human_deadline(parse_iso(item["contact_due_at"])) if item and item.get("contact_due_at") else ""
    return {
        "request_received": f"We have your request for peer support ({reference})",
        "referral_received": f"We have your referral ({reference})",
        "consent_needed": f"Colleague referral {reference} needs consent confirmed",
        "assigned": f"New peer support request {reference}, first contact by {due}",
        "matched": f"A Peer Supporter will contact you by {due} ({reference})",
        "case_moved": f"No action needed: request {reference}",
    }[kind]


# -- people and their requests --


def unique_person(label: str) -> dict[str, str]:
    """A name and email no other test uses; the name has a character HTML must escape."""
    token = uuid.uuid4().hex[:8]
    return {"name": f"Dr. {label.title()} O'Link {token}", "email": f"{label}.{token}@example.org"}


@dataclass
class Case:
    reference: str
    requester: dict[str, str]
    colleague: dict[str, str] | None = None  # for a referral: the person supported


@dataclass
class Cases:
    """The requests a test opened; whatever is still open at the end is withdrawn, freeing its slot."""

    local_url: str
    opened: list[Case] = field(default_factory=list)

    def submit(self, label: str, *, colleague: bool = False, **overrides: Any) -> Case:
        requester = unique_person(label)
        body: dict[str, Any] = {
            "kind": "self",
            "requester": requester,
            "career_stage": "practicing_physician",
            "practices_in_vancouver": True,
            "reasons": ["burnout", "complaint"],
            "share_reasons": True,
            "modalities": ["video"],
            **overrides,
        }
        case_colleague = None
        if colleague:
            case_colleague = unique_person(f"{label}colleague")
            body.update(kind="colleague", colleague=case_colleague, consent_confirmed=True)
        status, receipt = post_json(f"{self.local_url}/requests", body)
        assert status == 201, receipt
        assert receipt["status"] == ("pending_consent" if colleague else "pending_match"), receipt
        case = Case(receipt["reference"], requester, case_colleague)
        self.opened.append(case)
        return case

    def matched(self, case: Case) -> dict[str, Any]:
        item = wait_for_item(
            self.local_url, case.reference, lambda i: i["status"] in ("matched", "needs_admin")
        )
        assert item["status"] == "matched", item.get("left_out")
        return item

    def requester_link(self, case: Case) -> str:
        # "We have your request for peer support (…)", or for a referral "We have your referral (…)"
        email = wait_for_email(self.local_url, case.reference, case.requester["email"], "We have your")
        return link_in(self.local_url, email)

    def supporter_link(self, item: dict[str, Any]) -> tuple[str, str]:
        """The assigned supporter's address, and the link in their assignment email."""
        address = roster(self.local_url)[item["supporter_id"]]["email"]
        email = wait_for_email(self.local_url, item["request_id"], address, "New peer support request")
        return address, link_in(self.local_url, email)

    def withdraw_open(self) -> None:
        for case in self.opened:
            item = wait_for_item(self.local_url, case.reference, lambda i: i["status"] != "pending_match")
            if item["status"] in OPEN_STATES:
                status, body = act(self.requester_link(case), "withdraw", via="json")
                assert status == 200, body
        self.opened.clear()


@pytest.fixture
def cases(local_url: str) -> Iterator[Cases]:
    settled(local_url)
    opened = Cases(local_url)
    yield opened
    opened.withdraw_open()


@dataclass(frozen=True)
class TwoVideoSupporters:
    first: dict[str, Any]
    second: dict[str, Any]


@pytest.fixture
def two_video_supporters(local_url: str, cases: Cases) -> Iterator[TwoVideoSupporters]:
    """A roster where exactly two supporters (new, so free) can take a video request; put back after.

    Everyone already on the roster stays, made inactive, so their open cases are kept.
    """
    original = list(roster(local_url).values())
    as_given = [{k: v for k, v in s.items() if k not in ("open_count", "last_assigned_at")} for s in original]
    token = uuid.uuid4().hex[:8]
    first, second = (
        {
            "supporter_id": f"e2e-links-{letter}-{token}",
            "name": f"Dr. Links Supporter {letter.upper()} {token}",
            "email": f"links-{letter}.{token}@example.org",
            "modalities": ["video"],
            "max_open": 1,
        }
        for letter in ("a", "b")
    )
    put_roster(local_url, [*({**s, "active": False} for s in as_given), first, second])
    try:
        yield TwoVideoSupporters(first, second)
    finally:
        cases.withdraw_open()  # before their supporter leaves the roster
        put_roster(local_url, as_given)
        restored = roster(local_url)
        assert {k: (s["active"], s["open_count"]) for k, s in restored.items()} == {
            s["supporter_id"]: (s.get("active", True), s["open_count"]) for s in original
        }


# -- 1. the requester's confirmation --


def test_submitting_sends_the_requester_exactly_one_confirmation(local_url: str, cases: Cases) -> None:
    # Given a physician who sends a request
    case = cases.submit("confirmation")

    # When the stream consumers have done their work
    email = wait_for_email(local_url, case.reference, case.requester["email"], "We have your request")
    cases.matched(case)
    time.sleep(SETTLE_SECONDS)

    # Then exactly one confirmation went to them, naming the reference and carrying their withdraw link
    confirmations = [
        e
        for e in emails_about(local_url, case.reference, case.requester["email"])
        if e["subject"] == subject("request_received", case.reference)
    ]
    assert len(confirmations) == 1, confirmations
    assert "withdraw" in email["text"]
    assert "988" in email["text"]
    status, page = open_link(link_in(local_url, email))
    assert status == 200
    assert "Withdraw your request" in page
    assert case.reference in page


# -- 2. the supporter's case page --


def test_assignment_email_links_to_the_case_page(local_url: str, cases: Cases) -> None:
    # Given a request matched to a supporter
    case = cases.submit("casepage")
    item = cases.matched(case)

    # When the supporter follows the link in their assignment email
    address, url = cases.supporter_link(item)
    status, page = open_link(url)

    # Then the case page shows who to contact and how, escaped
    assert status == 200, page
    assert "Your peer support case" in page
    assert case.requester["name"] in html.unescape(page)
    assert case.requester["email"] in page
    assert "I have made first contact" in page
    # And the email itself names nobody: the link does
    [assigned] = emails_about(local_url, case.reference, address)
    assert case.requester["name"] not in assigned["text"]
    assert case.requester["email"] not in assigned["text"]
    # And the view is recorded, without changing the request
    after = request_item(local_url, case.reference)
    assert (after["status"], after["version"]) == ("matched", item["version"])
    assert after["history"][-1]["event"] == "viewed"

    # And a tampered link is a plain 404 that shows nothing of the case
    token = url.rsplit("/", 1)[-1]
    tampered = f"{url.rsplit('/', 1)[0]}/{token[:-2]}{'AB' if token[-2:] != 'AB' else 'CD'}"
    status, page = open_link(tampered)
    assert status == 404
    assert case.reference not in page
    assert case.requester["email"] not in page


# -- 3. acknowledge, then close --


@pytest.mark.parametrize("via", ["form", "json"])
def test_supporter_acknowledges_then_closes_from_the_link(local_url: str, cases: Cases, via: str) -> None:
    # Given a request matched to a supporter, and the supporters' open cases before it
    before = open_counts(local_url)
    case = cases.submit(f"ackclose{via}")
    item = cases.matched(case)
    supporter = item["supporter_id"]
    _, url = cases.supporter_link(item)
    assert open_counts(local_url)[supporter] == before[supporter] + 1

    # When they note first contact from their link
    status, body = act(url, "acknowledge", via=via)

    # Then the request is contacted, and the answer says so in the form it was asked for
    assert status == 200, body
    if via == "form":
        assert "First contact noted" in body
    else:
        assert json.loads(body) == {"reference": case.reference, "status": "contacted"}
    contacted = request_item(local_url, case.reference)
    assert contacted["status"] == "contacted"
    assert contacted["contacted_at"]
    # And the page now offers to close the case, and acknowledging again is stale
    status, page = open_link(url)
    assert status == 200
    assert "Close the case" in page
    assert act(url, "acknowledge", via=via)[0] == 409

    # When they close it with their two counts
    status, body = act(url, "close", via=via, conversations=2, modality_used="video")

    # Then it is closed with those counts, and the supporter's slot is free again
    assert status == 200, body
    if via == "form":
        assert "Case closed" in body
    else:
        assert json.loads(body) == {"reference": case.reference, "status": "closed"}
    closed = request_item(local_url, case.reference)
    assert closed["status"] == "closed"
    assert (closed["conversations"], closed["modality_used"]) == (2, "video")
    assert closed["purge_at"] > 0
    assert open_counts(local_url)[supporter] == before[supporter]
    assert act(url, "close", via=via, conversations=1, modality_used="phone")[0] == 409

    # And acknowledging and closing emailed nobody
    assert_each_email_once(local_url, case.reference)
    address = roster(local_url)[supporter]["email"]
    assert inbox(local_url, case.reference) == {
        case.requester["email"]: sorted(
            [subject("request_received", case.reference), subject("matched", case.reference, item)]
        ),
        address: [subject("assigned", case.reference, item)],
    }


def test_closing_without_answers_names_every_missing_answer(local_url: str, cases: Cases) -> None:
    # Given a case in progress
    case = cases.submit("closeempty")
    _, url = cases.supporter_link(cases.matched(case))
    assert act(url, "acknowledge", via="json")[0] == 200

    # When the closing form is sent with neither count
    status, page = act(url, "close")
    json_status, body = act(url, "close", via="json")

    # Then both answers it needs are named at once, on the page and in JSON
    assert (status, json_status) == (422, 422)
    assert 'href="#f-conversations"' in page
    assert 'href="#f-modality_used"' in page
    assert set(json.loads(body)["fields"]) == {"conversations", "modality_used"}


# -- 4. decline and re-match --


def test_decline_rematches_and_tells_the_first_supporter_once(
    local_url: str, cases: Cases, two_video_supporters: TwoVideoSupporters
) -> None:
    first, second = two_video_supporters.first, two_video_supporters.second
    # Given a video request matched to the first of the two who can take it
    case = cases.submit("decline")
    item = cases.matched(case)
    assert item["supporter_id"] == first["supporter_id"]
    _, first_url = cases.supporter_link(item)

    # When the first supporter declines from their link
    status, page = act(first_url, "decline")

    # Then they are thanked, and the request goes to the other supporter
    assert status == 200, page
    assert "Thank you for letting us know" in page
    rematched = wait_for_item(
        local_url, case.reference, lambda i: i.get("supporter_id") == second["supporter_id"]
    )
    assert rematched["status"] == "matched"
    assert rematched["excluded_supporters"] == [first["supporter_id"]]
    counts = open_counts(local_url)
    assert (counts[first["supporter_id"]], counts[second["supporter_id"]]) == (0, 1)
    _, second_url = cases.supporter_link(rematched)
    assert open_link(second_url)[0] == 200
    # And the first supporter hears exactly once that nothing more is needed
    wait_for_email(local_url, case.reference, first["email"], "No action needed")
    assert_each_email_once(local_url, case.reference)
    moved = [
        e for e in emails_about(local_url, case.reference, first["email"]) if e["subject"].startswith("No")
    ]
    assert [e["subject"] for e in moved] == [subject("case_moved", case.reference)]
    assert "cannot take request" in moved[0]["text"]
    # And the requester was not told twice: the contact deadline did not move
    assert inbox(local_url, case.reference) == {
        case.requester["email"]: sorted(
            [subject("request_received", case.reference), subject("matched", case.reference, item)]
        ),
        first["email"]: sorted(
            [subject("assigned", case.reference, item), subject("case_moved", case.reference)]
        ),
        second["email"]: [subject("assigned", case.reference, rematched)],
    }
    # And the first supporter's link no longer shows the case, nor acts on it
    status, page = open_link(first_url)
    assert status == 409
    assert case.requester["email"] not in page
    assert case.requester["name"] not in html.unescape(page)
    assert act(first_url, "acknowledge")[0] == 409


# -- 5. a colleague referral, and withdrawing --


def test_referral_consent_from_the_admin_link_then_the_colleague_withdraws(
    local_url: str, cases: Cases
) -> None:
    before = open_counts(local_url)
    # Given a colleague referral, waiting for consent
    case = cases.submit("referrer", colleague=True)
    assert case.colleague is not None
    consent = wait_for_email(local_url, case.reference, ADMIN, "Colleague referral")
    assert request_item(local_url, case.reference)["status"] == "pending_consent"
    assert emails_about(local_url, case.reference, case.colleague["email"]) == []

    # When the administrator opens their link and confirms consent
    admin_url = link_in(local_url, consent)
    status, page = open_link(admin_url)
    assert status == 200, page
    assert f"Request {case.reference}" in page
    assert case.colleague["name"] in html.unescape(page)
    assert case.requester["name"] in html.unescape(page)
    assert "They have agreed: confirm consent" in page
    status, page = act(admin_url, "confirm_consent")

    # Then the request is matched and the colleague hears, once
    assert status == 200, page
    assert "Consent confirmed" in page
    item = cases.matched(case)
    news = wait_for_email(
        local_url, case.reference, case.colleague["email"], "A Peer Supporter will contact you"
    )
    assert news["subject"] == subject("matched", case.reference, item)
    assert act(admin_url, "confirm_consent")[0] == 409
    # And the supporter's case page is about the colleague, not the referrer
    address, supporter_url = cases.supporter_link(item)
    status, page = open_link(supporter_url)
    assert status == 200
    assert case.colleague["name"] in html.unescape(page)
    assert "A colleague referred them" in page
    assert open_counts(local_url)[item["supporter_id"]] == before[item["supporter_id"]] + 1

    # When the colleague withdraws from the link in their email
    withdraw_url = link_in(local_url, news)
    status, page = open_link(withdraw_url)
    assert status == 200
    assert "Withdraw my request" in page
    status, body = act(withdraw_url, "withdraw", via="json")

    # Then the request is withdrawn, the slot is free, and the supporter is told it no longer needs them
    assert status == 200, body
    assert json.loads(body) == {"reference": case.reference, "status": "withdrawn"}
    withdrawn = request_item(local_url, case.reference)
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["purge_at"] > 0
    assert open_counts(local_url)[item["supporter_id"]] == before[item["supporter_id"]]
    moved = wait_for_email(local_url, case.reference, address, "No action needed")
    assert "withdrawn" in moved["text"]
    assert act(withdraw_url, "withdraw")[0] == 409
    assert act(admin_url, "cancel")[0] == 409

    # And everyone heard each thing exactly once
    assert_each_email_once(local_url, case.reference)
    assert inbox(local_url, case.reference) == {
        case.requester["email"]: [subject("referral_received", case.reference)],
        ADMIN: [subject("consent_needed", case.reference)],
        case.colleague["email"]: [subject("matched", case.reference, item)],
        address: sorted([subject("assigned", case.reference, item), subject("case_moved", case.reference)]),
    }


def test_requester_withdraws_from_the_confirmation_link(local_url: str, cases: Cases) -> None:
    before = open_counts(local_url)
    # Given a matched request, and the link in the requester's confirmation
    case = cases.submit("withdraw")
    item = cases.matched(case)
    address, _ = cases.supporter_link(item)
    url = cases.requester_link(case)

    # When they open it and withdraw, as the page's form does
    status, page = open_link(url)
    assert status == 200
    assert "Withdraw your request" in page
    status, page = act(url, "withdraw")

    # Then it is withdrawn, the supporter's slot is free, and the supporter hears once
    assert status == 200, page
    assert "Your request is withdrawn" in page
    assert request_item(local_url, case.reference)["status"] == "withdrawn"
    assert open_counts(local_url)[item["supporter_id"]] == before[item["supporter_id"]]
    wait_for_email(local_url, case.reference, address, "No action needed")
    # And the link now says there is nothing more to do
    status, page = open_link(url)
    assert status == 200
    assert "Your request is closed" in page
    assert "already been withdrawn" in page
    assert act(url, "withdraw")[0] == 409
    # And the requester's link cannot act for the supporter
    assert act(url, "acknowledge", via="json")[0] == 409

    assert_each_email_once(local_url, case.reference)
    assert inbox(local_url, case.reference) == {
        case.requester["email"]: sorted(
            [subject("request_received", case.reference), subject("matched", case.reference, item)]
        ),
        address: sorted([subject("assigned", case.reference, item), subject("case_moved", case.reference)]),
    }


# -- 7. in a browser --


def focus_by_tab(page: Page, is_target: Callable[[], bool], presses: int = 60) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if is_target():
            return
    pytest.fail("Tab never reached the control")


@pytest.mark.browser
def test_supporter_acts_from_the_case_page_without_javascript(
    local_url: str, cases: Cases, browser: Browser
) -> None:
    # Given a supporter's case link, opened in a browser with JavaScript off
    case = cases.submit("browsercase")
    item = cases.matched(case)
    _, url = cases.supporter_link(item)

    with fresh_page(browser, java_script_enabled=False) as page:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text("Your peer support case")
        expect(page.get_by_text(case.requester["name"], exact=True)).to_be_visible()

        # When they press "I have made first contact"
        page.get_by_role("button", name="I have made first contact").click()

        # Then they see it noted
        expect(page.get_by_role("heading", level=1)).to_have_text("First contact noted")

        # When they open the link again and close the case with the keyboard alone
        page.goto(url)
        expect(page.get_by_role("heading", name="Close the case")).to_be_visible()
        conversations = page.get_by_label("How many conversations did you have?")
        focus_by_tab(page, lambda: bool(conversations.evaluate("el => el === document.activeElement")))
        page.keyboard.type("3")
        page.keyboard.press("Tab")  # into the radio group: its first choice
        video = page.get_by_role("radio", name="By video")
        expect(page.get_by_role("radio", name="In person")).to_be_focused()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        expect(video).to_be_focused()
        expect(video).to_be_checked()
        page.keyboard.press("Tab")  # where they went next: "none of these", ticked already
        none = page.get_by_role("checkbox", name="No, none of these")
        expect(none).to_be_focused()
        expect(none).to_be_checked()
        for _ in range(5):  # past the four places, to the debrief box
            page.keyboard.press("Tab")
        expect(page.get_by_role("checkbox", name="I would like a debrief")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Close the case")).to_be_focused()
        page.keyboard.press("Enter")

        # Then the case is closed
        expect(page.get_by_role("heading", level=1)).to_have_text("Case closed")

    closed = request_item(local_url, case.reference)
    assert closed["status"] == "closed"
    assert (closed["conversations"], closed["modality_used"]) == (3, "video")
    assert_each_email_once(local_url, case.reference)


Walk = Callable[[Page, Callable[[Page, str], None]], None]


def audit(browser: Browser, axe_path: Path, walk: Walk) -> dict[str, list[str]]:
    """Walk through pages in a context whose CSP is bypassed (so axe-core can be injected), checking each
    page `walk` names; returns the serious or critical violations found on each."""
    found: dict[str, list[str]] = {}

    def check(page: Page, name: str) -> None:
        found[name] = serious_violations(page, axe_path)

    with fresh_page(browser, bypass_csp=True) as page:
        walk(page, check)
    return found


def assert_no_serious(found: dict[str, list[str]], expected_pages: set[str]) -> None:
    assert set(found) == expected_pages, found
    details = "\n".join(f"- {name}: {violation}" for name, issues in found.items() for violation in issues)
    assert not details, f"axe-core found serious or critical violations:\n{details}"


def post_close(page: Page, expect_status: int) -> None:
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Close the case").click()
    assert posted.value.status == expect_status
    page.wait_for_load_state()


def expect_error_for(page: Page, field_id: str, control: Locator) -> None:
    """The error summary links to the field, which is marked invalid and described by its message."""
    summary = page.locator("div.error-summary[role='alert']")
    expect(summary).to_be_visible()
    expect(summary.locator(f"a[href='#{field_id}']")).to_have_count(1)
    expect(page.locator(f"#{field_id}-error.field-error")).to_be_visible()
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))


@pytest.mark.browser
def test_case_pages_have_no_serious_wcag_violations(
    local_url: str, cases: Cases, browser: Browser, axe_path: Path
) -> None:
    # Given a supporter's case link
    case = cases.submit("axecase")
    item = cases.matched(case)
    _, url = cases.supporter_link(item)

    def walk(page: Page, check: Callable[[Page, str], None]) -> None:
        # A tab left open on the case page, to come back to once it is spent
        stale = page.context.new_page()
        stale.goto(url)
        # The case page as the supporter first sees it
        page.goto(url)
        expect(page.get_by_role("button", name="I have made first contact")).to_be_visible()
        check(page, "case page")
        # The done page after first contact
        page.get_by_role("button", name="I have made first contact").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("First contact noted")
        check(page, "done page (first contact)")
        # The closing form
        page.goto(url)
        expect(page.get_by_role("heading", name="Close the case")).to_be_visible()
        check(page, "close form")
        # The closing form sent without answers, then with only the count: the 422 pages
        conversations = page.get_by_label("How many conversations did you have?")
        post_close(page, expect_status=422)
        expect_error_for(page, "f-conversations", conversations)
        check(page, "close form error state (count)")
        conversations.fill("1")
        post_close(page, expect_status=422)
        expect_error_for(page, "f-modality_used", page.get_by_role("group", name="Mostly how did you talk?"))
        expect(conversations).to_have_value("1")
        check(page, "close form error state (way of talking)")
        # The done page once closed
        page.get_by_role("radio", name="By phone").check()
        page.get_by_role("button", name="Close the case").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Case closed")
        check(page, "done page (closed)")
        # The page for a link whose action is spent: the old tab's button, pressed after all that
        with stale.expect_response(lambda r: r.request.method == "POST") as again:
            stale.get_by_role("button", name="I have made first contact").click()
        assert again.value.status == 409
        stale.bring_to_front()
        expect(stale.get_by_role("heading", level=1)).to_have_text("There is nothing more to do here")
        check(stale, "conflict page")

    found = audit(browser, axe_path, walk)
    assert request_item(local_url, case.reference)["status"] == "closed"
    assert_no_serious(
        found,
        {
            "case page",
            "done page (first contact)",
            "close form",
            "close form error state (count)",
            "close form error state (way of talking)",
            "done page (closed)",
            "conflict page",
        },
    )


@pytest.mark.browser
def test_admin_and_withdraw_pages_have_no_serious_wcag_violations(
    local_url: str, cases: Cases, browser: Browser, axe_path: Path
) -> None:
    # Given a colleague referral: the administrator's consent link and the referrer's withdraw link
    case = cases.submit("axereferral", colleague=True)
    admin_url = link_in(local_url, wait_for_email(local_url, case.reference, ADMIN, "Colleague referral"))
    withdraw_url = cases.requester_link(case)

    def walk(page: Page, check: Callable[[Page, str], None]) -> None:
        page.goto(admin_url)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Request {case.reference}")
        expect(page.get_by_role("button", name="They have agreed: confirm consent")).to_be_visible()
        check(page, "admin page")
        page.goto(withdraw_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your request")
        check(page, "withdraw page")
        page.get_by_role("button", name="Withdraw my request").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your request is withdrawn")
        check(page, "done page (withdrawn)")
        page.goto(withdraw_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Your request is closed")
        check(page, "withdraw page (closed)")
        page.goto(admin_url)
        expect(page.get_by_text("There is nothing to do on this request now.")).to_be_visible()
        check(page, "admin page (nothing to do)")

    found = audit(browser, axe_path, walk)
    assert request_item(local_url, case.reference)["status"] == "withdrawn"
    assert_no_serious(
        found,
        {
            "admin page",
            "withdraw page",
            "done page (withdrawn)",
            "withdraw page (closed)",
            "admin page (nothing to do)",
        },
    )
