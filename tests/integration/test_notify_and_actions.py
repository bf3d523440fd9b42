"""Emails from committed changes, and the signed links people act with (under moto)."""

from __future__ import annotations

import base64
import json
import os
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_runner.lambdas import invoke
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.conftest import Pipeline

ADMIN = "program-admin@example.org"
REQUESTER: dict[str, Any] = {
    "name": "Dr. Ann <b>Lee</b>",
    "email": "ann.lee@example.org",
    "phone": "604 555 0199",
}
REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": REQUESTER,
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["adverse_event"],
    "share_reasons": True,
    "modalities": ["video"],
    "note": "Mornings are hard this week",
}
PERSONAL = ("Ann", "ann.lee@example.org", "604 555 0199", "adverse", "Mornings are hard")
LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def submit(body: dict[str, Any]) -> str:
    result = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body)))
    assert result["statusCode"] == 201, result["body"]
    reference: str = json.loads(result["body"])["reference"]
    return reference


def item(stack: Any, reference: str) -> dict[str, Any]:
    from peer_support.requests.repository import RequestsRepository

    return RequestsRepository(stack.refs["RequestsTable"]).get(reference)


def open_counts(stack: Any) -> dict[str, int]:
    from peer_support.supporters.repository import SupportersRepository

    return {s.supporter_id: s.open_count for s in SupportersRepository(stack.refs["SupportersTable"]).all()}


def inbox(pipeline: Pipeline, to: str) -> list[dict[str, Any]]:
    return [e for e in pipeline.emails() if e["to"] == to]


def token_in(email: dict[str, Any]) -> str:
    match = LINK.search(email["text"])
    assert match, email["text"]
    return match.group(1)


def link(method: str, token: str, body: dict[str, Any] | None = None, html: bool = True) -> dict[str, Any]:
    headers = {"Accept": "text/html" if html else "application/json"}
    event = api_event(
        method,
        f"/actions/{token}",
        json.dumps(body) if body is not None else None,
        headers,
        path_parameters={"token": token},
        resource="/actions/{token}",
    )
    result: dict[str, Any] = invoke("ActionsFunction", event)
    return result


def test_a_self_request_emails_the_requester_and_the_supporter(stack: Any, pipeline: Pipeline) -> None:
    reference = submit(REQUEST)
    pipeline.run()
    matched = item(stack, reference)
    supporter_email = f"{matched['supporter_id']}@example.org"

    emails = pipeline.emails()
    assert Counter(e["to"] for e in emails) == Counter({REQUESTER["email"]: 2, supporter_email: 1})
    confirmation, news = inbox(pipeline, REQUESTER["email"])
    assert reference in confirmation["subject"]
    assert "withdraw" in confirmation["text"]
    assert "by " in news["subject"]
    for email in emails:
        assert "988" in email["text"]
        assert "1-800-663-6729" in email["text"]
        assert "988" in email["html"]
    [assigned] = inbox(pipeline, supporter_email)
    for value in PERSONAL:  # the supporter's email names nobody: the link does
        assert value not in assigned["text"]
        assert value not in assigned["html"]
        assert value not in assigned["subject"]
    assert LINK.search(assigned["text"])


def test_urgent_and_referral_emails_reach_the_administrator(stack: Any, pipeline: Pipeline) -> None:
    urgent = submit({**REQUEST, "urgent": True})
    referral = submit(
        {
            **REQUEST,
            "kind": "colleague",
            "colleague": {"name": "Dr. Sam Roy", "email": "sam.roy@example.org"},
            "consent_confirmed": True,
            "requester": {"name": "Dr. Ref", "email": "ref@example.org"},
        }
    )
    pipeline.run()
    subjects = sorted(e["subject"] for e in inbox(pipeline, ADMIN))
    # (and, the roster having nobody on call today, that the urgent one went to someone else)
    assert subjects == [
        f"Colleague referral {referral} needs consent confirmed",
        f"Urgent request {urgent} received",
        f"Urgent request {urgent}: nobody was on call",
    ]
    [referrer] = inbox(pipeline, "ref@example.org")
    assert referral in referrer["subject"]
    assert inbox(pipeline, "sam.roy@example.org") == []  # nothing to the colleague before consent
    assert item(stack, referral)["status"] == "pending_consent"


