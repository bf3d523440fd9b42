"""The SLA sweep under moto: only due items are read, steps happen once, and the whole
reminder → breach → reassign → match flow."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_runner.lambdas import invoke
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.conftest import api_event
from tests.integration.conftest import Pipeline

REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
}
ADMIN = "program-admin@example.org"
THURSDAY_10AM = datetime(2026, 11, 26, 10, 0, tzinfo=TIME_ZONE)


@pytest.fixture
def frozen() -> Any:
    frozen_clock = clock.FrozenClock(THURSDAY_10AM)
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


def roster(stack: Any, *ids: str) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(supporter_id=i, name=f"Dr. {i}", email=f"{i}@example.org", modalities=["video"])
            for i in ids
        ]
    )


def submit(body: dict[str, Any] | None = None) -> str:
    result = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body or REQUEST)))
    assert result["statusCode"] == 201
    reference: str = json.loads(result["body"])["reference"]
    return reference


def item(stack: Any, reference: str) -> dict[str, Any]:
    from peer_support.requests.repository import RequestsRepository

    return RequestsRepository(stack.refs["RequestsTable"]).get(reference)


def sweep() -> dict[str, Any]:
    result: dict[str, Any] = invoke("SlaCheckFunction", {})
    return result


def subjects(pipeline: Pipeline, to: str) -> list[str]:
    # The administrators' monthly report email (on a month's first business morning) is not a deadline's.
    return [e["subject"] for e in pipeline.emails() if e["to"] == to and "s report for" not in e["subject"]]


def test_reminder_breach_reassign_and_match_again(stack: Any, frozen: clock.FrozenClock) -> None:
    roster(stack, "first", "second")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    matched = item(stack, reference)
    first = matched["supporter_id"]
    # Thursday 10:00 → due Monday 17:00 (2 business days); reminder half-way, Friday 13:30.
    assert matched["contact_due_at"] == "2026-12-01T01:00:00Z"
    assert (matched["sla_step"], matched["sla_due"]) == ("contact_reminder", "2026-11-27T21:30:00Z")

    assert sweep()["steps"] == {}  # nothing due yet
    frozen.advance(timedelta(hours=28))  # Friday 14:00
    assert sweep()["steps"] == {"contact_reminder": 1}
    assert sweep()["steps"] == {}  # the reminder happens once
    pipeline.run()
    assert sum("Reminder" in s for s in subjects(pipeline, f"{first}@example.org")) == 1

    frozen.advance(timedelta(days=3, hours=4))  # Tuesday 18:00: past Monday 17:00
    assert sweep()["steps"] == {"reassigned": 1}
    pipeline.run()

    moved = item(stack, reference)
    second = moved["supporter_id"]
    assert (moved["status"], second, moved["excluded_supporters"]) == (
        "matched",
        "second" if first == "first" else "first",
        [first],
    )
    assert [h["event"] for h in moved["history"]] == [
        "submitted",
        "matched",
        "contact_reminder",
        "reassigned",
        "matched",
    ]
    assert moved["contact_due_at"] == "2026-12-03T01:00:00Z"  # two business days from Tuesday
    assert subjects(pipeline, ADMIN) == [f"First contact overdue for request {reference}"]
    assert subjects(pipeline, f"{first}@example.org")[-1] == f"No action needed: request {reference}"
    assert len(subjects(pipeline, f"{second}@example.org")) == 1
    requester = subjects(pipeline, "ann.lee@example.org")
    assert len(requester) == 3  # confirmation, matched, and matched again with the new deadline
    assert sweep()["steps"] == {}


def test_after_a_long_jump_a_sweep_takes_the_step_due_now(stack: Any, frozen: clock.FrozenClock) -> None:
    # Given a request whose reminder and deadline have both passed unswept (missed sweeps, or the clock
    # moved past both at once)
    roster(stack, "first", "second")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    first = item(stack, reference)["supporter_id"]
    frozen.advance(timedelta(days=6))  # Wednesday: past Friday's reminder and Monday's deadline
    # When one sweep runs
    report = sweep()
    pipeline.run()
    # Then it goes straight to the deadline's step: no reminder for a day gone by
    assert report["steps"] == {"reassigned": 1}
    assert [h["event"] for h in item(stack, reference)["history"]] == [
        "submitted",
        "matched",
        "reassigned",
        "matched",
    ]
    assert not any("Reminder" in s for s in subjects(pipeline, f"{first}@example.org"))


def test_breach_with_nobody_else_goes_to_needs_admin_and_reminds_daily(
    stack: Any, frozen: clock.FrozenClock
) -> None:
    roster(stack, "only")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    frozen.advance(timedelta(days=5))  # Tuesday 10:00: reminder and deadline both passed
    assert sweep()["steps"] == {"reassigned": 1}  # straight to the step due now
    pipeline.run()
    stuck = item(stack, reference)
    assert stuck["status"] == "needs_admin"
    assert stuck["left_out"] == {"excluded": 1}
    assert stuck["sla_step"] == "needs_admin_reminder"
    assert stuck["sla_due"] == "2026-12-02T17:00:00Z"  # Wednesday 09:00 in Vancouver

    frozen.advance(timedelta(hours=23))  # Wednesday 09:00
    assert sweep()["steps"] == {"needs_admin_reminder": 1}
    assert sweep()["steps"] == {}
    frozen.advance(timedelta(hours=24))  # Thursday 09:00
    assert sweep()["steps"] == {"needs_admin_reminder": 1}
    pipeline.run()
    admin = subjects(pipeline, ADMIN)
    assert len(admin) == 4  # overdue, needs a supporter, and two daily reminders


def test_consent_reminder_after_one_business_day(stack: Any, frozen: clock.FrozenClock) -> None:
    reference = submit(
        {
            **REQUEST,
            "kind": "colleague",
            "consent_confirmed": True,
            "colleague": {"name": "Dr. Sam Roy", "email": "sam@example.org"},
        }
    )
    assert item(stack, reference)["sla_due"] == "2026-11-28T01:00:00Z"  # Friday 17:00
    frozen.advance(timedelta(hours=30))  # Friday 16:00: not yet
    assert sweep()["steps"] == {}
    frozen.advance(timedelta(hours=2))
    assert sweep()["steps"] == {"consent_reminder": 1}
    assert sweep()["steps"] == {}
    assert "sla_open" not in item(stack, reference)


def test_overlapping_sweeps_act_once(
    stack: Any, frozen: clock.FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two sweeps read the same due item before either writes: only one write lands."""
    from peer_support.core.settings import get_settings
    from peer_support.requests import sla
    from peer_support.requests.repository import RequestsRepository
    from peer_support.requests.transitions import Transitions

    roster(stack, "s1")
    pipeline = Pipeline(stack)
    reference = submit()
    pipeline.run()
    frozen.advance(timedelta(days=1, hours=6))
    settings = get_settings()
    repository = RequestsRepository(settings.requests_table)
    transitions = Transitions(settings.requests_table, settings.supporters_table)

    # Both sweeps queried the index and read the item before either of them wrote.
    stale = repository.get(reference)
    with monkeypatch.context() as patch:
        patch.setattr(
            RequestsRepository, "due", lambda self, now, shard: iter([reference] if shard == "open" else [])
        )
        patch.setattr(RequestsRepository, "get", lambda self, request_id: stale)
        reports = [sla.sweep(repository, transitions, settings, frozen.now()) for _ in range(2)]

    assert [dict(r.steps) for r in reports] == [{"contact_reminder": 1}, {}]
    assert reports[1].skipped == 1
    assert [h["event"] for h in item(stack, reference)["history"]].count("contact_reminder") == 1


