"""The match function fed real stream records read from moto, tables from the template."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest

from local_runner.lambdas import invoke
from local_runner.streams import StreamReader
from tests.conftest import api_event

REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
}


@pytest.fixture
def stream(stack: Any) -> StreamReader:
    return StreamReader.of(stack, "MatchFunction")


def submit(body: dict[str, Any] | None = None) -> str:
    result = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body or REQUEST)))
    assert result["statusCode"] == 201, result["body"]
    reference: str = json.loads(result["body"])["reference"]
    return reference


def roster(stack: Any, *supporters: dict[str, Any]) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    entries = [
        RosterEntry.model_validate(
            {
                "name": f"Dr. {s['supporter_id']}",
                "email": f"{s['supporter_id']}@example.org",
                "modalities": ["video"],
                **s,
            }
        )
        for s in supporters
    ]
    SupportersRepository(stack.refs["SupportersTable"]).upsert(entries)


def item(stack: Any, reference: str) -> dict[str, Any]:
    from peer_support.requests.repository import RequestsRepository

    return RequestsRepository(stack.refs["RequestsTable"]).get(reference)


def open_counts(stack: Any) -> dict[str, int]:
    from peer_support.supporters.repository import SupportersRepository

    return {s.supporter_id: s.open_count for s in SupportersRepository(stack.refs["SupportersTable"]).all()}


def run_match(records: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = invoke("MatchFunction", {"Records": records})
    return result


def test_a_new_request_is_matched_in_one_transaction(stack: Any, stream: StreamReader) -> None:
    from peer_support.core.dynamodb import dynamodb_client

    roster(stack, {"supporter_id": "s1"}, {"supporter_id": "s2", "max_open": 1})
    reference = submit()
    records = stream.records()
    assert [r["eventName"] for r in records] == ["INSERT"]
    assert records[0]["eventSourceARN"] == stack.arns["RequestsTable.StreamArn"]

    calls: Counter[str] = Counter()
    dynamodb_client().meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.update([model.name])
    )
    result = run_match(records)

    assert result == {"batchItemFailures": []}
    assert calls == Counter({"Scan": 1, "TransactWriteItems": 1})
    matched = item(stack, reference)
    assert matched["status"] == "matched"
    assert matched["version"] == 2
    assert matched["supporter_id"] in {"s1", "s2"}
    assert matched["matched_at"] == matched["history"][-1]["at"]
    assert [h["event"] for h in matched["history"]] == ["submitted", "matched"]
    assert open_counts(stack)[matched["supporter_id"]] == 1


def test_the_matched_change_does_not_pass_the_filter(stack: Any, stream: StreamReader) -> None:
    roster(stack, {"supporter_id": "s1"})
    submit()
    run_match(stream.records())
    assert stream.records() == []  # the MODIFY to matched is not the match function's business


def test_a_colleague_referral_waits_for_consent(stack: Any, stream: StreamReader) -> None:
    roster(stack, {"supporter_id": "s1"})
    submit(
        {
            **REQUEST,
            "kind": "colleague",
            "colleague": {"name": "Sam Roy", "email": "sam@example.org"},
            "consent_confirmed": True,
        }
    )
    assert stream.records() == []


def test_redelivery_changes_nothing(stack: Any, stream: StreamReader) -> None:
    roster(stack, {"supporter_id": "s1"}, {"supporter_id": "s2"})
    reference = submit()
    records = stream.records()
    run_match(records)
    first = item(stack, reference)

    assert run_match(records) == {"batchItemFailures": []}

    assert item(stack, reference) == first
    assert sum(open_counts(stack).values()) == 1


def test_nobody_free_goes_to_needs_admin_with_reasons(stack: Any, stream: StreamReader) -> None:
    roster(
        stack,
        {"supporter_id": "full", "max_open": 0},
        {"supporter_id": "off", "active": False},
        {"supporter_id": "phone-only", "modalities": ["phone"]},
    )
    reference = submit()
    run_match(stream.records())
    stored = item(stack, reference)
    assert stored["status"] == "needs_admin"
    assert stored["needs_admin_reason"] == "no_supporter_available"
    assert stored["history"][-1] == {
        "at": stored["updated_at"],
        "event": "needs_admin",
        "by": "system",
        "reason": "no_supporter_available",
        "left_out": {"at_capacity": 1, "inactive": 1, "no_shared_modality": 1},
    }


def test_ten_concurrent_requests_for_three_slots(
    stack: Any, stream: StreamReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst interleaving: every match reads the roster before any of them writes."""
    from peer_support.supporters.repository import SupportersRepository

    roster(
        stack,
        {"supporter_id": "a", "max_open": 1},
        {"supporter_id": "b", "max_open": 2},
        {"supporter_id": "c", "max_open": 0},
    )
    references = [
        submit({**REQUEST, "requester": {"name": f"Dr. R{i}", "email": f"r{i}@example.org"}})
        for i in range(10)
    ]
    stale = SupportersRepository(stack.refs["SupportersTable"]).all()
    with monkeypatch.context() as patch:
        patch.setattr(SupportersRepository, "all", lambda self: stale)
        for record in stream.records():  # one invocation each, as ten separate batches would arrive
            assert run_match([record]) == {"batchItemFailures": []}

    statuses = Counter(item(stack, r)["status"] for r in references)
    assert statuses == Counter({"matched": 3, "needs_admin": 7})
    assert open_counts(stack) == {"a": 1, "b": 2, "c": 0}


def test_administrator_requeue_matches_again(stack: Any, stream: StreamReader) -> None:
    reference = submit()
    run_match(stream.records())
    assert item(stack, reference)["status"] == "needs_admin"

    # Given a supporter added to the roster, when the administrator edits the status in the console
    roster(stack, {"supporter_id": "new"})
    boto3.client("dynamodb").update_item(
        TableName=stack.refs["RequestsTable"],
        Key={"request_id": {"S": reference}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "pending_match"}},
    )
    records = stream.records()
    assert [r["eventName"] for r in records] == ["MODIFY"]
    run_match(records)

    stored = item(stack, reference)
    assert stored["status"] == "matched"
    assert stored["supporter_id"] == "new"


def test_a_failing_record_is_reported_alone(
    stack: Any, stream: StreamReader, caplog: pytest.LogCaptureFixture
) -> None:
    roster(stack, {"supporter_id": "s1"}, {"supporter_id": "s2"})
    submit()
    submit({**REQUEST, "requester": {"name": "Dr. Two", "email": "two@example.org"}})
    good, other = stream.records()
    broken = json.loads(json.dumps(other))
    broken["dynamodb"]["NewImage"]["version"] = {"S": "not a number"}

    result = run_match([good, broken])

    assert result == {"batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]}
    [failure] = [r for r in caplog.records if r.getMessage() == "stream record failed"]
    assert failure.__dict__["error_type"] == "ValueError"
    assert "Dr. Two" not in str(failure.__dict__)
    assert sum(open_counts(stack).values()) == 1
