"""Urgent matching's on-call step, reach-in's notices and every SMS text, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from peer_support.notifications.sms import MAX_LENGTH, attributes, render_sms
from peer_support.requests.matching import rank_candidates
from peer_support.requests.notices import notices_for
from tests.unit.test_matching import request, supporter

THURSDAY = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # Thursday 12:00 in Vancouver
LATE_WEDNESDAY = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)  # Wednesday 23:30 in Vancouver


def ids(ranked: Any) -> list[str]:
    return [s.supporter_id for s in ranked.candidates]


def test_an_urgent_request_goes_first_to_whoever_is_on_call_today() -> None:
    roster = [supporter("s1"), supporter("s2", on_call=["thu"]), supporter("s3", on_call=["mon", "thu"])]
    ranked = rank_candidates(request(urgent=True), roster, THURSDAY)
    assert ids(ranked) == ["s2", "s3", "s1"]  # on call first, each group in the usual order
    assert ranked.nobody_on_call is False
    # The day is Vancouver's: at 07:30 UTC on Thursday it is still Wednesday there
    assert ids(rank_candidates(request(urgent=True), roster, LATE_WEDNESDAY)) == ["s1", "s2", "s3"]


def test_the_hard_filters_still_hold_for_whoever_is_on_call() -> None:
    roster = [supporter("s1"), supporter("s2", on_call=["thu"], active=False)]
    ranked = rank_candidates(request(urgent=True), roster, THURSDAY)
    assert (ids(ranked), ranked.left_out, ranked.nobody_on_call) == (["s1"], {"s2": "inactive"}, True)


def test_on_call_counts_only_for_urgent_requests() -> None:
    roster = [supporter("s1"), supporter("s2", on_call=["thu"])]
    ranked = rank_candidates(request(), roster, THURSDAY)
    assert (ids(ranked), ranked.nobody_on_call) == (["s1", "s2"], False)


def reach_in(**overrides: Any) -> dict[str, Any]:
    answers = {
        "kind": "reach_in",
        "status": "invited",
        "requester": {"name": "Dr. Rita Head", "email": "rita@example.org"},
        "colleague": {"name": "Dr. Sam Roy", "email": "sam@example.org"},
        "event": "legal",
        "last_event": "submitted",
    }
    return request(**{**answers, **overrides})


def test_a_reach_in_invites_the_physician_and_tells_the_referrer_once() -> None:
    notices = notices_for(None, reach_in())
    assert [(n.kind, n.role, n.context) for n in notices] == [
        ("invitation", "colleague", {}),
        ("invitation_sent", "requester", {"share_referrer_name": False}),
    ]
    named = notices_for(None, reach_in(share_referrer_name=True))[0]
    assert named.context == {"referrer_name": "Dr. Rita Head"}
    # Asking again tells nobody anything
    again = reach_in(version=2, last_event="submitted_again")
    assert notices_for(reach_in(), again) == []


def test_the_physician_s_answer_and_silence_tell_the_referrer_nothing() -> None:
    for event, kinds in (
        ("invitation_reminder", [("invitation_reminder", "colleague")]),
        ("invitation_declined", [("invitation_declined", "colleague")]),
        ("invitation_lapsed", []),
        ("invitation_accepted", []),
    ):
        changed = reach_in(version=2, last_event=event)
        assert [(n.kind, n.role) for n in notices_for(reach_in(), changed)] == kinds, event
    matched = reach_in(
        version=3, last_event="matched", status="matched", supporter_id="s1", contact_due_at="x"
    )
    assert {n.role for n in notices_for(reach_in(), matched)} == {"supporter", "colleague"}


URL = "https://peer-support.example.org/actions/UFMtN0szTS05UVhEfHN1cHBvcnRlcnxzMXwxNzk5OTk5OTk5.c2lnbmF0dXJlLWhlcmUtMzItYnl0ZXMtbG9uZy1vay1va2F5"
TEXTS = {
    "assigned": {"reference": "PS-7K3M-9QXD", "contact_due_time": "14:30", "case_url": URL},
    "contact_reminder": {"reference": "PS-7K3M-9QXD", "contact_due_time": "14:30", "case_url": URL},
    "request_received": {
        "reference": "PS-7K3M-9QXD",
        "program_name": "Physician Peer Support",
        "withdraw_url": URL,
    },
}


def test_the_page_reads_as_the_contract_says() -> None:
    assert render_sms("assigned", **TEXTS["assigned"]) == (
        f"Urgent peer support request PS-7K3M-9QXD: first contact by 14:30. Details: {URL}"
    )


@pytest.mark.parametrize("kind", list(TEXTS))
def test_every_text_is_one_line_with_one_link_and_nobody_s_details(kind: str) -> None:
    person = {"name": "Dr. Jane Roe", "email": "jane@example.org", "phone": "604 555 0123"}
    text = render_sms(
        kind, **TEXTS[kind], requester=person, colleague=person, note="a note", reasons=["burnout"]
    )
    assert "\n" not in text
    assert text.count("https://") == 1
    assert len(text) <= MAX_LENGTH
    assert "PS-7K3M-9QXD" in text
    for value in ("Jane", "Roe", "jane@", "555", "note", "burnout", "!"):
        assert value not in text


def test_a_text_comes_from_the_program_s_sender_where_it_has_one() -> None:
    from peer_support.notifications.settings import NotifySettings

    base = {
        "REQUESTS_TABLE": "r",
        "SUPPORTERS_TABLE": "s",
        "LINK_SECRET_ARN": "a",
        "SENDER_EMAIL": "p@example.org",
        "ADMIN_EMAILS": "a@example.org",
        "PUBLIC_BASE_URL": "https://example.org",
        "IDEMPOTENCY_TABLE": "i",
    }
    plain = attributes(
        NotifySettings.model_validate({**base, "SMS_SENDER_ID": "", "SMS_ORIGINATION_NUMBER": ""})
    )
    assert plain == {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
    chosen = NotifySettings.model_validate(
        {**base, "SMS_SENDER_ID": "PeerSupport", "SMS_ORIGINATION_NUMBER": "+18885550100"}
    )
    assert {k: v["StringValue"] for k, v in attributes(chosen).items()} == {
        "AWS.SNS.SMS.SMSType": "Transactional",
        "AWS.SNS.SMS.SenderID": "PeerSupport",
        "AWS.MM.SMS.OriginationNumber": "+18885550100",
    }
