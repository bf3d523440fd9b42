"""Urgent requests under moto: the supporter on call today is chosen and paged by SMS in the same batch as
the assignment email, reminded by SMS half-way, and at the deadline the case moves to the next on call."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_runner.lambdas import invoke
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.conftest import api_event
from tests.integration.conftest import Pipeline

ADMIN = "program-admin@example.org"
# A Wednesday: `wed` in the roster's on_call column.
WEDNESDAY_2PM = datetime(2026, 12, 2, 14, 0, tzinfo=TIME_ZONE)
REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["adverse_event"],
    "modalities": ["video"],
    "urgent": True,
}
PHONES = {"s1": "604 555 0101", "s2": "604 555 0102", "s3": "604 555 0103"}


@pytest.fixture
def frozen() -> Any:
    frozen_clock = clock.FrozenClock(WEDNESDAY_2PM)
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


def roster(stack: Any, on_call: dict[str, list[str]]) -> None:
    """s1 has never been assigned (so would be first by rotation), s2 and s3 as `on_call` says."""
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(
                supporter_id=supporter,
                name=f"Dr. {supporter}",
                email=f"{supporter}@example.org",
                phone=phone,
                modalities=["video"],
                on_call=on_call.get(supporter, []),
            )
            for supporter, phone in PHONES.items()
        ]
    )


def submit(body: dict[str, Any]) -> str:
    result = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body)))
    assert result["statusCode"] == 201, result["body"]
    reference: str = json.loads(result["body"])["reference"]
    return reference


def item(stack: Any, reference: str) -> dict[str, Any]:
    from peer_support.requests.repository import RequestsRepository

    return RequestsRepository(stack.refs["RequestsTable"]).get(reference)


def texts() -> list[dict[str, str]]:
    from local_runner.stack import sent_sms

    return sent_sms()


def sweep(frozen: clock.FrozenClock, minutes: float, urgent_only: bool = True) -> dict[str, int]:
    frozen.advance(timedelta(minutes=minutes))
    steps: dict[str, int] = invoke("SlaCheckFunction", {"sweep": "urgent"} if urgent_only else {})["steps"]
    return steps


def local(when: str) -> datetime:
    return clock.parse_iso(when).astimezone(TIME_ZONE)


def test_the_supporter_on_call_today_is_paged_in_the_same_batch_exactly_once(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    roster(stack, {"s2": ["wed"], "s3": ["mon", "tue"]})
    pipeline = Pipeline(stack)
    reference = submit(REQUEST)
    # When match runs, and then notify once on the batch the match wrote
    invoke("MatchFunction", {"Records": pipeline.readers["MatchFunction"].records()})
    records = pipeline.readers["NotifyFunction"].records()
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}
    # Then s2, on call on Wednesdays, took it (not s1, who is not on call), due at 16:00
    stored = item(stack, reference)
    assert stored["supporter_id"] == "s2"
    assert local(stored["contact_due_at"]) == WEDNESDAY_2PM + timedelta(hours=2)
    assert stored["on_call_fallback"] is False
    # ... and was paged by SMS by that same invocation, beside the assignment email
    emails = {(e["to"], e["subject"].split(" ")[0]) for e in pipeline.emails()}
    assert ("s2@example.org", "Urgent:") in emails
    [page] = texts()
    assert page["to"] == "+16045550102"
    assert page["text"].startswith(
        f"Urgent peer support request {reference}: first contact by 16:00. Details: "
    )
    # When Lambda hands the same records over again, nothing is sent twice
    sent = len(pipeline.emails())
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}
    assert (len(texts()), len(pipeline.emails())) == (1, sent)
    # And the administrators are not told of an on-call gap
    assert not [e for e in pipeline.emails() if e["to"] == ADMIN and "on call" in e["subject"]]


def test_half_way_an_sms_reminder_and_at_the_deadline_the_next_on_call(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    roster(stack, {"s2": ["wed"], "s3": ["wed", "thu"]})
    pipeline = Pipeline(stack)
    reference = submit(REQUEST)
    pipeline.run()
    assert item(stack, reference)["supporter_id"] == "s2"  # s2 and s3 on call: s2 by its id
    # 14:50: nothing due yet; 15:05: the half-way reminder, by email and SMS (the urgent sweep alone)
    assert sweep(frozen, 50) == {}
    assert sweep(frozen, 15) == {"contact_reminder": 1}
    pipeline.run()
    reminder = texts()[-1]
    assert (reminder["to"], reminder["text"].split(":")[0]) == ("+16045550102", "Reminder")
    assert "first contact by 16:00" in reminder["text"]
    # 16:05: the deadline passed; the administrators hear, and the case goes to s3, on call too
    assert sweep(frozen, 60) == {"reassigned": 1}
    pipeline.run()
    moved = item(stack, reference)
    assert (moved["supporter_id"], moved["excluded_supporters"]) == ("s3", ["s2"])
    assert local(moved["contact_due_at"]) == WEDNESDAY_2PM + timedelta(hours=4, minutes=5)
    assert texts()[-1]["to"] == "+16045550103"
    overdue = [e for e in pipeline.emails() if e["to"] == ADMIN and "overdue" in e["subject"]]
    assert len(overdue) == 1
    # The quarter-hourly sweep reads the urgent deadlines too: nothing is taken twice
    assert sweep(frozen, 0, urgent_only=False) == {}


def test_with_nobody_on_call_everyone_eligible_and_the_administrators_told(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    roster(stack, {"s2": ["sat"], "s3": ["sun"]})
    pipeline = Pipeline(stack)
    reference = submit(REQUEST)
    pipeline.run()
    stored = item(stack, reference)
    assert stored["status"] == "matched"
    assert stored["on_call_fallback"] is True
    [told] = [e for e in pipeline.emails() if e["to"] == ADMIN and "nobody was on call" in e["subject"]]
    assert reference in told["subject"]
    assert "4 pm on Wednesday, December 2" in told["text"]


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (datetime(2026, 12, 2, 23, 0, tzinfo=TIME_ZONE), datetime(2026, 12, 3, 10, 0, tzinfo=TIME_ZONE)),
        (datetime(2026, 12, 2, 14, 0, tzinfo=TIME_ZONE), datetime(2026, 12, 2, 16, 0, tzinfo=TIME_ZONE)),
    ],
)
def test_an_urgent_request_is_due_in_urgent_hours(stack: Any, submitted: datetime, due: datetime) -> None:
    previous = clock.use(clock.FrozenClock(submitted))
    try:
        roster(stack, {})
        reference = submit(REQUEST)
        Pipeline(stack).run()
        stored = item(stack, reference)
        assert local(stored["contact_due_at"]) == due
        assert stored["sla_open"] == "urgent"
        assert f"first contact by {due:%H:%M}." in texts()[0]["text"]
    finally:
        clock.use(previous)


def test_a_non_urgent_request_is_not_paged_and_keeps_business_days(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    roster(stack, {"s2": ["wed"]})
    reference = submit({**REQUEST, "urgent": False})
    Pipeline(stack).run()
    stored = item(stack, reference)
    assert stored["supporter_id"] == "s1"  # on call counts only for urgent requests
    assert local(stored["contact_due_at"]) == datetime(2026, 12, 4, 17, 0, tzinfo=TIME_ZONE)
    assert stored["sla_open"] == "open"
    assert texts() == []


def test_a_person_who_prefers_phone_gets_their_reference_by_sms(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    roster(stack, {})
    requester = {**REQUEST["requester"], "phone": "(604) 555-0199", "preferred_contact": "phone"}
    reference = submit({**REQUEST, "urgent": False, "requester": requester})
    Pipeline(stack).run()
    [text] = texts()
    assert text["to"] == "+16045550199"
    assert reference in text["text"]
    assert "988" in text["text"]
    assert "Ann" not in text["text"]
