"""The group's emails sent before the package was laid out by context are not sent again after it."""

from __future__ import annotations

from typing import Any

from tests.integration.group.helpers import FACILITATOR, GroupPipeline, person, register
from tests.integration.remembered import GROUP_EMAILS, record_id, remember_sent, remembered_ids


def test_a_group_email_remembered_from_before_the_move_is_not_sent_again(
    group_stack: Any, frozen: Any, pipeline: GroupPipeline
) -> None:
    from local_runner.stack import sent_emails

    table = group_stack.refs["IdempotencyTable"]
    # Given a registration whose confirmation was sent (and remembered) by the code before the move
    receipt = register(person(1))
    registration = f"{receipt['session_start'][:10]}/{receipt['reference']}"
    remember_sent(table, GROUP_EMAILS, [registration, 1, "group_registered", "member1@example.org"])

    # When its stream record is delivered to the code as it is now
    pipeline.run()

    # Then the registrant is not emailed again, and the facilitator is told once, under the same name
    assert [email["to"] for email in sent_emails(group_stack.region)] == [FACILITATOR]
    told = record_id(GROUP_EMAILS, [registration, 1, "group_facilitator", FACILITATOR])
    assert told in remembered_ids(table)
