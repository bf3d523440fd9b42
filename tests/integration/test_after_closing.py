"""After closing: where the person went next, the check-in on its business day, talking again, and
anonymous feedback that is stored nowhere linkable (under moto)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import pytest

from local_runner.lambdas import invoke
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import REQUEST, REQUESTER, inbox, item, link, submit, token_in

# Closed on Wednesday 4 November 2026: ten business days on, skipping Remembrance Day (Wednesday the
# 11th, a BC statutory holiday), is Thursday the 19th, not Wednesday the 18th.
CLOSED_ON = datetime(2026, 11, 4, 11, 0, tzinfo=TIME_ZONE)
CHECK_IN = datetime(2026, 11, 19, 10, 0, tzinfo=TIME_ZONE)
FEEDBACK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/feedback/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
TALK_AGAIN = re.compile(re.escape(PUBLIC_BASE_URL) + r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@pytest.fixture
def frozen() -> Any:
    frozen_clock = clock.FrozenClock(CLOSED_ON.replace(hour=9))
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


def close_a_case(stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock, **close: Any) -> tuple[str, str]:
    """A request matched, contacted and closed on CLOSED_ON; its reference and supporter."""
    reference = submit(REQUEST)
    pipeline.run()
    supporter = item(stack, reference)["supporter_id"]
    [assigned] = inbox(pipeline, f"{supporter}@example.org")
    token = token_in(assigned)
    assert link("POST", token, {"action": "acknowledge"}, html=False)["statusCode"] == 200
    frozen.advance(CLOSED_ON - frozen.now())
    body = {"action": "close", "conversations": 2, "modality_used": "video", **close}
    closed = link("POST", token, body, html=False)
    assert closed["statusCode"] == 200, closed["body"]
    pipeline.run()
    return reference, supporter


def checked_in(stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock) -> tuple[str, str]:
    """A case closed (`close_a_case`), then its check-in day come and swept; its reference and supporter."""
    reference, supporter = close_a_case(stack, pipeline, frozen)
    frozen.advance(CHECK_IN - frozen.now())
    sweep()
    pipeline.run()
    return reference, supporter


def found(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    assert match, text
    return match.group(1)


def sweep() -> dict[str, Any]:
    result: dict[str, Any] = invoke("SlaCheckFunction", {})
    return result


def check_ins(pipeline: Pipeline) -> list[dict[str, Any]]:
    return [e for e in inbox(pipeline, REQUESTER["email"]) if e["subject"].startswith("How are you doing?")]


def test_closing_records_where_the_person_went_next(stack: Any, pipeline: Pipeline, frozen: Any) -> None:
    reference, _ = close_a_case(stack, pipeline, frozen, referred_on=["own_physician", "employee_assistance"])
    assert item(stack, reference)["referred_on"] == ["own_physician", "employee_assistance"]
    # Unknown codes, and "none" beside a place, are refused by field, echoing nothing.
    other = submit({**REQUEST, "requester": {**REQUESTER, "email": "other@example.org"}})
    pipeline.run()
    supporter = item(stack, other)["supporter_id"]
    token = token_in(inbox(pipeline, f"{supporter}@example.org")[-1])
    link("POST", token, {"action": "acknowledge"}, html=False)
    for referred in (["a secret clinic"], ["none", "own_physician"]):
        refused = link(
            "POST",
            token,
            {"action": "close", "conversations": 1, "modality_used": "video", "referred_on": referred},
            html=False,
        )
        assert refused["statusCode"] == 422
        assert set(json.loads(refused["body"])["fields"]) == {"referred_on"}
        assert "secret clinic" not in refused["body"]
    assert item(stack, other)["status"] == "contacted"


def test_the_check_in_comes_once_on_its_business_day_across_a_holiday(
    stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock
) -> None:
    reference, _ = close_a_case(stack, pipeline, frozen, referred_on=[])
    stored = item(stack, reference)
    assert stored["referred_on"] == []
    # Kept until the retention period after the check-in, even should no sweep come.
    assert stored["purge_at"] > int(CHECK_IN.timestamp())

    frozen.advance(CHECK_IN.replace(hour=9, minute=59) - frozen.now())
    sweep()
    pipeline.run()
    assert check_ins(pipeline) == []
    frozen.advance(CHECK_IN - frozen.now())
    sweep()
    sweep()
    pipeline.run()
    [email] = check_ins(pipeline)
    assert "988" in email["text"]
    assert "like to talk again" in email["html"]
    assert FEEDBACK.search(email["text"])
    assert reference not in found(FEEDBACK, email["text"])
    later = item(stack, reference)
    assert later["checked_in_at"] == clock.iso(CHECK_IN)
    assert later["purge_at"] == int(CHECK_IN.timestamp()) + 30 * 86400
    frozen.advance(CHECK_IN.replace(day=26) - frozen.now())
    sweep()
    pipeline.run()
    assert len(check_ins(pipeline)) == 1


def talk_again(pipeline: Pipeline) -> dict[str, Any]:
    [email] = check_ins(pipeline)
    token = found(TALK_AGAIN, email["text"])
    page = link("GET", token)
    assert page["statusCode"] == 200
    assert "Talk with a Peer Supporter again" in page["body"]
    done = link("POST", token, {"action": "talk_again"}, html=False)
    assert done["statusCode"] == 200, done["body"]
    assert json.loads(done["body"])["status"] == "pending_match"
    again = link("POST", token, {"action": "talk_again"}, html=False)
    assert again["statusCode"] == 409  # once
    pipeline.run()
    return email


def test_talking_again_reaches_the_same_supporter(
    stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock
) -> None:
    reference, supporter = checked_in(stack, pipeline, frozen)
    talk_again(pipeline)
    stored = item(stack, reference)
    assert stored["status"] == "matched"
    assert stored["supporter_id"] == supporter
    assert "purge_at" not in stored  # open again: kept until it ends anew
    assert [e["event"] for e in stored["history"]][-2:] == ["follow_up_requested", "matched"]
    assigned = inbox(pipeline, f"{supporter}@example.org")
    assert len(assigned) == 2  # the case link again, with a new deadline
    matched = [e for e in inbox(pipeline, REQUESTER["email"]) if "by " in e["subject"]]
    assert len(matched) == 2


def test_talking_again_when_the_supporter_is_away_reaches_someone_else(
    stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock
) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    reference, supporter = checked_in(stack, pipeline, frozen)
    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(
                supporter_id=supporter,
                name="Away",
                email=f"{supporter}@example.org",
                modalities=["video"],
                max_open=2,
                away_until=date(2026, 12, 31),
            )
        ]
    )
    talk_again(pipeline)
    stored = item(stack, reference)
    assert stored["status"] == "matched"
    assert stored["supporter_id"] != supporter


def feedback(method: str, token: str, body: Any = None, html: bool = False) -> dict[str, Any]:
    headers = {"Accept": "text/html" if html else "application/json"}
    if isinstance(body, str):
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    event = api_event(
        method,
        f"/feedback/{token}",
        body if isinstance(body, str) or body is None else json.dumps(body),
        headers,
        path_parameters={"token": token},
        resource="/feedback/{token}",
    )
    result: dict[str, Any] = invoke("ReportsFunction", event)
    return result


def every_item(stack: Any) -> dict[str, list[str]]:
    import boto3

    client = boto3.client("dynamodb")
    scanned = {}
    for logical_id in ("RequestsTable", "SupportersTable", "GroupTable", "IdempotencyTable", "CountersTable"):
        items = client.scan(TableName=stack.refs[logical_id])["Items"]
        scanned[logical_id] = [json.dumps(i) for i in items]
    return scanned


def test_feedback_is_stored_nowhere_linkable(
    stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock
) -> None:
    import base64

    reference, _ = checked_in(stack, pipeline, frozen)
    [email] = check_ins(pipeline)
    token = found(FEEDBACK, email["text"])
    nonce = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode().split("|")[0]

    page = feedback("GET", token, html=True)
    assert page["statusCode"] == 200
    assert "How was peer support for you?" in page["body"]
    answered = feedback("POST", token, "helpful=5&contacted_in_time=true&would_recommend=true", html=True)
    assert answered["statusCode"] == 201
    again = feedback("POST", token, {"helpful": 2, "contacted_in_time": False, "would_recommend": False})
    assert again["statusCode"] == 409
    assert json.loads(again["body"])["error"] == "conflict"

    scanned = every_item(stack)
    for table, items in scanned.items():
        for text in items:
            assert token not in text, table
            assert nonce not in text, table
            # The reference stays only on the request itself, until its purge.
            assert reference not in text or table == "RequestsTable", table
    [month] = [json.loads(i) for i in scanned["CountersTable"] if '"month"' in i and "2026-11" in i]
    assert month["feedback_responses"] == {"N": "1"}
    assert month["feedback_helpful_4_or_5"] == {"N": "1"}
    assert set(month) <= {
        "counter",
        "period",
        "feedback_responses",
        "feedback_helpful_4_or_5",
        "feedback_contacted_in_time",
        "feedback_would_recommend",
    }


def test_a_bad_or_expired_feedback_link_is_a_plain_404(stack: Any, frozen: clock.FrozenClock) -> None:
    from datetime import timedelta

    from peer_support.links.feedback import feedback_url

    url = feedback_url(PUBLIC_BASE_URL, frozen.now(), 30)
    token = url.rsplit("/", 1)[1]
    assert feedback("GET", token)["statusCode"] == 200
    for bad in (token[:-2], token + "A", "x.y", token.replace(".", "")):
        answer = feedback("POST", bad, {"helpful": 5, "contacted_in_time": True, "would_recommend": True})
        assert answer["statusCode"] == 404
        assert json.loads(answer["body"])["error"] == "not_found"
    wrong = feedback(
        "POST", token, {"helpful": 9, "contacted_in_time": "maybe", "would_recommend": True, "note": "x"}
    )
    assert wrong["statusCode"] == 422
    assert set(json.loads(wrong["body"])["fields"]) == {"helpful", "contacted_in_time", "note"}
    frozen.advance(timedelta(days=31))
    assert feedback("GET", token)["statusCode"] == 404
