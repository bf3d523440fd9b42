"""The pages behind the signed `/actions/{token}` links: case, administrator, withdraw, done, conflict."""

from __future__ import annotations

import re
from typing import Any

import pytest

from peer_support.core import rendering as templates

CRISIS_LINE = "1-800-663-6729"
MARKUP = "<script>x</script>"
ESCAPED = "&lt;script&gt;x&lt;/script&gt;"
ACTION_URL = "/prod/actions/tok.en"


def render(template: str, /, **context: Any) -> str:
    """A page as the API renders it: told how long a person's details are kept."""
    return templates.render(template, **({"retention_days": 30} | context))


def person(**changes: Any) -> dict[str, Any]:
    return {
        "name": f"Dr Ann {MARKUP}",
        "email": "ann@example.org",
        "phone": "604 555 0123",
        "preferred_contact": "phone",
    } | changes


def case_page(**changes: Any) -> str:
    context: dict[str, Any] = {
        "base": "/prod",
        "reference": "PS-7K3M-9QXD",
        "person": person(),
        "modalities": ["in_person", "video"],
        "urgent": False,
        "reasons": ["adverse_event", "burnout"],
        "language": None,
        "referred": False,
        "status": "matched",
        "contact_due": "5 pm on Tuesday, December 1",
        "note": None,
        "action_url": ACTION_URL,
        "errors": {},
        "values": {},
    }
    return render("pages/case.html", **(context | changes))


def admin_page(**changes: Any) -> str:
    context: dict[str, Any] = {
        "base": "",
        "reference": "PS-7K3M-9QXD",
        "status": "pending_consent",
        "kind": "colleague",
        "person": person(),
        "referrer": person(name=f"Dr Ref {MARKUP}", phone=None, preferred_contact="email"),
        "urgent": False,
        "needs_admin_reason": None,
        "left_out": {},
        "can_confirm": True,
        "can_cancel": True,
        "note": None,
        "supporter": None,
        "contact_due": "",
        "history": [],
        "action_url": ACTION_URL,
    }
    return render("pages/admin_action.html", **(context | changes))


def withdraw_page(**changes: Any) -> str:
    context: dict[str, Any] = {
        "base": "",
        "reference": "PS-7K3M-9QXD",
        "status": "matched",
        "can_withdraw": True,
        "action_url": ACTION_URL,
    }
    return render("pages/withdraw.html", **(context | changes))


def button(action: str) -> str:
    return f'name="action" value="{action}"'


def assert_safe_page(html: str) -> None:
    assert CRISIS_LINE in html
    assert "style=" not in html
    assert "<script" not in html.lower()
    assert MARKUP not in html


ACTIONS = ("acknowledge", "decline", "close", "confirm_consent", "cancel", "withdraw")


def every_page() -> list[str]:
    return [
        case_page(),
        case_page(status="contacted"),
        case_page(status="contacted", errors={"conversations": "Please enter a number from 0 to 20."}),
        case_page(status="closed", reasons=None, language="French", referred=True, urgent=True),
        admin_page(),
        admin_page(
            kind="self", referrer=None, status="needs_admin", needs_admin_reason="no_supporter_available"
        ),
        admin_page(status="closed", can_confirm=False, can_cancel=False),
        withdraw_page(),
        withdraw_page(status="withdrawn", can_withdraw=False),
        *(render("pages/action_done.html", base="", reference="PS-1", action=a) for a in ACTIONS),
        render(
            "pages/action_conflict.html",
            base="",
            reference="PS-1",
            heading="There is nothing more to do here",
            detail="This was already done.",
        ),
    ]


def test_every_page_has_the_crisis_lines_and_no_inline_style_or_script() -> None:
    for html in every_page():
        assert_safe_page(html)


def test_every_form_posts_to_the_action_url() -> None:
    for html in every_page():
        for form in re.findall(r"<form[^>]*>", html):
            assert 'method="post"' in form
            assert f'action="{ACTION_URL}"' in form


def test_matched_case_offers_acknowledge_and_decline_but_not_close() -> None:
    html = case_page()
    assert ESCAPED in html
    assert button("acknowledge") in html
    assert button("decline") in html
    assert button("close") not in html
    assert 'name="conversations"' not in html
    assert "Please make first contact by <strong>5 pm on Tuesday, December 1</strong>" in html
    assert "another Peer Supporter" in html
    assert 'href="/prod/assets/site.css"' in html


