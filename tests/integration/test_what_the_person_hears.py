"""What the person being supported, and their supporter, read about the contact deadline as the request
moves on (under moto, through the stream consumers): the deadline with its time of day, a plain word
when a different Peer Supporter takes over, and a kind one when finding someone takes longer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from peer_support.core import clock
from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import link, token_in
from tests.integration.test_sla_sweep import REQUEST, frozen, item, roster, submit, sweep

__all__ = ["frozen"]  # the fixture, shared with the sweep's tests

PERSON = REQUEST["requester"]["email"]


def inbox(pipeline: Pipeline, to: str) -> list[dict[str, Any]]:
    return [e for e in pipeline.emails() if e["to"] == to]


def test_every_contact_deadline_says_its_time(stack: Any, frozen: clock.FrozenClock) -> None:
    roster(stack, "only")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    due = "5 pm on Monday, November 30"  # matched Thursday 10:00: two business days, at 17:00

    _, matched = inbox(pipeline, PERSON)
    assert f"by {due} " in matched["subject"]
    assert f"contact you by {due} to arrange" in matched["text"]
    assert f"<strong>{due}</strong>" in matched["html"]
    [assigned] = inbox(pipeline, "only@example.org")
    assert assigned["subject"].endswith(f"first contact by {due}")
    assert f"make first contact by {due}." in assigned["text"]
    page = link("GET", token_in(assigned))["body"]
    assert f"Please make first contact by <strong>{due}</strong>." in page

    frozen.advance(timedelta(hours=28))  # half-way
    assert sweep()["steps"] == {"contact_reminder": 1}
    pipeline.run()
    reminder = inbox(pipeline, "only@example.org")[-1]
    assert reminder["subject"].endswith(f"by {due}")
    assert f"is due by {due}." in reminder["text"]
    assert reference in reminder["subject"]


def subjects(pipeline: Pipeline, to: str = PERSON) -> list[str]:
    return [e["subject"] for e in inbox(pipeline, to)]


def requeue(stack: Any, reference: str) -> None:
    """What an administrator does in the console: the request's status set back to pending_match."""
    boto3.client("dynamodb").update_item(
        TableName=stack.refs["RequestsTable"],
        Key={"request_id": {"S": reference}},
        UpdateExpression="SET #status = :waiting",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":waiting": {"S": "pending_match"}},
    )


def test_after_a_breach_the_person_hears_a_different_supporter_will_reach_out(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    # Given a request matched on Thursday at 10:00, due Monday at 5 pm
    roster(stack, "first", "second")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()

    # When the deadline passes without first contact, and the request goes to the other supporter
    frozen.advance(timedelta(hours=28))
    assert sweep()["steps"] == {"contact_reminder": 1}
    frozen.advance(timedelta(days=3, hours=4))  # Monday 18:00
    assert sweep()["steps"] == {"reassigned": 1}
    pipeline.run()
    assert item(stack, reference)["status"] == "matched"

    # Then the person has heard three things, each saying what is true now
    assert subjects(pipeline) == [
        f"We have your request for peer support ({reference})",
        f"A Peer Supporter will contact you by 5 pm on Monday, November 30 ({reference})",
        f"A different Peer Supporter will contact you by 5 pm on Wednesday, December 2 ({reference})",
    ]
    first, again = inbox(pipeline, PERSON)[1:]
    assert "We have matched you with a Peer Supporter" in first["text"]
    assert (
        "a different Peer Supporter, also a fellow physician trained to listen, will now reach out"
        in (again["text"])
    )
    assert "They will contact you by 5 pm on Wednesday, December 2" in again["text"]
    assert "We have matched you" not in again["text"]
    for name in ("Dr. first", "Dr. second", "first@", "second@"):
        assert name not in again["text"] + again["html"]


def test_a_decline_the_next_day_is_told_the_same_way(stack: Any, frozen: clock.FrozenClock) -> None:
    roster(stack, "first", "second")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    holder = item(stack, reference)["supporter_id"]
    frozen.advance(timedelta(days=1))  # Friday: a new deadline, two business days on
    declined = link("POST", token_in(inbox(pipeline, f"{holder}@example.org")[0]), {"action": "decline"})
    assert declined["statusCode"] == 200
    pipeline.run()
    assert subjects(pipeline)[-1] == (
        f"A different Peer Supporter will contact you by 5 pm on Tuesday, December 1 ({reference})"
    )
    assert len(subjects(pipeline)) == 3


def test_needs_admin_tells_the_person_once_then_the_match_thanks_them(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    # Given nobody on the roster when the request comes in
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    assert item(stack, reference)["status"] == "needs_admin"
    assert subjects(pipeline) == [
        f"We have your request for peer support ({reference})",
        f"Finding your Peer Supporter is taking a little longer ({reference})",
    ]
    delayed = inbox(pipeline, PERSON)[1]
    assert "taking longer than usual" in delayed["text"]
    assert "Our program team is finding someone for you now." in delayed["text"]
    assert "2 to 3 working days" not in delayed["text"]

    # When the administrators are reminded each morning, and a re-queue finds nobody still
    for days in (1, 3):  # Friday, then Monday morning
        frozen.advance(timedelta(days=days))
        assert sweep()["steps"] == {"needs_admin_reminder": 1}
    requeue(stack, reference)
    pipeline.run()
    assert item(stack, reference)["status"] == "needs_admin"
    assert len(subjects(pipeline)) == 2  # one email to the person, whatever the reminders

    # Then once someone is free and it is re-queued, they hear who will call by when, with thanks
    roster(stack, "late")
    requeue(stack, reference)
    pipeline.run()
    assert subjects(pipeline)[-1] == (
        f"A Peer Supporter will contact you by 5 pm on Wednesday, December 2 ({reference})"
    )
    assert inbox(pipeline, PERSON)[-1]["text"].count("Thank you for waiting.") == 1
    assert len(subjects(pipeline)) == 3


def test_a_breach_with_nobody_else_free_tells_the_person_it_is_taking_longer(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    roster(stack, "only")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    frozen.advance(timedelta(days=5))
    assert sweep()["steps"] == {"reassigned": 1}  # straight to the step due now
    pipeline.run()
    assert item(stack, reference)["status"] == "needs_admin"
    assert subjects(pipeline) == [
        f"We have your request for peer support ({reference})",
        f"A Peer Supporter will contact you by 5 pm on Monday, November 30 ({reference})",
        f"Finding your Peer Supporter is taking a little longer ({reference})",
    ]
