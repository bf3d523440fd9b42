"""The BIPOC group's pages and emails as rendered: what they say, what they never show, and escaping."""

from __future__ import annotations

from typing import Any

import pytest

from peer_support.core import rendering as templates
from peer_support.core.rendering import messages
from peer_support.notifications.email import render_email

SESSION = {"date": "Monday, March 9", "time": "7:15 to 8:30 pm Pacific time"}
MARKUP = "<script>x</script>"
ESCAPED = "&lt;script&gt;x&lt;/script&gt;"
CRISIS_LINE = "1-800-663-6729"


def render(template: str, /, **context: Any) -> str:
    """A page as the API renders it: told how long a person's details are kept."""
    return templates.render(template, **({"retention_days": 30} | context))


def group_page(**changes: Any) -> str:
    context: dict[str, Any] = {
        "base": "/prod",
        "values": {},
        "errors": {},
        "session": SESSION,
        "full": False,
        "retention_days": 30,
    }
    return render("pages/group.html", **(context | changes))


def test_the_group_page_describes_the_group_session_and_privacy() -> None:
    page = group_page()
    assert "<h1>BIPOC Physician Peer Support Group</h1>" in page
    assert "Black, Indigenous or People of Colour" in page
    assert "every Monday from 7:15 to 8:30 pm Pacific time" in page
    assert "facilitator" in page
    assert "not therapy" in page
    assert "<strong>Monday, March 9</strong>, from 7:15 to 8:30 pm Pacific time." in page
    assert "We delete them 30 days after the session." in page
    assert CRISIS_LINE in page
    assert 'href="tel:988"' in page
    assert "error-summary" not in page
    assert "!" not in page.replace("<!doctype html>", "")


def test_the_form_labels_every_control_and_needs_no_script() -> None:
    page = group_page()
    assert 'action="/prod/group-registrations"' in page
    assert '<label for="f-name">Your name</label>' in page
    assert '<label for="f-email">Your email address</label>' in page
    assert 'autocomplete="email"' in page
    assert "<legend>Do you identify as Black, Indigenous or a Person of Colour?</legend>" in page
    assert "<legend>Do you practise in British Columbia?</legend>" in page
    assert page.count('type="radio"') == 4
    assert "<script" not in page


def test_errors_are_summarised_linked_and_described_and_answers_kept() -> None:
    errors = {
        "email": messages()["fields"]["email"],
        "practices_in_bc": messages()["fields"]["practices_in_bc"],
    }
    page = group_page(
        values={"name": f"Dr {MARKUP}", "email": "nope", "identifies_as_bipoc": "true"}, errors=errors
    )
    assert page.startswith("<!doctype html>")
    assert "<title>Some answers need another look: BIPOC Physician Peer Support Group" in page
    assert '<div class="error-summary" role="alert"' in page
    assert '<li><a href="#f-email">Please enter an email address we can reach you at.</a></li>' in page
    assert 'aria-describedby="f-email-error" aria-invalid="true"' in page
    assert 'id="f-practices_in_bc" aria-describedby="f-practices_in_bc-error" aria-invalid="true"' in page
    assert f'value="Dr {ESCAPED}"' in page
    assert MARKUP not in page
    assert 'id="f-identifies_as_bipoc-true" name="identifies_as_bipoc" value="true" checked' in page


def test_a_full_session_says_so_and_still_invites() -> None:
    page = group_page(full=True)
    assert "Every place in this session is taken. You can still register" in page
    assert "Places are limited" not in page


@pytest.mark.parametrize("status", ["registered", "waitlisted"])
def test_the_confirmation_says_what_happens_next(status: str) -> None:
    page = render(
        "pages/group_confirmation.html", base="", reference="GR-7K3M-9QXD", status=status, session=SESSION
    )
    assert "GR-7K3M-9QXD" in page
    assert "<strong>Monday, March 9</strong>, from 7:15 to 8:30 pm Pacific time" in page
    assert ("<h1>You are registered</h1>" in page) is (status == "registered")
    assert ("<h1>You are on the waitlist</h1>" in page) is (status == "waitlisted")
    assert ("reminder" in page) is (status == "registered")
    assert CRISIS_LINE in page


@pytest.mark.parametrize("status", ["registered", "waitlisted"])
def test_the_confirmation_after_registering_again_says_what_was_sent(status: str) -> None:
    def page(emailed: bool) -> str:
        return render(
            "pages/group_confirmation.html",
            base="",
            reference="GR-7K3M-9QXD",
            status=status,
            session=SESSION,
            again=True,
            emailed=emailed,
        )

    held = "registered for" if status == "registered" else "on the waitlist for"
    resent, not_yet = page(emailed=True), page(emailed=False)
    assert f"You were already {held} this session, so we have sent the email again" in resent
    assert f"You were already {held} this session. We emailed you the details a few minutes ago." in not_yet
    assert "junk or spam folder" in not_yet
    for said in (resent, not_yet):
        assert "We have sent you an email" not in said
        assert "sent you an email to confirm" not in said
        assert "GR-7K3M-9QXD" in said


