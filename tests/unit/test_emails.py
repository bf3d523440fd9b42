"""Email templates: every kind renders, escapes HTML, shows the reference and speaks in our voice."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import meta
from markupsafe import escape

from peer_support.core.rendering import TEMPLATES, environment
from peer_support.notifications.email import EMAIL_KINDS, RenderedEmail, render_email

PROGRAM = "Physician Peer Support"
REFERENCE = "PS-7K3M-9QXD"
DUE = "5 pm on Tuesday, December 1"

GROUP_SESSION = {"session_date": "Monday, March 9", "session_time": "7:15 to 8:30 pm Pacific time"}

# Sample context per kind (`program_name`, `reference` and `to_physician` are added for every kind).
SAMPLES: dict[str, dict[str, Any]] = {
    "request_received": {
        "urgent": False,
        "urgent_minutes": 120,
        "confirm": False,
        "again": False,
        "withdraw_url": "https://example.org/withdraw?r=1&t=abc",
    },
    "referral_received": {"again": False, "withdraw_url": "https://example.org/withdraw?r=2&t=def"},
    "matched": {
        "contact_due": DUE,
        "referred": False,
        "again": False,
        "waited": False,
        "withdraw_url": "https://example.org/withdraw?r=3&t=ghi",
    },
    "match_delayed": {"withdraw_url": "https://example.org/withdraw?r=3&t=jkl"},
    "assigned": {"contact_due": DUE, "urgent": False, "case_url": "https://example.org/case?r=4&t=jkl"},
    "case_moved": {"reason": "declined"},
    "contact_reminder": {"contact_due": DUE, "case_url": "https://example.org/case?r=5&t=mno"},
    "consent_needed": {"urgent": False, "action_url": "https://example.org/consent?r=6&t=pqr"},
    "urgent_request": {"action_url": "https://example.org/request?r=7&t=stu", "urgent_minutes": 120},
    "nobody_on_call": {"contact_due": DUE, "action_url": "https://example.org/request?r=13"},
    "invitation": {
        "referrer_name": "Dr. Rita Head",
        "accept_url": "https://example.org/actions/t5?answer=yes",
        "decline_url": "https://example.org/actions/t5?answer=no",
    },
    "invitation_reminder": {
        "referrer_name": "Dr. Rita Head",
        "accept_url": "https://example.org/actions/t6?answer=yes",
        "decline_url": "https://example.org/actions/t6?answer=no",
    },
    "invitation_declined": {},
    "invitation_sent": {"share_referrer_name": False},
    "needs_admin": {
        "left_out": {"at_capacity": 2, "away": 1},
        "action_url": "https://example.org/request?r=8",
    },
    "email_undeliverable": {"recipient_role": "supporter"},
    "contact_overdue": {
        "contact_due": DUE,
        "reassigned": True,
        "action_url": "https://example.org/request?r=9",
    },
    "consent_reminder": {"action_url": "https://example.org/consent?r=10&t=vwx"},
    "needs_admin_reminder": {
        "action_url": "https://example.org/request?r=11",
        "waiting_since": "November 27",
    },
    "surge_started": {"action_url": "https://example.org/request?r=12"},
    "group_registered": {
        **GROUP_SESSION,
        "join_url": "https://meet.example.org/j/12?pwd=a&b=c",
        "cancel_url": "https://example.org/group-registrations/t1",
    },
    "group_waitlisted": {**GROUP_SESSION, "cancel_url": "https://example.org/group-registrations/t2"},
    "group_promoted": {
        **GROUP_SESSION,
        "join_url": "https://meet.example.org/j/12?pwd=a&b=c",
        "cancel_url": "https://example.org/group-registrations/t3",
    },
    "group_reminder": {
        **GROUP_SESSION,
        "join_url": "https://meet.example.org/j/12?pwd=a&b=c",
        "cancel_url": "https://example.org/group-registrations/t4",
    },
    "group_facilitator": {
        **GROUP_SESSION,
        "registrant_name": "Dr. Ada Obi",
        "event": "registered",
        "registered_count": 12,
        "waitlisted_count": 0,
        "capacity": 15,
    },
    "group_undeliverable": {"session_date": GROUP_SESSION["session_date"], "recipient_role": "registrant"},
    # About a supporter, never a case: the administrators are told who (their name is the point).
    "availability_changed": {
        "supporter_name": "Dr. Sam Lee",
        "changes": [{"answer": "paused", "before": "taking requests", "after": "paused"}],
    },
    "debrief_requested": {
        "supporter_name": "Dr. Sam Lee",
        "supporter_email": "sam.lee@example.org",
        "supporter_phone": "604 555 0188",
    },
    "training_reminder": {
        "trained_until": "Monday, January 4, 2027",
        "page_url": "https://example.org/supporters/t5?a=1&b=2",
    },
    "training_reminder_admin": {
        "supporter_name": "Dr. Sam Lee",
        "supporter_email": "sam.lee@example.org",
        "trained_until": "Monday, January 4, 2027",
    },
    "supporters_digest": {
        "paused": [{"name": "Dr. Sam Lee", "open_count": 1, "limit": 3}],
        "away": [],
        "at_capacity": [],
        "training": [],
    },
    "check_in": {
        "withdraw_url": "https://example.org/actions/t5?a=1&b=2",
        "feedback_url": "https://example.org/feedback/t6?a=1&b=2",
    },
    "monthly_report": {
        "month_name": "November 2026",
        "min_count": 5,
        "link_days": 45,
        "report_url": "https://example.org/reports/t7?a=1&b=2",
    },
}
# Emails about a supporter rather than a request: no reference, and the supporter's own name is told.
ABOUT_SUPPORTERS = {
    "availability_changed",
    "debrief_requested",
    "training_reminder",
    "training_reminder_admin",
    "supporters_digest",
}
ABOUT_REQUESTS = [kind for kind in EMAIL_KINDS if kind not in ABOUT_SUPPORTERS]

# Values drawn from a fixed list: the templates branch on them rather than print them.
ENUMERATED = {"reason", "recipient_role", "event"}
PHYSICIAN_KINDS = [kind for kind, to_physician in EMAIL_KINDS.items() if to_physician]
ADMIN_KINDS = [kind for kind, to_physician in EMAIL_KINDS.items() if not to_physician]
SUPPORTER_KINDS = ["assigned", "case_moved", "contact_reminder"]
LEFT_OUT_CODES = [
    "inactive",
    "away",
    "at_capacity",
    "no_shared_modality",
    "excluded",
    "same_site",
    "avoided",
    "is_participant",
    "paused",
    "training_lapsed",
]
CRISIS_LINES = ["988", "1-800-663-6729", "911", "not monitored for emergencies"]


def render(kind: str, **overrides: Any) -> RenderedEmail:
    context: dict[str, Any] = {"program_name": PROGRAM, "reference": REFERENCE, **SAMPLES[kind], **overrides}
    return render_email(kind, **context)


def printed_values(kind: str) -> list[str]:
    """The sample's string values a reader should see verbatim."""
    return [value for key, value in SAMPLES[kind].items() if isinstance(value, str) and key not in ENUMERATED]


