"""Watching a deadline pass on the local stack: `POST /_local/clock` moves the one clock and sweeps.

A stack of its own, so moving time does not disturb the other end-to-end tests.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import (
    ask_for_oneself,
    emails_about,
    get_json,
    local_stack,
    move_clock,
    post_json,
    request_item,
    wait_for,
)

pytestmark = pytest.mark.e2e

ADMIN = "program-admin@example.org"
WAIT_SECONDS = 6.0


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with local_stack({"NOW": "2026-12-24T18:00:00Z"}) as started:
        yield started


def test_reminder_breach_and_reassignment_happen_once_each(url: str) -> None:
    # Given Thursday 24 December 2026, 10:00 in Vancouver (Christmas Friday, then a weekend)
    assert get_json(f"{url}/_local/clock")["now"].startswith("2026-12-24T18:0")
    reference = ask_for_oneself(url, "Dr. Clock Test", "clock@example.org", ["burnout"], ["video"])
    matched = wait_for(lambda: request_item(url, reference)["status"] == "matched", WAIT_SECONDS)
    assert matched
    item = request_item(url, reference)
    first = item["supporter_id"]
    # Due two business days later, skipping Christmas and the weekend: Tuesday 29 December, 17:00.
    assert item["contact_due_at"] == "2026-12-30T01:00:00Z"

    move_clock(url, advance_hours=1)  # nothing due yet
    move_clock(url, advance_hours=100)  # Monday 28th, 15:00: past half-way, before the deadline
    assert wait_for(
        lambda: any("Reminder" in e["subject"] for e in emails_about(url, reference)), WAIT_SECONDS
    )
    move_clock(url, advance_hours=1)  # another sweep: no second reminder
    move_clock(url, advance_hours=27)  # Tuesday 29th, 18:00: past the deadline
    moved = wait_for(
        lambda: request_item(url, reference).get("supporter_id") not in (None, first), WAIT_SECONDS
    )
    assert moved, request_item(url, reference)
    move_clock(url, advance_hours=1)
    time.sleep(1.5)  # let the stream consumers settle

    item = request_item(url, reference)
    events = [h["event"] for h in item["history"]]
    assert events == ["submitted", "matched", "contact_reminder", "reassigned", "matched"]
    assert item["excluded_supporters"] == [first]
    subjects = Counter((e["to"], e["subject"]) for e in emails_about(url, reference))
    assert all(count == 1 for count in subjects.values()), subjects
    admin = [s for (to, s) in subjects if to == ADMIN]
    assert admin == [f"First contact overdue for request {reference}"]


def test_clock_rejects_nonsense(url: str) -> None:
    status, answer = post_json(f"{url}/_local/clock", {"advance_hours": "soon"})
    assert status == 400
    assert answer["error"] == "malformed"
