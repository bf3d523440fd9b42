"""What the person being supported, and their supporter, read about the contact deadline as the request
moves on (under moto, through the stream consumers): the deadline with its time of day, a plain word
when a different Peer Supporter takes over, and a kind one when finding someone takes longer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from peer_support.core import clock
from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import link, token_in
from tests.integration.test_sla_sweep import REQUEST, frozen, roster, submit, sweep

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