def visible_html(html: str) -> str:
    return html.replace("<!doctype html>", "")


def test_every_kind_has_a_sample_and_three_templates() -> None:
    assert set(SAMPLES) == set(EMAIL_KINDS)
    for kind in EMAIL_KINDS:
        for suffix in (".subject.txt", ".txt", ".html"):
            assert (TEMPLATES / "email" / f"{kind}{suffix}").is_file(), f"{kind}{suffix}"


@pytest.mark.parametrize("kind", sorted(ABOUT_SUPPORTERS))
def test_emails_about_a_supporter_carry_no_reference(kind: str) -> None:
    email = render(kind, reference="")
    assert email.subject
    assert "\n" not in email.subject
    for part in (email.subject, email.text, email.html):
        assert "Reference" not in part
        assert "PS-" not in part
    assert f"The {PROGRAM} team" in email.text


@pytest.mark.parametrize("kind", ABOUT_REQUESTS)
def test_every_kind_renders_with_reference_program_and_sign_off(kind: str) -> None:
    email = render(kind)
    assert email.subject
    assert "\n" not in email.subject
    assert email.subject == email.subject.strip()
    assert len(email.subject) <= 100
    assert REFERENCE in email.subject
    for part in (email.text, email.html):
        assert REFERENCE in part
        assert PROGRAM in part
        assert f"The {PROGRAM} team" in part


@pytest.mark.parametrize("kind", list(EMAIL_KINDS))
def test_key_context_values_appear_in_both_parts(kind: str) -> None:
    email = render(kind)
    for value in printed_values(kind):
        assert value in email.text
        assert str(escape(value)) in email.html


