"""Emails sent before the package was laid out by context are not sent again after it."""

from __future__ import annotations

import json
from typing import Any

from local_runner.lambdas import invoke
from tests.conftest import api_event
from tests.integration.conftest import Pipeline
from tests.integration.remembered import REQUEST_EMAILS, record_id, remember_sent, remembered_ids

REQUEST = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
}


def test_the_record_names_are_those_written_before_the_move() -> None:
    # Given a record id captured from the code as it was before the move, for the confirmation email
    # of request PS-WW4K-EDC4 (version 1) to ann.lee@example.org
    before = (
        "test-func.peer_support.delivery._deliver"
        "#0397d39101c035480ed97b8cc4c41bbad01a97e6f876ce07ed63c66d895bd4e6"
    )
    # Then the same delivery is named the same way now
    assert record_id(REQUEST_EMAILS, ["PS-WW4K-EDC4", 1, "request_received", "ann.lee@example.org"]) == before


def test_an_email_remembered_from_before_the_move_is_not_sent_again(stack: Any) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [RosterEntry(supporter_id="s1", name="Dr. One", email="s1@example.org", modalities=["video"])]
    )
    table = stack.refs["IdempotencyTable"]
    # Given a request whose confirmation was sent (and remembered) by the code before the move
    submitted = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(REQUEST)))
    reference = json.loads(submitted["body"])["reference"]
    remember_sent(table, REQUEST_EMAILS, [reference, 1, "request_received", "ann.lee@example.org"])

    # When its stream records are delivered to the code as it is now
    pipeline = Pipeline(stack)
    pipeline.run()

    # Then the confirmation is not sent again, and every other email is sent once
    kinds = sorted((email["to"], email["subject"]) for email in pipeline.emails())
    assert len(kinds) == 2, kinds
    assert not any("received" in subject.lower() for _, subject in kinds), kinds
    # And every email sent now is remembered under the same names
    matched = record_id(REQUEST_EMAILS, [reference, 2, "matched", "ann.lee@example.org"])
    assigned = record_id(REQUEST_EMAILS, [reference, 2, "assigned", "s1@example.org"])
    assert {matched, assigned} <= remembered_ids(table)
