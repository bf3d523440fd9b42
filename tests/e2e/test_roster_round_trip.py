"""`GET /_local/supporters`, edited, back to `PUT /_local/supporters`: what one gives the other takes,
and what is wrong is said for an operator, keyed by where it is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import get_json, http

pytestmark = pytest.mark.e2e


def put(url: str, body: bytes) -> tuple[int, Any]:
    status, _, answer = http("PUT", f"{url}/_local/supporters", body, {"Content-Type": "application/json"})
    return status, json.loads(answer)


def put_roster(url: str, roster: Any) -> tuple[int, Any]:
    return put(url, json.dumps(roster).encode())


def test_the_roster_as_read_is_taken_back_and_its_counts_ignored(local_url: str) -> None:
    roster = get_json(f"{local_url}/_local/supporters")
    assert all("open_count" in s for s in roster)
    roster[0]["last_assigned_at"] = roster[0].get("last_assigned_at") or "2026-01-01T00:00:00Z"

    # What the stack keeps count of is its own: a count given is not taken.
    edited = [{**s, "open_count": 40} for s in roster]
    status, body = put_roster(local_url, edited)

    assert status == 200, body
    assert body == get_json(f"{local_url}/_local/supporters")
    assert [s["open_count"] for s in body] == [s["open_count"] for s in roster]


def test_each_problem_is_named_where_it_is(local_url: str) -> None:
    before = get_json(f"{local_url}/_local/supporters")
    roster = [dict(s) for s in before]
    roster[2]["email"] = "not-an-address"
    roster[1]["modalities"] = ["fax"]
    roster[0]["favourite_colour"] = "teal"
    del roster[3]["name"]

    status, body = put_roster(local_url, roster)

    assert status == 422
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == "validation"
    assert body["fields"]["supporters[2].email"] == "not a valid email address"
    assert body["fields"]["supporters[1].modalities[0]"] == "one of in_person, phone or video"
    assert body["fields"]["supporters[0].favourite_colour"].startswith("not a roster field")
    assert body["fields"]["supporters[3].name"].startswith("missing")
    assert "form" not in json.dumps(body)
    assert "teal" not in json.dumps(body)  # values are never quoted back
    assert get_json(f"{local_url}/_local/supporters") == before  # nothing changed


def test_a_supporter_given_twice_is_refused(local_url: str) -> None:
    roster = get_json(f"{local_url}/_local/supporters")

    status, body = put_roster(local_url, [*roster, roster[0]])

    assert status == 422
    assert list(body["fields"]) == [f"supporters[{len(roster)}].supporter_id"]


@pytest.mark.parametrize("body", [b"{", b'{"supporters": []}', b"null", b""])
def test_a_body_that_is_not_a_list_is_malformed(local_url: str, body: bytes) -> None:
    status, answer = put(local_url, body)

    assert status == 400
    assert answer["error"] == "malformed"
    assert "JSON list of roster objects" in answer["detail"]