def test_redelivered_records_send_no_second_email(stack: Any, pipeline: Pipeline) -> None:
    reader = pipeline.readers["NotifyFunction"]
    submit(REQUEST)
    records = reader.records()
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}
    assert len(pipeline.emails()) == 1


def test_a_throttled_send_is_retried_and_sent_once(
    stack: Any, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peer_support.notifications import email as mailer

    reader = pipeline.readers["NotifyFunction"]
    submit(REQUEST)
    records = reader.records()
    client = mailer.sesv2_client()
    real_send = client.send_email
    calls = {"n": 0}

    def throttled_once(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "SendEmail"
            )
        return real_send(**kwargs)

    monkeypatch.setattr(client, "send_email", throttled_once)
    # The committed request is there; the email is not: the record fails and comes back.
    first = invoke("NotifyFunction", {"Records": records})
    assert first == {"batchItemFailures": [{"itemIdentifier": records[0]["dynamodb"]["SequenceNumber"]}]}
    assert pipeline.emails() == []
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}
    assert len(pipeline.emails()) == 1


def test_a_rejected_address_is_recorded_and_the_administrator_told(
    stack: Any, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peer_support.notifications import email as mailer

    client = mailer.sesv2_client()
    real_send = client.send_email

    def reject_requester(**kwargs: Any) -> Any:
        if kwargs["Destination"]["ToAddresses"] == [REQUESTER["email"]]:
            raise ClientError(
                {"Error": {"Code": "MessageRejected", "Message": "Address blacklisted."}}, "SendEmail"
            )
        return real_send(**kwargs)

    monkeypatch.setattr(client, "send_email", reject_requester)
    reference = submit(REQUEST)
    pipeline.run()

    history = item(stack, reference)["history"]
    failures = [h for h in history if h["event"] == "email_undeliverable"]
    assert failures
    assert all(h["recipient_role"] == "requester" for h in failures)
    assert REQUESTER["email"] not in json.dumps(history)
    assert any(
        "could not be delivered" in e["text"] or "undeliver" in e["subject"].lower()
        for e in inbox(pipeline, ADMIN)
    )


@pytest.mark.parametrize(
    "address",
    ["ann.lee@example.org\r\nBcc: x@evil.example", "ann.lee@example.org, x@evil.example", "ann.lee@"],
)
def test_a_stored_address_that_could_add_a_recipient_is_undeliverable_not_retried(
    stack: Any, pipeline: Pipeline, address: str
) -> None:
    """An item edited by hand past the model: nothing goes to it, the record is not retried forever,
    and the administrator is told, as for an address SES refuses."""
    from peer_support.requests.intake import new_record
    from peer_support.requests.models import RequestForm
    from peer_support.requests.repository import RequestsRepository

    record = new_record(RequestForm.model_validate(REQUEST), "PS-HAND-EDIT", "digest")
    record["requester"]["email"] = address
    RequestsRepository(stack.refs["RequestsTable"]).create(record)
    pipeline.run()  # asserts that no stream record failed

    sent = pipeline.emails()
    assert all(e["to"] != address and "evil" not in e["to"] for e in sent)
    assert not any(e["to"].startswith("ann.lee") for e in sent)
    history = item(stack, "PS-HAND-EDIT")["history"]
    # The confirmation and the note that a supporter was found, each recorded by role only.
    undeliverable = [h["recipient_role"] for h in history if h["event"] == "email_undeliverable"]
    assert undeliverable == ["requester", "requester"]
    assert address not in json.dumps(history)
    assert any("PS-HAND-EDIT" in e["subject"] and "could not be delivered" in e["subject"] for e in sent)


def test_supporter_case_page_acknowledge_and_close(stack: Any, pipeline: Pipeline) -> None:
    reference = submit(REQUEST)
    pipeline.run()
    supporter = item(stack, reference)["supporter_id"]
    [assigned] = inbox(pipeline, f"{supporter}@example.org")
    token = token_in(assigned)

    before = item(stack, reference)
    page = link("GET", token)
    after = item(stack, reference)
    assert page["statusCode"] == 200
    assert "Dr. Ann &lt;b&gt;Lee&lt;/b&gt;" in page["body"]
    assert "<b>Lee</b>" not in page["body"]
    assert (after["status"], after["version"]) == (before["status"], before["version"])  # GET changes nothing
    assert after["history"][-1] == {
        "at": after["history"][-1]["at"],
        "event": "viewed",
        "by": "supporter",
        "supporter_id": supporter,
    }

    assert (
        link("POST", token, {"action": "close", "conversations": 1, "modality_used": "video"})["statusCode"]
        == 409
    )
    done = link("POST", token, {"action": "acknowledge"}, html=False)
    assert done["statusCode"] == 200
    assert json.loads(done["body"])["status"] == "contacted"
    contacted = item(stack, reference)
    assert contacted["contacted_at"]
    assert "sla_due" not in contacted
    assert "sla_open" not in contacted
    assert link("POST", token, {"action": "acknowledge"})["statusCode"] == 409  # already done

    invalid = link("POST", token, {"action": "close", "conversations": 99})
    assert invalid["statusCode"] == 422
    assert 'aria-invalid="true"' in invalid["body"]
    closed = link(
        "POST", token, {"action": "close", "conversations": 2, "modality_used": "video"}, html=False
    )
    assert json.loads(closed["body"])["status"] == "closed"
    final = item(stack, reference)
    assert (final["conversations"], final["modality_used"]) == (2, "video")
    assert final["purge_at"] > 0
    assert open_counts(stack)[supporter] == 0
    pipeline.run()
    assert len(pipeline.emails()) == 3  # acknowledging and closing email nobody


def test_decline_rematches_and_tells_the_old_supporter(stack: Any, pipeline: Pipeline) -> None:
    reference = submit(REQUEST)
    pipeline.run()
    first = item(stack, reference)["supporter_id"]
    token = token_in(inbox(pipeline, f"{first}@example.org")[0])

    assert link("POST", token, {"action": "decline"})["statusCode"] == 200
    pipeline.run()

    second = item(stack, reference)
    assert second["status"] == "matched"
    assert second["supporter_id"] != first
    assert second["excluded_supporters"] == [first]
    assert open_counts(stack) == {first: 0, second["supporter_id"]: 1}
    assert [e["subject"] for e in inbox(pipeline, f"{first}@example.org")][1:] == [
        f"No action needed: request {reference}"
    ]
    assert len(inbox(pipeline, f"{second['supporter_id']}@example.org")) == 1
    # The first supporter's link no longer opens the case.
    moved = link("GET", token)
    assert moved["statusCode"] == 409
    assert REQUESTER["email"] not in moved["body"]
    assert link("POST", token, {"action": "acknowledge"})["statusCode"] == 409
    # Not even a form that needs another look shows them the person any more.
    again = link("POST", token, {"action": "close"})
    assert again["statusCode"] == 409
    assert REQUESTER["email"] not in again["body"]
    assert "604 555 0199" not in again["body"]


def test_withdraw_releases_the_slot_and_tells_the_supporter(stack: Any, pipeline: Pipeline) -> None:
    reference = submit(REQUEST)
    pipeline.run()
    supporter = item(stack, reference)["supporter_id"]
    requester_token = token_in(inbox(pipeline, REQUESTER["email"])[0])

    assert (
        link("POST", requester_token, {"action": "acknowledge"})["statusCode"] == 409
    )  # not the requester's
    assert link("POST", requester_token, {"action": "withdraw"})["statusCode"] == 200
    pipeline.run()

    assert item(stack, reference)["status"] == "withdrawn"
    assert open_counts(stack)[supporter] == 0
    # The supporter's link no longer opens the person's details.
    supporter_token = token_in(inbox(pipeline, f"{supporter}@example.org")[0])
    gone = link("GET", supporter_token)
    assert gone["statusCode"] == 409
    assert REQUESTER["email"] not in gone["body"]
    assert len(inbox(pipeline, f"{supporter}@example.org")) == 2
    assert link("POST", requester_token, {"action": "withdraw"})["statusCode"] == 409


def test_administrator_confirms_consent_then_the_colleague_hears(stack: Any, pipeline: Pipeline) -> None:
    colleague = {"name": "Dr. Sam Roy", "email": "sam.roy@example.org", "phone": "604 555 0111"}
    reference = submit(
        {
            **REQUEST,
            "kind": "colleague",
            "colleague": colleague,
            "consent_confirmed": True,
            "requester": {"name": "Dr. Ref", "email": "ref@example.org"},
        }
    )
    pipeline.run()
    [consent] = inbox(pipeline, ADMIN)
    token = token_in(consent)
    page = link("GET", token)
    assert "sam.roy@example.org" in page["body"]
    assert link("POST", token, {"action": "confirm_consent"})["statusCode"] == 200
    pipeline.run()

    assert item(stack, reference)["status"] == "matched"
    [news] = inbox(pipeline, colleague["email"])
    assert reference in news["subject"]
    assert len(inbox(pipeline, "ref@example.org")) == 1  # the referrer heard once, at the start
    assert link("POST", token, {"action": "confirm_consent"})["statusCode"] == 409

    # Once the colleague agreed, the request is theirs: the referrer's link no longer withdraws it.
    referrer_token = token_in(inbox(pipeline, "ref@example.org")[0])
    assert referrer_token != token_in(news)
    refused = link("POST", referrer_token, {"action": "withdraw"})
    assert refused["statusCode"] == 409
    assert "now theirs" in refused["body"]
    assert "now theirs" in link("GET", referrer_token)["body"]
    assert item(stack, reference)["status"] == "matched"

    assert link("POST", token, {"action": "cancel"})["statusCode"] == 200
    assert item(stack, reference)["status"] == "withdrawn"


def test_a_referrer_may_withdraw_before_consent_and_the_colleague_after(
    stack: Any, pipeline: Pipeline
) -> None:
    referral = {
        **REQUEST,
        "kind": "colleague",
        "consent_confirmed": True,
        "colleague": {"name": "Dr. Sam Roy", "email": "sam.roy@example.org"},
        "requester": {"name": "Dr. Ref", "email": "ref@example.org"},
    }
    early = submit(referral)
    pipeline.run()
    [referrer_email] = [e for e in inbox(pipeline, "ref@example.org") if early in e["subject"]]
    assert link("POST", token_in(referrer_email), {"action": "withdraw"})["statusCode"] == 200
    assert item(stack, early)["status"] == "withdrawn"

    later = submit(referral)
    pipeline.run()
    [consent] = [e for e in inbox(pipeline, ADMIN) if later in e["subject"]]
    assert link("POST", token_in(consent), {"action": "confirm_consent"})["statusCode"] == 200
    pipeline.run()
    [news] = [e for e in inbox(pipeline, "sam.roy@example.org") if later in e["subject"]]
    assert link("POST", token_in(news), {"action": "withdraw"})["statusCode"] == 200
    assert item(stack, later)["status"] == "withdrawn"


def test_closing_without_answers_names_both(stack: Any, pipeline: Pipeline) -> None:
    reference = submit(REQUEST)
    pipeline.run()
    supporter = item(stack, reference)["supporter_id"]
    token = token_in(inbox(pipeline, f"{supporter}@example.org")[0])
    link("POST", token, {"action": "acknowledge"})
    result = link("POST", token, {"action": "close"}, html=False)
    assert result["statusCode"] == 422
    assert set(json.loads(result["body"])["fields"]) == {"conversations", "modality_used"}


def test_bad_links_are_plain_404s(stack: Any, pipeline: Pipeline) -> None:
    from peer_support.core import clock
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_link

    reference = submit(REQUEST)
    pipeline.run()
    token = token_in(inbox(pipeline, REQUESTER["email"])[0])
    payload, mac = token.split(".")
    other = submit({**REQUEST, "requester": {"name": "Dr. Other", "email": "other@example.org"}})
    forged = base64.urlsafe_b64encode(f"{other}|requester|requester|9999999999".encode())
    forged_payload = forged.rstrip(b"=").decode()
    expired = issue_link(
        reference,
        "requester",
        "requester",
        clock.now() - timedelta(days=40),
        timedelta(days=30),
        signing_key(),
    )
    for html in (True, False):  # a bad link under a bad form is still just a bad link
        assert link("POST", f"{payload}.{mac[:-2]}AA", {"action": "fly"}, html=html)["statusCode"] == 404
    for bad in (
        "abc",
        "a" * 500,
        "not.a.token",
        f"{payload}.{mac[:-2]}AA",
        f"{forged_payload}.{mac}",
        expired,
        "x" * 30 + "." + "y" * 30,
    ):
        for method in ("GET", "POST"):
            result = link(method, bad, {"action": "withdraw"} if method == "POST" else None)
            assert result["statusCode"] == 404, (bad, method)
            assert reference not in result["body"]
            assert other not in result["body"]
    assert item(stack, other)["status"] != "withdrawn"


def test_links_sent_before_a_rotation_keep_working_until_the_next_one(stack: Any, pipeline: Pipeline) -> None:
    import boto3

    from local_runner.caches import clear_caches

    def rotate() -> None:
        boto3.client("secretsmanager").put_secret_value(
            SecretId=stack.refs["LinkSigningSecret"], SecretString=base64.b64encode(os.urandom(48)).decode()
        )
        clear_caches()  # a new key, as a fresh or five-minutes-older function sees it

    reference = submit(REQUEST)
    pipeline.run()
    token = token_in(inbox(pipeline, REQUESTER["email"])[0])
    assert link("GET", token)["statusCode"] == 200  # never rotated: no previous key, and no harm
    rotate()
    assert link("GET", token)["statusCode"] == 200  # signed with the key before: still good
    rotate()
    assert link("GET", token)["statusCode"] == 404  # two rotations ago: no longer honoured
    assert item(stack, reference)["status"] != "withdrawn"


def test_reloading_a_case_page_records_one_view_per_window_and_the_history_stays_bounded(
    stack: Any, pipeline: Pipeline
) -> None:
    from peer_support.core import clock
    from peer_support.requests.transitions import MAX_HISTORY, VIEW_WINDOW

    reference = submit(REQUEST)
    pipeline.run()
    supporter = item(stack, reference)["supporter_id"]
    token = token_in(inbox(pipeline, f"{supporter}@example.org")[0])

    def views() -> int:
        return sum(entry["event"] == "viewed" for entry in item(stack, reference)["history"])

    # Frozen at the start of a window, so every reload below falls inside it.
    start = clock.now().replace(second=0, microsecond=0)
    previous = clock.use(
        clock.FrozenClock(start - timedelta(seconds=start.timestamp() % VIEW_WINDOW.seconds))
    )
    try:
        for _ in range(5):
            assert link("GET", token)["statusCode"] == 200
        assert views() == 1
        clock.use(clock.FrozenClock(clock.now() + VIEW_WINDOW))
        assert link("GET", token)["statusCode"] == 200
        assert views() == 2

        # A history already full: the page still opens, and the item grows no further.
        import boto3

        boto3.client("dynamodb").update_item(
            TableName=stack.refs["RequestsTable"],
            Key={"request_id": {"S": reference}},
            UpdateExpression="SET #h = :h",
            ExpressionAttributeNames={"#h": "history"},
            ExpressionAttributeValues={":h": {"L": [{"M": {"event": {"S": "filler"}}}] * MAX_HISTORY}},
        )
        clock.use(clock.FrozenClock(clock.now() + VIEW_WINDOW))
        assert link("GET", token)["statusCode"] == 200
        assert len(item(stack, reference)["history"]) == MAX_HISTORY
    finally:
        clock.use(previous)