@pytest.mark.parametrize("kind", list(EMAIL_KINDS))
def test_no_exclamation_marks(kind: str) -> None:
    email = render(kind)
    assert "!" not in email.subject
    assert "!" not in email.text
    assert "!" not in visible_html(email.html)


@pytest.mark.parametrize("kind", list(EMAIL_KINDS))
def test_markup_in_values_is_escaped_in_html_and_plain_in_text(kind: str) -> None:
    hostile: dict[str, Any] = {
        key: f"<b>{value}</b>"
        for key, value in SAMPLES[kind].items()
        if isinstance(value, str) and key not in ENUMERATED
    }
    hostile["reference"] = "<b>PS</b>"
    hostile["program_name"] = '<i>Peer "Support"</i>'
    if kind == "needs_admin":
        hostile["left_out"] = {"at_capacity": 1, "<b>odd</b>": 2}
    email = render(kind, **hostile)
    assert "<b>" not in email.html
    assert "<i>" not in email.html
    assert "&lt;b&gt;PS&lt;/b&gt;" in email.html
    assert "&lt;i&gt;Peer &#34;Support&#34;&lt;/i&gt;" in email.html
    assert "<b>PS</b>" in email.text
    assert '<i>Peer "Support"</i>' in email.text
    assert "&lt;" not in email.text
    assert "&#" not in email.text
    for value in hostile.values():
        if isinstance(value, str):
            assert value in email.text
            assert str(escape(value)) in email.html


def test_urls_are_attribute_escaped_in_html_and_raw_in_text() -> None:
    email = render("request_received")
    assert 'href="https://example.org/withdraw?r=1&amp;t=abc"' in email.html
    assert "https://example.org/withdraw?r=1&t=abc" in email.text


@pytest.mark.parametrize("kind", PHYSICIAN_KINDS)
def test_physician_emails_end_with_the_crisis_lines(kind: str) -> None:
    email = render(kind)
    for line in CRISIS_LINES:
        assert line in email.text
        assert line in email.html
    assert "tel:988" in email.html
    assert "tel:+18006636729" in email.html
    sign_off = f"The {PROGRAM} team"
    assert email.text.index(sign_off) < email.text.index("1-800-663-6729")
    assert email.html.index(sign_off) < email.html.index("1-800-663-6729")
    assert email.text.rstrip().endswith("This email service is not monitored for emergencies.")
    assert "Suicide Crisis Helpline" in email.text
    assert "Physician Health Program of BC" in email.text


@pytest.mark.parametrize("kind", ADMIN_KINDS)
def test_administrator_emails_follow_to_physician(kind: str) -> None:
    assert "1-800-663-6729" not in render(kind).text
    assert "1-800-663-6729" not in render(kind).html
    shown = render(kind, to_physician=True)
    for line in CRISIS_LINES:
        assert line in shown.text
        assert line in shown.html


@pytest.mark.parametrize("kind", PHYSICIAN_KINDS)
def test_physician_emails_name_no_status_field_or_system_part(kind: str) -> None:
    email = render(kind)
    for word in ("status", "pending_match", "console", "SLA", "requester", "supporter_id", "roster"):
        assert word not in email.text
        assert word not in email.html


@pytest.mark.parametrize("kind", ABOUT_REQUESTS)
def test_no_personal_data_is_printed_even_when_passed(kind: str) -> None:
    person = {"name": "Dr. Jane Roe", "email": "jane.roe@example.com", "phone": "604 555 0123"}
    email = render(
        kind,
        requester=person,
        colleague=person,
        supporter=person,
        supporter_name=person["name"],
        email=person["email"],
        phone=person["phone"],
        reasons=["burnout"],
        note="a private note",
    )
    for part in (email.subject, email.text, email.html):
        for secret in ("Jane", "Roe", "jane.roe@example.com", "604 555 0123", "burnout", "private note"):
            assert secret not in part


def test_templates_only_read_the_documented_context() -> None:
    env = environment()
    common = {"program_name", "reference", "to_physician"}
    allowed_by_template: dict[str, set[str]] = {
        "base.txt": common | {"page_url"},
        "base.html": common | {"self", "page_url"},
        "_macros.html": set(),
        "_labels.txt": set(),
    }
    for kind in EMAIL_KINDS:
        for suffix in (".subject.txt", ".txt", ".html"):
            allowed_by_template[f"{kind}{suffix}"] = common | set(SAMPLES[kind])
    files = {path.name for path in (TEMPLATES / "email").iterdir()}
    assert files == set(allowed_by_template)
    for name, allowed in allowed_by_template.items():
        source = (TEMPLATES / "email" / name).read_text(encoding="utf-8")
        used = meta.find_undeclared_variables(env.parse(source))
        assert used <= allowed, f"{name} reads {sorted(used - allowed)}"


