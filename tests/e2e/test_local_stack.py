"""The local stack over HTTP, exactly as `make run` serves it."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import get_json, http, post_json, request_item, wait_for

pytestmark = pytest.mark.e2e

REQUEST = {
    "kind": "self",
    "requester": {"name": "Dr. Kim Park", "email": "kim.park@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["complaint"],
    "modalities": ["in_person"],
}


def test_form_is_served_with_security_headers(local_url: str) -> None:
    status, headers, body = http("GET", f"{local_url}/", headers={"Accept": "text/html"})
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert b"Ask for peer support" in body
    css_status, css_headers, _ = http("GET", f"{local_url}/assets/site.css")
    assert css_status == 200
    assert css_headers["Content-Type"].startswith("text/css")


def test_json_submission_is_stored_and_listed(local_url: str) -> None:
    status, receipt = post_json(f"{local_url}/requests", REQUEST, {"Idempotency-Key": "e2e-key-0000001"})
    assert status == 201
    assert receipt["status"] == "pending_match"
    again_status, again = post_json(f"{local_url}/requests", REQUEST, {"Idempotency-Key": "e2e-key-0000001"})
    assert (again_status, again) == (201, receipt)
    items = [i for i in get_json(f"{local_url}/_local/requests") if i["request_id"] == receipt["reference"]]
    assert len(items) == 1
    assert items[0]["requester"]["name"] == "Dr. Kim Park"


def test_browser_form_post_gets_a_confirmation_page(local_url: str) -> None:
    form = urlencode(
        [
            ("kind", "self"),
            ("requester.name", "Dr. Lee Form"),
            ("requester.email", "lee.form@example.org"),
            ("career_stage", "practicing_physician"),
            ("practices_in_vancouver", "true"),
            ("reasons", "other"),
            ("modalities", "phone"),
            ("modalities", "video"),
        ]
    ).encode()
    status, _, body = http(
        "POST",
        f"{local_url}/requests",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert status == 201
    assert b"Your request is in" in body


def test_errors_have_the_contract_shape(local_url: str) -> None:
    status, body = post_json(f"{local_url}/requests", {**REQUEST, "requester": {"name": "x", "email": "y"}})
    assert status == 422
    assert body["error"] == "validation"
    assert body["fields"] == {"requester.email": "Please enter an email address we can reach you at."}
    status, _, raw = http("POST", f"{local_url}/requests", b"{", {"Content-Type": "application/json"})
    assert status == 400
    assert json.loads(raw)["error"] == "malformed"


def test_openapi_document(local_url: str) -> None:
    document = get_json(f"{local_url}/openapi.json")
    assert "/requests" in document["paths"]


def test_unknown_route_is_answered_as_the_templates_gateway_response(local_url: str) -> None:
    status, headers, body = http("GET", f"{local_url}/admin")
    assert status == 404
    assert json.loads(body)["error"] == "not_found"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["X-Frame-Options"] == "DENY"


def test_a_request_is_matched_within_two_seconds(local_url: str) -> None:
    body = {
        **REQUEST,
        "requester": {"name": "Dr. Quick Match", "email": "quick@example.org"},
        "modalities": ["video"],
    }
    started = time.monotonic()
    status, receipt = post_json(f"{local_url}/requests", body)
    assert status == 201
    matched = wait_for(lambda: request_item(local_url, receipt["reference"])["status"] != "pending_match")
    elapsed = time.monotonic() - started
    item = request_item(local_url, receipt["reference"])
    assert matched
    assert item["status"] == "matched", item.get("left_out")
    assert elapsed < 2.0
    counts = {s["supporter_id"]: s["open_count"] for s in get_json(f"{local_url}/_local/supporters")}
    assert counts[item["supporter_id"]] >= 1


def put_supporters(local_url: str, entries: Any) -> tuple[int, Any]:
    status, _, body = http(
        "PUT",
        f"{local_url}/_local/supporters",
        json.dumps(entries).encode(),
        {"Content-Type": "application/json"},
    )
    return status, json.loads(body)


def as_given(supporter: dict[str, Any]) -> dict[str, Any]:
    """A supporter as a roster entry is written: without what the stack keeps count of."""
    kept = ("open_count", "last_assigned_at", "version", "own_max_open", "training_reminded_for")
    return {k: v for k, v in supporter.items() if k not in kept}


def test_supporters_can_be_read_and_replaced(local_url: str) -> None:
    roster = get_json(f"{local_url}/_local/supporters")
    assert len(roster) >= 1
    assert {"supporter_id", "name", "email", "modalities", "max_open", "open_count"} <= set(roster[0])
    original = [as_given(s) for s in roster]
    replacement = [
        *original,
        {
            "supporter_id": "e2e-new",
            "name": "Dr. New Person",
            "email": "new@example.org",
            "modalities": ["phone"],
            "max_open": 2,
        },
    ]
    try:
        status, body = put_supporters(local_url, replacement)
        assert status == 200
        after = {s["supporter_id"]: s for s in body}
        assert after["e2e-new"]["open_count"] == 0
        # Open cases are kept for supporters who stay on the roster.
        assert all(after[s["supporter_id"]]["open_count"] == s["open_count"] for s in roster)
        status, body = put_supporters(local_url, [{"supporter_id": "x"}])
        assert status == 422
        assert "supporters[0].name" in body["fields"]
    finally:
        # The stack is shared by the session: put the roster back as it was found.
        status, body = put_supporters(local_url, original)
        assert status == 200, body
        restored = get_json(f"{local_url}/_local/supporters")
        assert sorted((as_given(s) for s in restored), key=lambda s: s["supporter_id"]) == sorted(
            original, key=lambda s: s["supporter_id"]
        )
        assert {s["supporter_id"]: s["open_count"] for s in restored} == {
            s["supporter_id"]: s["open_count"] for s in roster
        }


def test_a_supporter_with_open_cases_cannot_be_dropped_from_the_roster(local_url: str) -> None:
    # The stack is shared, and earlier tests may have taken every place: a spare supporter makes sure
    # someone is free (kept on the roster afterwards, inactive).
    spare = {"supporter_id": "e2e-spare", "name": "Dr. Spare", "email": "spare@example.org",
             "modalities": ["in_person", "phone", "video"], "max_open": 5}  # fmt: skip
    found = [as_given(s) for s in get_json(f"{local_url}/_local/supporters")]
    assert put_supporters(local_url, [*found, spare])[0] == 200
    body = {**REQUEST, "requester": {"name": "Dr. Busy Case", "email": "busy.case@example.org"}}
    status, receipt = post_json(f"{local_url}/requests", body)
    assert status == 201
    assert wait_for(lambda: request_item(local_url, receipt["reference"])["status"] == "matched")
    busy = request_item(local_url, receipt["reference"])["supporter_id"]
    roster = get_json(f"{local_url}/_local/supporters")
    without = [as_given(s) for s in roster if s["supporter_id"] != busy]

    status, _, body_bytes = http(
        "PUT",
        f"{local_url}/_local/supporters",
        json.dumps(without).encode(),
        {"Content-Type": "application/json"},
    )

    assert status == 409
    assert busy in json.loads(body_bytes)["detail"]
    assert busy in {s["supporter_id"] for s in get_json(f"{local_url}/_local/supporters")}
    assert put_supporters(local_url, [*found, {**spare, "active": False}])[0] == 200
