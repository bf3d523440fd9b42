"""A simulated month of at least 200 requests, every stream record delivered twice or more: the
monthly counts equal what happened, and the report prints them (under moto)."""

from __future__ import annotations

import heapq
import json
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_runner import moto_transactions
from local_runner.lambdas import invoke
from local_runner.streams import StreamReader, mappings
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.conftest import api_event
from tests.integration.conftest import put_supporters

START = datetime(2026, 3, 2, 8, 0, tzinfo=TIME_ZONE)  # a Monday; the month has room after the last request
REQUESTS = int(__import__("os").environ.get("SIM_REQUESTS", "210"))
CODES = ("physician_health_program", "employee_assistance", "own_physician", "other_professional")
REASONS = ("adverse_event", "complaint", "burnout", "life_stressor", "discrimination", "other")


class Redelivering:
    """`match` fed from its stream as the month goes; `count` given every record of the month at the
    end, in batches of its mapping's size, each batch delivered twice and again in part, as Lambda's
    at-least-once delivery may bring it (a retried batch, an overlapping one after a bisect)."""

    def __init__(self, stack: Any) -> None:
        found = mappings(stack)
        self.match = [StreamReader(m, stack.region) for m in found if m.function == "MatchFunction"]
        self.count = [StreamReader(m, stack.region) for m in found if m.function == "CountFunction"]
        self.deliveries = 0

    def run(self) -> None:
        for _ in range(20):
            records = [record for reader in self.match for record in reader.records()]
            if not records:
                return
            assert invoke("MatchFunction", {"Records": records}) == {"batchItemFailures": []}
        raise AssertionError("matching did not settle")

    def count_everything(self) -> int:
        records = [record for reader in self.count for record in reader.records()]
        for start in range(0, len(records), 25):
            batch = records[start : start + 25]
            for delivery in (batch, batch[::-1], records[max(start - 5, 0) : start + 5]):
                assert invoke("CountFunction", {"Records": delivery}) == {"batchItemFailures": []}
                self.deliveries += len(delivery)
        return len(records)


def at(when: datetime) -> None:
    clock.use(clock.FrozenClock(when))


def submit(body: dict[str, Any]) -> str:
    result = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body)))
    assert result["statusCode"] == 201, result["body"]
    reference: str = json.loads(result["body"])["reference"]
    return reference


def act(stack: Any, reference: str, role: str, holder: str, **form: Any) -> Any:
    from peer_support.core.settings import get_settings
    from peer_support.links.tokens import LinkClaims
    from peer_support.requests.actions import ActionForm, perform
    from peer_support.requests.repository import RequestsRepository
    from peer_support.requests.transitions import Transitions

    settings = get_settings()
    item = RequestsRepository(settings.requests_table).get(reference)
    claims = LinkClaims(reference, role, holder, 2**40)  # type: ignore[arg-type]
    transitions = Transitions(settings.requests_table, settings.supporters_table)
    return perform(claims, ActionForm.model_validate(form), item, transitions=transitions, settings=settings)


def stored(stack: Any, reference: str) -> dict[str, Any]:
    from peer_support.requests.repository import RequestsRepository

    return RequestsRepository(stack.refs["RequestsTable"]).get(reference)


@pytest.fixture
def roster(stack: Any) -> None:
    put_supporters(stack, range(8), modalities=["video", "phone"], max_open=40)


def request_body(i: int, rng: random.Random) -> dict[str, Any]:
    colleague = rng.random() < 0.12
    person = {"name": f"Dr. Person {i}", "email": f"person{i}@example.org"}
    body: dict[str, Any] = {
        "kind": "colleague" if colleague else "self",
        "requester": person,
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "reasons": rng.sample(REASONS, rng.choice((1, 1, 2))),
        # No supporter offers in-person only: those wait for the administrator.
        "modalities": ["in_person"]
        if rng.random() < 0.05
        else rng.sample(["video", "phone"], rng.choice((1, 2))),
        "urgent": rng.random() < 0.15,
    }
    if colleague:
        body["colleague"] = {"name": f"Dr. Colleague {i}", "email": f"colleague{i}@example.org"}
        body["consent_confirmed"] = True
    return body