@pytest.mark.parametrize("kind", list(EMAIL_KINDS))
def test_html_is_simple_self_contained_email_html(kind: str) -> None:
    html = render(kind).html
    assert html.startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert 'charset="utf-8"' in html
    assert "max-width:600px" in html
    lowered = html.lower()
    for forbidden in ("<script", "<img", "<link", "<style", "<form", "<button", "src=", "javascript:"):
        assert forbidden not in lowered


def test_request_received_promises_the_right_time() -> None:
    assert "within 2 to 3 working days" in render("request_received").text
    urgent = render("request_received", urgent=True)
    assert "within 2 hours, counted between 8 am and 8 pm" in urgent.text
    assert "within 2 hours, counted between 8 am and 8 pm" in urgent.html
    assert "within 90 minutes" in render("request_received", urgent=True, urgent_minutes=90).text
    assert "2 to 3 working days" not in urgent.text
    assert "withdraw" in urgent.text


def test_referral_received_explains_the_administrator_reaches_out_first() -> None:
    email = render("referral_received")
    assert "Thank you" in email.text
    assert "administrator will reach out to your colleague first" in email.text
    assert "withdraw the referral" in email.text
    assert "withdraw the referral" in email.html


@pytest.mark.parametrize("referred", [True, False])
def test_matched_gives_the_date_without_naming_the_supporter(referred: bool) -> None:
    email = render("matched", referred=referred)
    assert DUE in email.subject
    assert f"by {DUE}" in email.text
    assert "fellow physician trained to listen" in email.text
    assert ("Thank you for agreeing" in email.text) is referred
    assert ("Thank you for agreeing" in email.html) is referred


def test_matched_again_says_plainly_a_different_supporter_will_reach_out() -> None:
    first = render("matched")
    again = render("matched", again=True)
    assert again.subject == f"A different Peer Supporter will contact you by {DUE} ({REFERENCE})"
    assert again.subject != first.subject
    for part in (again.text, again.html):
        assert "a different Peer Supporter" in part
        assert "We have matched you" not in part
    assert f"They will contact you by {DUE} to arrange a time to talk." in again.text
    assert f"They will contact you by <strong>{DUE}</strong>" in again.html
    for blame in ("could not", "failed", "missed", "overdue", "late", "sorry", "Dr"):
        assert blame not in again.text


@pytest.mark.parametrize("again", [True, False])
def test_matched_after_a_wait_thanks_them_for_waiting(again: bool) -> None:
    email = render("matched", again=again, waited=True)
    assert "Thank you for waiting." in email.text
    assert "Thank you for waiting." in email.html
    assert "for waiting" not in render("matched", again=again).text


def test_a_referred_colleague_is_thanked_once_for_both() -> None:
    email = render("matched", referred=True, waited=True)
    assert "Thank you for agreeing to hear from us, and for waiting. We have matched you" in email.text
    assert email.text.count("Thank you") == 1


def test_match_delayed_says_kindly_it_is_taking_longer_and_who_is_on_it() -> None:
    email = render("match_delayed")
    assert email.subject == f"Finding your Peer Supporter is taking a little longer ({REFERENCE})"
    for part in (email.text, email.html):
        assert "taking longer than usual" in part
        assert "Our program team is finding someone for you now." in part
        assert "you do not need to do anything" in part
        assert "2 to 3 working days" not in part
    assert "withdraw your request" in email.text


@pytest.mark.parametrize("urgent", [True, False])
def test_assigned_is_short_and_practical(urgent: bool) -> None:
    email = render("assigned", urgent=urgent)
    assert ("Urgent" in email.subject) is urgent
    assert ("urgent" in email.text.lower()) is urgent
    assert DUE in email.subject
    assert "acknowledge" in email.text
    assert "decline" in email.text
    assert "do not forward" in email.text
    assert "do not forward" in email.html
    assert email.html.count("<a href=") == 1 + 2  # the case link, plus the two crisis phone links


@pytest.mark.parametrize("kind", SUPPORTER_KINDS)
def test_supporter_emails_carry_at_most_one_link(kind: str) -> None:
    email = render(kind)
    links = [line for line in email.text.splitlines() if "https://" in line]
    assert len(links) <= 1