def test_a_sweep_reads_only_what_is_due_among_ten_thousand(stack: Any, frozen: clock.FrozenClock) -> None:
    from peer_support.core.dynamodb import dynamodb_client, to_item

    client = dynamodb_client()
    table = stack.refs["RequestsTable"]
    now = frozen.now()

    def request(i: int, due: bool | None) -> dict[str, Any]:
        record: dict[str, Any] = {
            "request_id": f"PS-{i:04d}-BULK",
            "status": "matched",
            "version": 2,
            "created_at": "2026-11-20T00:00:00Z",
            "supporter_id": "s1",
            "contact_due_at": "2026-12-30T00:00:00Z",
            "history": [],
        }
        if due is not None:  # in the index only while a deadline runs
            when = now - timedelta(minutes=5) if due else now + timedelta(days=2)
            record.update(sla_open="open", sla_due=clock.iso(when), sla_step="contact_reminder")
        return record

    items = [request(i, due=True if i < 10 else (False if i % 2 else None)) for i in range(10_000)]
    for start in range(0, len(items), 25):
        client.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": to_item(r)}} for r in items[start : start + 25]]}
        )

    read: Counter[str] = Counter()

    scanned: list[str] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.Scan", lambda params, **_: scanned.append(params["TableName"])
    )

    def count(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "Query":
            read["query_items"] += len(parsed.get("Items", []))
        elif model.name == "GetItem":
            read["get_items"] += 1 if "Item" in parsed else 0
        read[model.name] += 1

    client.meta.events.register("after-call.dynamodb.*", count)
    summary = sweep()

    assert summary["read"] == 10
    assert summary["steps"] == {"contact_reminder": 10}
    assert read["query_items"] == 10  # the sparse index hands back the due keys only: no Scan
    assert read["get_items"] == 10
    assert table not in scanned  # the roster is read for the supporters' step; the requests never are