def test_a_month_under_redelivery_counts_what_happened(stack: Any, roster: None) -> None:
    from peer_support.reports.measures import bucket
    from peer_support.reports.monthly import MonthlyCounters
    from peer_support.reports.report import build

    moto_transactions.install()  # a match's transaction costs what it touches, not the whole table
    rng = random.Random(14)
    pipeline = Redelivering(stack)
    expected: Counter[str] = Counter()
    events: list[tuple[datetime, int, str, str]] = []  # (when, tie-breaker, reference, what)
    plans: dict[str, dict[str, Any]] = {}
    for i in range(REQUESTS):
        when = START + timedelta(minutes=150 * i)
        at(when)
        body = request_body(i, rng)
        reference = submit(body)
        pipeline.run()
        expected.update(["requests", body["kind"], *(f"reason:{r}" for r in body["reasons"])])
        expected["urgent"] += body["urgent"]
        plans[reference] = {"fate": rng.random(), "delay": rng.choice((0.5, 3, 20, 30, 70)), "body": body}
        first = "confirm" if body["kind"] == "colleague" else "respond"
        heapq.heappush(events, (when + timedelta(hours=2), i, reference, first))
        # The remaining events of earlier requests, in the order they fall.
        while events and events[0][0] <= when + timedelta(minutes=150):
            happen(stack, pipeline, plans, expected, heapq.heappop(events), events, rng)
    while events:
        happen(stack, pipeline, plans, expected, heapq.heappop(events), events, rng)

    # What happened, from the requests themselves.
    items = [stored(stack, reference) for reference in plans]
    for record in items:
        history = [entry["event"] for entry in record["history"]]
        if "matched" in history:
            expected["matched"] += 1
            ready = clock.parse_iso(record["created_at"])
            for entry in record["history"]:
                if entry["event"] == "consent_confirmed":
                    ready = clock.parse_iso(entry["at"])
            first_match = next(e["at"] for e in record["history"] if e["event"] == "matched")
            minutes = (clock.parse_iso(first_match) - ready).total_seconds() / 60
            expected[bucket("time_to_match_minutes", minutes)] += 1
        expected["needs_admin"] += history.count("needs_admin")
    changes = pipeline.count_everything()
    counted = MonthlyCounters(stack.refs["CountersTable"], stack.refs["IdempotencyTable"]).months(["2026-03"])
    assert pipeline.deliveries >= 2 * changes  # every change delivered at least twice
    assert counted["2026-03"] == {k: v for k, v in expected.items() if v}
    assert expected["requests"] == REQUESTS
    assert expected["closed"] >= 100

    report = build(counted, ("2026-03",), 5)
    printed = {measure: value for _, measure, value in report.rows()}
    assert printed["requests"] == str(REQUESTS)
    assert printed["closed"] == str(expected["closed"])
    assert int(printed["time_to_match_p50_minutes"]) <= 5  # matched within seconds of being ready
    print("simulated month:", json.dumps(dict(sorted(expected.items()))))


def happen(
    stack: Any,
    pipeline: Redelivering,
    plans: dict[str, dict[str, Any]],
    expected: Counter[str],
    event: tuple[datetime, int, str, str],
    events: list[tuple[datetime, int, str, str]],
    rng: random.Random,
) -> None:
    when, tie, reference, what = event
    at(when)
    plan = plans[reference]
    record = stored(stack, reference)
    if what == "confirm":
        if plan["fate"] < 0.1:
            act(stack, reference, "admin", "admin", action="cancel")
            expected["withdrawn"] += 1
        else:
            act(stack, reference, "admin", "admin", action="confirm_consent")
            heapq.heappush(events, (when + timedelta(hours=1), tie, reference, "respond"))
    elif what == "respond" and record["status"] == "matched":
        if plan["fate"] < 0.05:
            act(stack, reference, "supporter", record["supporter_id"], action="decline")
            expected["declined"] += 1
            plan["fate"] = 0.5  # the next supporter takes it
            heapq.heappush(events, (when + timedelta(hours=1), tie, reference, "respond"))
        elif plan["fate"] < 0.1:
            act(
                stack,
                reference,
                "requester",
                "requester" if record["kind"] == "self" else "colleague",
                action="withdraw",
            )
            expected["withdrawn"] += 1
        else:
            contacted = when + timedelta(hours=plan["delay"])
            heapq.heappush(events, (contacted, tie, reference, "acknowledge"))
    elif what == "respond" and record["status"] == "needs_admin":
        act(stack, reference, "admin", "admin", action="cancel")
        expected["withdrawn"] += 1
    elif what == "acknowledge":
        act(stack, reference, "supporter", record["supporter_id"], action="acknowledge")
        expected["first_contacts"] += 1
        expected["first_contact_in_time"] += when <= clock.parse_iso(record["contact_due_at"])
        hours = (when - clock.parse_iso(record["matched_at"])).total_seconds() / 3600
        from peer_support.reports.measures import bucket

        expected[bucket("time_to_first_contact_hours", hours)] += 1
        if plan["fate"] < 0.9:
            heapq.heappush(events, (when + timedelta(hours=30), tie, reference, "close"))
    elif what == "close":
        conversations = rng.choice((1, 1, 2, 2, 3, 4))
        modality = rng.choice(("video", "phone"))
        referred = rng.sample(CODES, rng.choice((0, 0, 0, 1, 2)))
        form = {"action": "close", "conversations": conversations, "modality_used": modality}
        act(stack, reference, "supporter", record["supporter_id"], **form, referred_on=referred or ["none"])
        expected.update(["closed", f"conversations:{conversations}", f"modality:{modality}"])
        expected.update([f"referred_on:{code}" for code in referred] or ["referred_on:none"])
    pipeline.run()