def test_case_moved_says_something_different_for_each_reason_and_never_blames() -> None:
    texts = {
        reason: render("case_moved", reason=reason).text
        for reason in ("declined", "reassigned", "withdrawn", "cancelled")
    }
    assert len(set(texts.values())) == len(texts)
    for text in texts.values():
        assert "nothing you need to do" in text
        assert "Thank you" in text
    reassigned = texts["reassigned"].lower()
    for blame in ("missed", "failed", "overdue", "late"):
        assert blame not in reassigned
    assert "no reflection on you" in reassigned


def test_contact_reminder_is_gentle() -> None:
    email = render("contact_reminder")
    assert "gentle reminder" in email.text.lower()
    assert DUE in email.subject


@pytest.mark.parametrize("urgent", [True, False])
def test_consent_needed_points_to_the_confirm_page(urgent: bool) -> None:
    email = render("consent_needed", urgent=urgent)
    assert ("Urgent" in email.subject) is urgent
    assert "consent" in email.text
    assert "contact details" in email.text
    assert "cancel" in email.text


def test_urgent_request_says_matching_is_automatic() -> None:
    email = render("urgent_request")
    assert "Urgent" in email.subject
    assert "automatically" in email.text


def test_needs_admin_translates_every_code_into_plain_words() -> None:
    email = render("needs_admin", left_out=dict.fromkeys(LEFT_OUT_CODES, 1))
    for code in LEFT_OUT_CODES:
        if "_" in code:
            assert code not in email.text
            assert code not in email.html
    for words in ("not active", "away", "at capacity", "same site", "avoid"):
        assert words in email.text
        assert words in email.html
    assert "pending_match" in email.text
    assert "pending_match" in email.html


def test_needs_admin_with_nobody_left_out_says_no_supporters_are_available() -> None:
    email = render("needs_admin", left_out={})
    assert "no supporters on the roster" in email.text
    assert "no supporters on the roster" in email.html
    assert "<ul" not in email.html


@pytest.mark.parametrize(
    ("role", "words"),
    [
        ("requester", "the physician who asked for support"),
        ("colleague", "the colleague who was referred"),
        ("supporter", "the Peer Supporter"),
        ("administrator", "the program administrator"),
    ],
)
def test_email_undeliverable_names_the_role(role: str, words: str) -> None:
    email = render("email_undeliverable", recipient_role=role)
    assert f"delivered to {words}" in email.text
    assert f"delivered to {words}" in email.html
    assert "check the email address" in email.text


@pytest.mark.parametrize("reassigned", [True, False])
def test_contact_overdue_says_whether_it_was_reassigned(reassigned: bool) -> None:
    email = render("contact_overdue", reassigned=reassigned)
    assert f"due by {DUE}" in email.text
    assert ("has been reassigned automatically" in email.text) is reassigned
    assert ("has not been reassigned" in email.text) is not reassigned


def test_admin_reminders() -> None:
    consent = render("consent_reminder")
    assert "more than a working day" in consent.text
    waiting = render("needs_admin_reminder")
    assert "since November 27" in waiting.text
    assert "pending_match" in waiting.text


def test_a_request_held_in_a_surge_asks_kindly_for_one_click() -> None:
    # Given a request held for its sender's confirmation
    email = render("request_received", confirm=True, urgent=True)
    # Then the email says why, gives the one link, and what happens if no one confirms
    assert email.subject.startswith("Please confirm your request")
    for part in (email.text, email.html):
        assert "more requests than usual" in part
        assert "deleted after 2 days" in part
        assert "within 2 hours" in part
    assert "Yes, this is my request" in email.html
    assert email.text.count("https://example.org/withdraw?r=1&amp;t=abc".replace("&amp;", "&")) == 2


def test_asking_again_says_no_second_request_was_made() -> None:
    for kind in ("request_received", "referral_received"):
        email = render(kind, again=True)
        for part in (email.text, email.html):
            assert "we have not made a second one" in part
            assert REFERENCE in part


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+16045550101", "(604) 555-0101"), ("+44 20 7946 0958", "+44 20 7946 0958"), ("", "")],
)
def test_a_north_american_number_kept_for_texts_is_shown_as_people_write_it(stored: str, shown: str) -> None:
    from peer_support.core.rendering import phone

    assert phone(stored) == shown
