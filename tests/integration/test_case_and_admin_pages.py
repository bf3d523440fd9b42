"""The pages behind the supporter's and the administrator's links, as the real handlers serve them from
the stored request (under moto): what each shows of the request as it stands now."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from peer_support.core import clock
from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import (
    ADMIN,
    REQUEST,
    inbox,
    item,
    link,
    submit,
    token_in,
)
from tests.integration.test_sla_sweep import frozen, roster

# The fixture: the clock frozen on a Thursday at 10:00 (the stream consumers' `pipeline` is the conftest's)
__all__ = ["frozen"]

NOTE = "Mornings are hard this week.\r\nEvenings after 6 are best.\n\n<script>x</script> & thanks"
NOTE_HTML = "<p>Mornings are hard this week.<br>Evenings after 6 are best.</p>"


def admin_token(pipeline: Pipeline, reference: str) -> str:
    # The alert the request came with (an urgent one may also say that nobody was on call)
    [alert] = [
        e for e in inbox(pipeline, ADMIN) if reference in e["subject"] and "on call" not in e["subject"]
    ]
    return token_in(alert)


def test_the_note_reaches_the_supporter_and_the_administrator(stack: Any, pipeline: Pipeline) -> None:
    reference = submit({**REQUEST, "urgent": True, "note": NOTE})
    pipeline.run()
    assert item(stack, reference)["note"] == NOTE.replace("\r\n", "\n")
    supporter = item(stack, reference)["supporter_id"]
    [assigned] = inbox(pipeline, f"{supporter}@example.org")
    for email in pipeline.emails():  # emails never carry it
        assert "Mornings" not in email["text"] + email["html"] + email["subject"]

    for token in (token_in(assigned), admin_token(pipeline, reference)):
        page = link("GET", token)
        assert page["statusCode"] == 200
        body = page["body"]
        assert '<h2 id="own-words-heading">In their own words</h2>' in body
        assert NOTE_HTML in body
        assert "<p>&lt;script&gt;x&lt;/script&gt; &amp; thanks</p>" in body
        assert "<script>" not in body


def test_a_request_without_a_note_shows_no_empty_quote(stack: Any, pipeline: Pipeline) -> None:
    reference = submit({key: value for key, value in REQUEST.items() if key != "note"})
    pipeline.run()
    [assigned] = inbox(pipeline, f"{item(stack, reference)['supporter_id']}@example.org")
    body = link("GET", token_in(assigned))["body"]
    assert "own-words" not in body
    assert "<blockquote>" not in body
    assert json.dumps(item(stack, reference)).count('"note"') == 0


def test_the_administrator_page_follows_a_request_re_queued_and_matched(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    """The administrator's link came with "needs a supporter"; after a re-queue and a match, the same
    link shows the request as it stands now."""
    # Given a request nobody could take, and the administrator's link from that email
    pipeline = Pipeline(stack)
    reference = submit({**REQUEST, "urgent": False})
    pipeline.run()
    assert item(stack, reference)["status"] == "needs_admin"
    [alert] = [e for e in inbox(pipeline, ADMIN) if "No Peer Supporter could be matched" in e["subject"]]
    token = token_in(alert)
    assert "Why it needs you" in link("GET", token)["body"]

    # When a supporter joins, and the administrator sets the status back to pending_match in the console
    roster(stack, "late")
    frozen.advance(timedelta(hours=1))
    boto3.client("dynamodb").update_item(
        TableName=stack.refs["RequestsTable"],
        Key={"request_id": {"S": reference}},
        UpdateExpression="SET #status = :waiting",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":waiting": {"S": "pending_match"}},
    )
    pipeline.run()
    assert item(stack, reference)["status"] == "matched"

    # Then the page shows the current status, who has it and by when, and what happened, in order
    body = link("GET", token)["body"]
    assert "<dd>Matched, waiting for first contact</dd>" in body
    assert "<dd>Dr. late</dd>" in body
    assert "<dd>By 5 pm on Monday, November 30</dd>" in body
    assert "Why it needs you" not in body
    assert "No Peer Supporter is free" not in body
    assert re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", body) == [
        ("Thursday, November 26, 10:00 am", "Request received"),
        ("Thursday, November 26, 10:00 am", "No Peer Supporter could be matched"),
        ("Thursday, November 26, 10:00 am", "Viewed by an administrator"),
        ("Thursday, November 26, 11:00 am", "Matched with a Peer Supporter"),
    ]
    assert "late@example.org" not in body  # the supporter's name, never their contact details
    assert ">late<" not in body


def test_a_supporter_gone_from_the_roster_is_said_plainly(stack: Any, pipeline: Pipeline) -> None:
    from peer_support.supporters.repository import SupportersRepository

    reference = submit({**REQUEST, "urgent": True})
    pipeline.run()
    supporter = item(stack, reference)["supporter_id"]
    token = admin_token(pipeline, reference)
    assert f"<dd>Dr. Supporter {supporter[1:]}</dd>" in link("GET", token)["body"]
    SupportersRepository(stack.refs["SupportersTable"]).remove([supporter])
    assert "<dd>No longer on the roster</dd>" in link("GET", token)["body"]


def test_a_supporter_s_name_that_cannot_be_read_leaves_the_rest_of_the_page(
    stack: Any, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peer_support.supporters.repository import SupportersRepository

    reference = submit({**REQUEST, "urgent": True})
    pipeline.run()
    token = admin_token(pipeline, reference)

    def denied(self: SupportersRepository, supporter_id: str) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetItem")

    monkeypatch.setattr(SupportersRepository, "find", denied)
    page = link("GET", token)
    assert page["statusCode"] == 200
    assert "<dd>Their name cannot be shown just now</dd>" in page["body"]
    assert "<dd>Matched, waiting for first contact</dd>" in page["body"]
