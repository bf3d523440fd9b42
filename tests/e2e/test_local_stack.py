"""The local stack over HTTP, exactly as `make run` serves it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import get_json, http, post_json

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


def test_unknown_route_is_refused_like_api_gateway(local_url: str) -> None:
    status, _, _ = http("GET", f"{local_url}/admin")
    assert status == 403
