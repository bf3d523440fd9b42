"""Where `POST /_local/clock` moves the clock to, and what it refuses (the rule, without a stack)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runner.schedules import ClockRefusal, requested_time

NOW = datetime(2026, 12, 24, 18, 0, 0, 500_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"advance_hours": 0}, NOW),
        ({"advance_hours": 1.5}, NOW + timedelta(hours=1.5)),
        ({"now": "2026-12-29T01:00:00Z"}, datetime(2026, 12, 29, 1, tzinfo=UTC)),
        ({"now": "2026-12-24T10:30:00-08:00"}, datetime(2026, 12, 24, 18, 30, tzinfo=UTC)),
        # The time the clock answered, to the second: where it is, not back by half a second.
        ({"now": "2026-12-24T18:00:00Z"}, NOW),
    ],
)
def test_forward_or_where_it_is(body: Any, expected: datetime) -> None:
    assert requested_time(body, NOW) == expected


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"advance_hours": -1}, 409, "advance_hours"),
        ({"now": "2026-12-24T17:59:58Z"}, 409, "now"),
        ({"advance_hours": float("nan")}, 400, "advance_hours"),
        ({"advance_hours": float("inf")}, 400, "advance_hours"),
        ({"advance_hours": 1e300}, 400, "advance_hours"),
        ({"advance_hours": 10**9}, 400, "advance_hours"),
        ({"now": "2026-12-24"}, 400, "now"),
        ({"now": None}, 400, "now"),
    ],
)
def test_refused(body: Any, status: int, field: str) -> None:
    with pytest.raises(ClockRefusal) as refused:
        requested_time(body, NOW)
    assert refused.value.status == status
    assert list(refused.value.fields) == [field]


def test_the_stack_can_start_at_a_given_time() -> None:
    from local_runner.__main__ import starting_time

    assert starting_time("") is None
    assert starting_time("2026-03-05T10:00:00-08:00") == datetime(2026, 3, 5, 18, tzinfo=UTC)
    for wrong in ("2026-03-05T10:00:00", "next Thursday"):
        message = starting_time(wrong)
        assert isinstance(message, str)
        assert message.startswith(f"NOW={wrong}: ")
