"""The pages behind the supporter's and the administrator's links, as the real handlers serve them from
the stored request (under moto): what each shows of the request as it stands now."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import (
    ADMIN,
    REQUEST,
    inbox,
    item,
    link,
    pipeline,
    submit,
    token_in,
)

__all__ = ["pipeline"]  # the fixture: a roster of two, and the stream consumers

NOTE = "Mornings are hard this week.\r\nEvenings after 6 are best.\n\n<script>x</script> & thanks"
NOTE_HTML = "<p>Mornings are hard this week.<br>Evenings after 6 are best.</p>"


def admin_token(pipeline: Pipeline, reference: str) -> str:
    [alert] = [e for e in inbox(pipeline, ADMIN) if reference in e["subject"]]
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