def test_contacted_case_offers_only_the_close_form() -> None:
    html = case_page(status="contacted")
    assert button("close") in html
    assert button("acknowledge") not in html
    assert button("decline") not in html
    conversations = re.search(r"<input[^>]*name=\"conversations\"[^>]*>", html)
    assert conversations is not None
    for attribute in ('type="number"', 'min="0"', 'max="20"', 'inputmode="numeric"', 'id="f-conversations"'):
        assert attribute in conversations.group(0)
    assert "aria-invalid" not in conversations.group(0)
    assert '<label for="f-conversations">How many conversations did you have?</label>' in html
    assert "<legend>Mostly how did you talk?</legend>" in html
    for value in ("in_person", "phone", "video"):
        assert f'name="modality_used" value="{value}"' in html
    assert "never notes" in html
    assert "30 days" in html
    assert "error-summary" not in html


def test_case_shows_how_to_reach_the_person_plainly() -> None:
    html = case_page(urgent=True, language="French", referred=True)
    assert '<dl class="case">' in html
    assert 'href="mailto:ann@example.org"' in html
    assert 'href="tel:6045550123"' in html
    assert "By phone" in html
    assert "In person, Video" in html
    assert "An adverse event or outcome" in html
    assert "Burnout or moral distress" in html
    assert "French" in html
    assert "A colleague referred them" in html
    assert "Yes" in html
    assert "not therapy" in html
    assert "no written notes" in html
    for code in ("in_person", "adverse_event", "burnout", "preferred_contact", "matched"):
        assert f">{code}<" not in html


def test_case_without_a_phone_or_shared_reasons() -> None:
    html = case_page(person=person(phone=None, preferred_contact="email"), reasons=None)
    assert "tel:604" not in html
    assert "Not given" in html
    assert "By email" in html
    assert "They chose not to share what brings them." in html
    assert "An adverse event or outcome" not in html
    assert "Burnout or moral distress" not in html
    absent = person()
    del absent["phone"]
    assert "Not given" in case_page(person=absent)


def test_close_errors_are_shown_and_answers_kept() -> None:
    html = case_page(
        status="contacted",
        errors={
            "conversations": "Please enter a number from 0 to 20.",
            "modality_used": "Please choose how you mostly talked.",
        },
        values={"conversations": "25", "modality_used": "video"},
    )
    assert 'class="error-summary"' in html
    assert '<a href="#f-conversations">Please enter a number from 0 to 20.</a>' in html
    assert '<a href="#f-modality_used">Please choose how you mostly talked.</a>' in html
    conversations = re.search(r"<input[^>]*name=\"conversations\"[^>]*>", html)
    assert conversations is not None
    assert 'aria-invalid="true"' in conversations.group(0)
    assert 'value="25"' in conversations.group(0)
    assert "f-conversations-error" in conversations.group(0)
    assert 'id="f-conversations-error"' in html
    assert 'id="f-modality_used"' in html
    assert 'id="f-modality_used-error"' in html
    assert re.search(r'value="video" checked', html)
    assert "Some answers need another look" in html


NOTE = "Mornings are hard.\r\nI'd rather talk after 6 pm.\n\n<b>Thank you</b>"
NOTE_LINES = "<p>Mornings are hard.<br>I&#39;d rather talk after 6 pm.</p>"


def test_the_case_page_shows_the_note_as_their_own_words_escaped_line_by_line() -> None:
    html = case_page(note=NOTE)
    assert '<h2 id="own-words-heading">In their own words</h2>' in html
    assert NOTE_LINES in html
    assert "<p>&lt;b&gt;Thank you&lt;/b&gt;</p>" in html
    assert "<b>" not in html
    assert "\r" not in html
    assert html.index("own-words-heading") < html.index("A short reminder")
    assert "own words" not in case_page()
    referred = case_page(note=NOTE, referred=True)
    assert "From the colleague who referred them" in referred
    assert NOTE_LINES in referred


def test_the_administrator_sees_the_note_too() -> None:
    html = admin_page(kind="self", referrer=None, note=NOTE)
    assert '<h2 id="own-words-heading">In their own words</h2>' in html
    assert NOTE_LINES in html
    assert "<b>" not in html
    assert "In the referrer&#39;s words" in admin_page(note=NOTE)
    assert "own words" not in admin_page()


def test_the_form_can_say_who_reads_the_note() -> None:
    hint = templates.messages()["hints"]["note"]
    assert "program administrator" in hint
    assert "Peer Supporter" in hint
    assert hint.count(".") == 1  # one short sentence
    assert hint.endswith(".")


def footer(html: str) -> str:
    return html.split('<footer class="site">')[1]


@pytest.mark.parametrize("status", ["matched", "contacted", "closed"])
def test_the_case_page_footer_speaks_to_the_supporter(status: str) -> None:
    said = footer(case_page(status=status))
    assert "your name" not in said
    assert "your Peer Supporter" not in said
    assert "this person" in said
    assert "30 days after the case is closed and they have had their check-in" in said