@pytest.mark.parametrize(
    ("status", "started", "heading", "button"),
    [
        ("registered", False, "Your place in the group", "Give up my place"),
        ("waitlisted", False, "Your place on the waitlist", "Leave the waitlist"),
        ("cancelled", False, "Your place is given up", None),
        ("registered", True, "This session has begun", None),
    ],
)
def test_the_registration_page(status: str, started: bool, heading: str, button: str | None) -> None:
    page = render(
        "pages/group_registration.html",
        base="/prod",
        reference="GR-7K3M-9QXD",
        status=status,
        session=SESSION,
        started=started,
        action_url="/prod/group-registrations/tok.en",
    )
    assert f"<h1>{heading}</h1>" in page
    if button:
        assert 'action="/prod/group-registrations/tok.en"' in page
        assert f'value="cancel">{button}</button>' in page
    else:
        assert "<form" not in page
        assert 'href="/prod/group">' in page


@pytest.mark.parametrize("was", ["registered", "waitlisted", "cancelled"])
def test_the_page_after_giving_up(was: str) -> None:
    page = render("pages/group_cancelled.html", base="", reference="GR-7K3M-9QXD", was=was)
    assert "Thank you for letting us know." in page
    assert ("<h1>You have left the waitlist</h1>" in page) is (was == "waitlisted")
    assert ("free for someone else" in page) is (was == "registered")
    assert 'href="/group">register again</a>' in page


@pytest.mark.parametrize("reason", ["not_bipoc", "not_in_bc"])
def test_the_not_eligible_page_points_somewhere_warm(reason: str) -> None:
    detail = messages()["not_eligible"][reason]
    page = render("pages/group_not_eligible.html", base="/prod", code=reason, detail=detail)
    assert "<h1>Where to find support</h1>" in page
    assert "Nothing you entered here was kept." in page
    assert ("Ask for one-to-one peer support" in page) is (reason == "not_bipoc")
    assert 'href="/prod/group">Back to the group page</a>' in page
    assert CRISIS_LINE in page


# -- the group's emails, beyond what tests/unit/test_emails.py checks for every kind --------------

EMAIL = {
    "program_name": "Physician Peer Support",
    "reference": "GR-7K3M-9QXD",
    "session_date": "Monday, March 9",
    "session_time": "7:15 to 8:30 pm Pacific time",
    "cancel_url": "https://example.org/group-registrations/tok",
}
JOIN = "https://meet.example.org/j/1?pwd=a&b=c"


@pytest.mark.parametrize("kind", ["group_registered", "group_promoted", "group_reminder"])
def test_a_place_comes_with_how_to_join_and_how_to_give_it_up(kind: str) -> None:
    email = render_email(kind, **EMAIL, join_url=JOIN)
    assert JOIN in email.text
    assert 'href="https://meet.example.org/j/1?pwd=a&amp;b=c"' in email.html
    assert "Join the group</a>" in email.html
    assert "give up your place" in email.text
    assert EMAIL["cancel_url"] in email.text
    assert "Monday, March 9" in email.text


def test_the_waitlist_email_promises_an_email_if_a_place_opens() -> None:
    email = render_email("group_waitlisted", **EMAIL)
    assert "is full, so we have put you on its waitlist" in email.text
    assert "If a place opens up, we will email you straight away" in email.text
    assert "leave the waitlist" in email.html


def test_the_reminder_says_today() -> None:
    email = render_email("group_reminder", **EMAIL, join_url=JOIN)
    assert email.subject.startswith("Today:")
    assert "meets today, Monday, March 9, from 7:15 to 8:30 pm Pacific time" in email.text


@pytest.mark.parametrize(
    ("event", "subject", "words"),
    [
        ("registered", "New registration", "has registered"),
        ("waitlisted", "New on the waitlist", "has joined the waitlist"),
        ("promoted", "Moved from the waitlist", "has moved from the waitlist"),
        ("cancelled", "Place given up", "has given up their place"),
        ("left_waitlist", "Left the waitlist", "has left the waitlist"),
    ],
)
def test_the_facilitator_hears_each_change_by_name_and_the_numbers(
    event: str, subject: str, words: str
) -> None:
    email = render_email(
        "group_facilitator",
        **EMAIL,
        registrant_name=f"Dr. {MARKUP}",
        event=event,
        registered_count=15,
        waitlisted_count=2,
        capacity=15,
    )
    assert email.subject == f"{subject}: BIPOC group, Monday, March 9 (GR-7K3M-9QXD)"
    assert f"Dr. {MARKUP} {words}" in email.text
    assert f"Dr. {ESCAPED}</strong> {words}" in email.html
    assert "Places taken so far: 15 of 15. On the waitlist: 2." in email.text
    assert "988" not in email.text  # an operational email, not one to a physician in need


@pytest.mark.parametrize(
    ("role", "words"),
    [("registrant", "the physician who registered"), ("facilitator", "the group's facilitator")],
)
def test_an_undeliverable_email_names_the_role_never_the_address(role: str, words: str) -> None:
    email = render_email("group_undeliverable", **EMAIL, recipient_role=role)
    assert f"could not be delivered to {words}" in email.text
    assert f"could not be delivered to {words}" in email.html.replace("&#39;", "'")
