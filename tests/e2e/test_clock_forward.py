"""The local stack's clock only moves forward: `POST /_local/clock` refuses an earlier time with 409.

Only refusals here, on the session's stack: they leave its clock where it was.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import get_json, post_json

pytestmark = pytest.mark.e2e


def clock(url: str) -> str:
    now: str = get_json(f"{url}/_local/clock")["now"]
    return now


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"advance_hours": -1}, "advance_hours"),
        ({"advance_hours": -0.25}, "advance_hours"),
        ({"now": "2020-01-01T00:00:00Z"}, "now"),
        ({"now": "2001-02-03T04:05:06-08:00"}, "now"),
    ],
)
def test_moving_the_clock_back_is_refused_and_says_why(local_url: str, body: Any, field: str) -> None:
    before = clock(local_url)

    status, answer = post_json(f"{local_url}/_local/clock", body)

    assert status == 409
    assert set(answer) == {"error", "detail", "fields"}
    assert answer["error"] == "conflict"
    assert "only moves forward" in answer["detail"]
    assert list(answer["fields"]) == [field]
    assert clock(local_url) >= before  # not moved back (it ticks on with real time)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"advance_hours": "soon"}, "advance_hours"),
        ({"advance_hours": True}, "advance_hours"),
        ({"now": "tomorrow"}, "now"),
        ({"now": "2099-01-01T00:00:00"}, "now"),  # no offset: which 00:00?
        ({"now": 1893456000}, "now"),
    ],
)
def test_a_time_that_is_not_one_is_malformed(local_url: str, body: Any, field: str) -> None:
    status, answer = post_json(f"{local_url}/_local/clock", body)

    assert status == 400
    assert answer["error"] == "malformed"
    assert list(answer["fields"]) == [field]


@pytest.mark.parametrize("body", [{}, [], {"advance_hours": 1, "now": "2099-01-01T00:00:00Z"}])
def test_a_body_without_exactly_one_move_is_malformed(local_url: str, body: Any) -> None:
    status, answer = post_json(f"{local_url}/_local/clock", body)

    assert status == 400
    assert set(answer) == {"error", "detail", "fields"}
    assert "advance_hours" in answer["detail"]