def test_the_administrator_page_footer_speaks_to_the_administrator() -> None:
    said = footer(admin_page())
    assert "your name" not in said
    assert "your Peer Supporter" not in said
    assert "30 days after the request is withdrawn, or closed and followed by its check-in" in said


@pytest.mark.parametrize("action", ["acknowledge", "decline", "close", "confirm_consent", "cancel"])
def test_the_done_page_footer_speaks_to_whoever_acted(action: str) -> None:
    said = footer(render("pages/action_done.html", base="", reference="PS-1", action=action))
    assert "your name" not in said
    assert "your Peer Supporter" not in said
    withdrawn = footer(render("pages/action_done.html", base="", reference="PS-1", action="withdraw"))
    assert "your name" in withdrawn


def test_closing_says_what_it_records() -> None:
    html = case_page(status="contacted")
    assert "these two counts" not in html
    assert (
        "Closing records only how many conversations you had, how you mostly talked and where you helped the"
        " person go next, never notes." in html
    )
    # Where the person went next: "none" is the default, and nothing is typed in.
    assert 'id="f-referred_on-none" name="referred_on" value="none" checked' in html
    assert "<textarea" not in html


def test_admin_referral_can_be_confirmed_or_cancelled() -> None:
    html = admin_page()
    assert ESCAPED in html
    assert "Waiting for consent" in html
    assert "Referred by" in html
    assert "Reach out to the colleague first; confirm once they have agreed" in html
    assert "your colleague" not in html
    assert button("confirm_consent") in html
    assert button("cancel") in html
    assert "Cancel this request" in html
    assert "its details are deleted 30 days later" in html
    assert "nothing to do" not in html


def test_admin_needs_admin_shows_why_readably() -> None:
    html = admin_page(
        kind="self",
        referrer=None,
        status="needs_admin",
        urgent=True,
        needs_admin_reason="no_supporter_available",
        left_out={"at_capacity": 3, "same_site": 1},
        can_confirm=False,
    )
    assert "Needs your attention" in html
    assert "No Peer Supporter is free to take it." in html
    assert "Full caseload" in html
    assert "<td>3</td>" in html
    assert "Referred by" not in html
    assert button("confirm_consent") not in html
    assert button("cancel") in html


HISTORY = [
    {"when": "Thursday, November 26, 10:00 am", "event": "submitted", "by": "requester"},
    {"when": "Thursday, November 26, 10:00 am", "event": "needs_admin", "by": "system"},
    {"when": "Thursday, November 26, 10:05 am", "event": "viewed", "by": "admin"},
    {"when": "Friday, November 27, 9:00 am", "event": "needs_admin_reminder", "by": "system"},
    {"when": "Friday, November 27, 9:30 am", "event": "matched", "by": "system"},
    {"when": "Friday, November 27, 9:31 am", "event": "viewed", "by": "supporter"},
    {
        "when": "Friday, November 27, 9:32 am",
        "event": "email_undeliverable",
        "by": "system",
        "recipient_role": "requester",
    },
    {"when": "Friday, November 27, 9:40 am", "event": "someday_new", "by": "system"},
]


def test_admin_page_shows_the_request_as_it_stands_after_a_match() -> None:
    """Re-queued from needs_admin and matched since: what is true now, not what was."""
    html = admin_page(
        kind="self",
        referrer=None,
        status="matched",
        needs_admin_reason="no_supporter_available",  # left on the item from before
        left_out={"at_capacity": 3},
        can_confirm=False,
        supporter={"name": f"Dr Sup {MARKUP}", "readable": True},
        contact_due="5 pm on Tuesday, December 1",
        history=HISTORY,
    )
    assert "<dd>Matched, waiting for first contact</dd>" in html
    assert f"<dd>Dr Sup {ESCAPED}</dd>" in html
    assert "<dd>By 5 pm on Tuesday, December 1</dd>" in html
    assert "Why it needs you" not in html
    assert "No Peer Supporter is free" not in html
    assert "Full caseload" not in html
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert rows == [
        ("Thursday, November 26, 10:00 am", "Request received"),
        ("Thursday, November 26, 10:00 am", "No Peer Supporter could be matched"),
        ("Thursday, November 26, 10:05 am", "Viewed by an administrator"),
        ("Friday, November 27, 9:00 am", "Reminder sent to the administrators"),
        ("Friday, November 27, 9:30 am", "Matched with a Peer Supporter"),
        ("Friday, November 27, 9:31 am", "Viewed by the Peer Supporter"),
        (
            "Friday, November 27, 9:32 am",
            "An email to the physician who asked for support could not be delivered",
        ),
        ("Friday, November 27, 9:40 am", "Someday new"),
    ]


