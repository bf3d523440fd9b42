"""A script cannot spend the supporters' places or the stack's email: one open request per person, and
above `SurgeRequestsPerHour` new requests an hour, each new one waits for its sender's confirmation."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runner.lambdas import invoke
from peer_support.core import clock
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.conftest import Pipeline

ADMIN = "program-admin@example.org"
LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
# A Tuesday, ten past the hour: every submission of a test falls in the same clock hour.
TUESDAY = datetime(2026, 12, 1, 18, 10, tzinfo=UTC)


def request(i: int | str, **changes: Any) -> dict[str, Any]:
    return {
        "kind": "self",
        "requester": {"name": f"Dr. Person {i}", "email": f"person{i}@example.org"},
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "reasons": ["burnout"],
        "modalities": ["video"],
        **changes,
    }


def submit(body: dict[str, Any]) -> dict[str, Any]:
    result = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body)))
    assert result["statusCode"] == 201, result["body"]
    receipt: dict[str, Any] = json.loads(result["body"])
    return receipt


def items(stack: Any) -> list[dict[str, Any]]:
    import boto3

    from peer_support.core.dynamodb import from_item

    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=stack.refs["RequestsTable"])
    return [from_item(i) for page in pages for i in page["Items"]]


def open_slots_taken(stack: Any) -> int:
    from peer_support.supporters.repository import SupportersRepository

    return sum(s.open_count for s in SupportersRepository(stack.refs["SupportersTable"]).all())


def roster(stack: Any, count: int) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    entries = [
        RosterEntry(
            supporter_id=f"s{i}", name=f"Dr. Supporter {i}", email=f"s{i}@example.org", modalities=["video"]
        )
        for i in range(count)
    ]
    SupportersRepository(stack.refs["SupportersTable"]).upsert(entries)


def act(token: str, action: str) -> dict[str, Any]:
    event = api_event(
        "POST",
        f"/actions/{token}",
        json.dumps({"action": action}),
        path_parameters={"token": token},
        resource="/actions/{token}",
    )
    result: dict[str, Any] = invoke("ActionsFunction", event)
    return result


@pytest.fixture
def frozen() -> Any:
    frozen_clock = clock.FrozenClock(TUESDAY)
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


def test_the_same_address_twice_is_one_request_and_one_email(stack: Any, frozen: Any) -> None:
    roster(stack, 2)
    pipeline = Pipeline(stack)
    # Given a request, matched
    first = submit(request(1))
    pipeline.run()
    # When the same person (their address spelt otherwise) asks again, with other answers
    again = submit(request(1, requester={"name": "Dr. P", "email": " Person1@Example.org "}, urgent=True))
    pipeline.run()
    # Then they are answered with their open request, and nothing new is stored or sent
    assert again == {"reference": first["reference"], "status": "matched"}
    assert len(items(stack)) == 1
    to_them = [e for e in pipeline.emails() if e["to"] == "person1@example.org"]
    assert len(to_them) == 2  # the confirmation and the match, as for any request
    assert to_them[0]["subject"].startswith("We have your request")

    # And a day later, asking again sends them their reference once more (not to anyone else)
    frozen.advance(timedelta(hours=24))
    assert submit(request(1))["reference"] == first["reference"]
    submit(request(1))
    pipeline.run()
    told_again = [e for e in pipeline.emails() if e["to"] == "person1@example.org"][2:]
    assert len(told_again) == 1
    assert "we have not made a second one" in told_again[0]["text"]
    assert first["reference"] in told_again[0]["text"]
    assert len(pipeline.emails()) == 4  # requester twice, supporter once, and the reference again


def test_once_a_request_is_closed_the_person_may_ask_anew(stack: Any, frozen: Any) -> None:
    roster(stack, 1)
    pipeline = Pipeline(stack)
    first = submit(request(1))
    pipeline.run()
    [withdraw] = [LINK.search(e["text"]) for e in pipeline.emails() if e["to"] == "person1@example.org"][:1]
    assert withdraw is not None
    assert act(withdraw.group(1), "withdraw")["statusCode"] == 200
    second = submit(request(1))
    assert second["reference"] != first["reference"]
    assert second["status"] == "pending_match"


def test_a_flood_takes_no_more_places_than_the_surge_threshold_allows(stack: Any, frozen: Any) -> None:
    roster(stack, 12)  # 36 places: the places are not what holds the flood back
    pipeline = Pipeline(stack)
    # When 30 scripted submissions from distinct addresses arrive within the hour
    receipts = [submit(request(i)) for i in range(30)]
    pipeline.run()
    # Then the first 20 are matched, and the next 10 wait for their sender, taking no place
    assert Counter(r["status"] for r in receipts) == {"pending_match": 20, "pending_confirmation": 10}
    assert open_slots_taken(stack) == 20
    assert Counter(i["status"] for i in items(stack)) == {"matched": 20, "pending_confirmation": 10}
    # And the administrators are told once that a surge began, and of nothing held
    to_admin = [e["subject"] for e in pipeline.emails() if e["to"] == ADMIN]
    assert to_admin == [to_admin[0]]
    assert "wait for confirmation" in to_admin[0]
    # And each held sender is asked kindly to confirm, once
    held = [r for r in receipts if r["status"] == "pending_confirmation"]
    asks = [e for e in pipeline.emails() if e["subject"].startswith("Please confirm your request")]
    assert sorted(e["to"] for e in asks) == sorted(f"person{i}@example.org" for i in range(20, 30))

    # When one of them confirms from the link in their email
    token = LINK.search(asks[0]["text"])
    assert token is not None
    done = act(token.group(1), "confirm_request")
    assert json.loads(done["body"])["status"] == "pending_match"
    pipeline.run()
    # Then that request is matched as usual; the others still take no place
    assert open_slots_taken(stack) == 21
    assert len([i for i in items(stack) if i["status"] == "pending_confirmation"]) == len(held) - 1


def test_an_unconfirmed_request_is_let_go_after_48_hours(stack: Any, frozen: Any) -> None:
    roster(stack, 12)
    pipeline = Pipeline(stack)
    receipts = [submit(request(i, urgent=True)) for i in range(21)]
    pipeline.run()
    [held] = [r for r in receipts if r["status"] == "pending_confirmation"]
    # An urgent request held in a surge is not sent to the administrators before it is confirmed
    admin = [e["subject"] for e in pipeline.emails() if e["to"] == ADMIN]
    assert len([s for s in admin if s.startswith("Urgent request") and s.endswith("received")]) == 20

    frozen.advance(timedelta(hours=47))
    invoke("SlaCheckFunction", {})
    [item] = [i for i in items(stack) if i["request_id"] == held["reference"]]
    assert item["status"] == "pending_confirmation"
    frozen.advance(timedelta(hours=2))
    invoke("SlaCheckFunction", {})
    [item] = [i for i in items(stack) if i["request_id"] == held["reference"]]
    assert item["status"] == "withdrawn"
    assert item["purge_at"] <= frozen.now().timestamp()
    assert "requester_key" not in item
    # It never took a place: never matched, no supporter
    assert "supporter_id" not in item
    assert [h["event"] for h in item["history"]] == ["submitted", "confirmation_lapsed"]


def test_surge_mode_is_off_with_a_threshold_of_zero(
    aws: None, monkeypatch: pytest.MonkeyPatch, frozen: Any
) -> None:
    from tests.conftest import deploy

    stack = deploy(monkeypatch, SurgeRequestsPerHour="0")
    roster(stack, 12)
    receipts = [submit(request(i)) for i in range(25)]
    assert {r["status"] for r in receipts} == {"pending_match"}