def test_admin_page_says_why_only_while_it_needs_the_administrator() -> None:
    waiting = admin_page(
        kind="self", referrer=None, status="needs_admin", needs_admin_reason="no_supporter_available"
    )
    assert "Why it needs you" in waiting
    assert "Peer Supporter</dt>" not in waiting
    assert "First contact due" not in waiting
    contacted = admin_page(
        kind="self",
        referrer=None,
        status="contacted",
        needs_admin_reason="no_supporter_available",
        supporter={"name": "Dr Sup", "readable": True},
        can_confirm=False,
    )
    assert "Why it needs you" not in contacted
    assert "<dd>Dr Sup</dd>" in contacted
    assert "First contact due" not in contacted
    gone = admin_page(kind="self", status="matched", supporter={"name": None, "readable": True})
    assert "<dd>No longer on the roster</dd>" in gone
    unread = admin_page(kind="self", status="matched", supporter={"name": None, "readable": False})
    assert "<dd>Their name cannot be shown just now</dd>" in unread


def test_admin_with_nothing_to_do() -> None:
    html = admin_page(status="closed", can_confirm=False, can_cancel=False)
    assert "There is nothing to do on this request now." in html
    assert "<form" not in html
    assert "Closed" in html


def test_withdraw_page() -> None:
    html = withdraw_page()
    assert button("withdraw") in html
    assert "Withdraw my request" in html
    assert "30 days" in html
    assert "again at any time" in html
    closed = withdraw_page(status="closed", can_withdraw=False)
    assert button("withdraw") not in closed
    assert "<form" not in closed
    assert "already closed" in closed
    assert "already been withdrawn" in withdraw_page(status="withdrawn", can_withdraw=False)


@pytest.mark.parametrize(
    ("action", "sentence"),
    [
        ("acknowledge", "We have noted that you made first contact."),
        ("decline", "We are finding another Peer Supporter."),
        ("close", "Their details are deleted 30 days after that."),
        ("talk_again", "the one you talked with first if they are free"),
        ("confirm_consent", "The request is now being matched"),
        ("cancel", "The request is cancelled."),
        ("withdraw", "You can ask again at any time."),
    ],
)
def test_done_page_per_action(action: str, sentence: str) -> None:
    html = render("pages/action_done.html", base="", reference="PS-1", action=action)
    assert sentence in html
    assert html.count("<h1>") == 1
    assert "<form" not in html


def test_conflict_page_is_calm_and_escapes_the_detail() -> None:
    html = render(
        "pages/action_conflict.html",
        base="",
        reference="PS-1",
        heading=f"Moved {MARKUP}",
        detail=f"Already done {MARKUP}",
    )
    assert "<h1>Moved &lt;" in html
    assert f"Already done {ESCAPED}" in html
    assert "<form" not in html
    assert "409" not in html
    assert "!" not in html.split('<main id="main" tabindex="-1">')[1]


@pytest.mark.parametrize(("retention_days", "said"), [(7, "7 days"), (1, "1 day"), (365, "365 days")])
def test_pages_say_the_retention_they_are_given(retention_days: int, said: str) -> None:
    def done(action: str) -> str:
        return render(
            "pages/action_done.html", base="", reference="PS-1", action=action, retention_days=retention_days
        )

    pages = {
        "case": case_page(status="contacted", retention_days=retention_days),
        "admin": admin_page(retention_days=retention_days),
        "withdraw": withdraw_page(retention_days=retention_days),
        "closed": done("close"),
        "cancelled": done("cancel"),
        "withdrawn": done("withdraw"),
    }
    withdrawn_or_checked_in = "after your request is withdrawn, or after our one check-in once it is closed"
    footers = {
        "case": f"we delete them {said} after the case is closed and they have had their check-in",
        "admin": f"we delete them {said} after the request is withdrawn, or closed and followed by its "
        "check-in",
        "withdraw": f"we delete your details {said} {withdrawn_or_checked_in}",
        "closed": f"we delete them {said} after the request is closed and they have had their check-in",
        "cancelled": f"we delete them {said} after the request is cancelled",
        "withdrawn": f"we delete your details {said} {withdrawn_or_checked_in}",
    }
    for name, html in pages.items():
        assert "30 days" not in html, name
        assert footers[name] in footer(html), name
    assert f"their details are deleted {said} after that." in pages["case"]
    assert f"its details are deleted {said} later" in pages["admin"]
    assert f"We delete your details {said} later." in pages["withdraw"]
    assert f"Their details are deleted {said} after that." in pages["closed"]
    assert f"Its details will be deleted in {said}." in pages["cancelled"]
    assert f"We will delete your details in {said}." in pages["withdrawn"]
