"""Hostile input to the API: always a 4xx in the contract's shape, never a 5xx, never an echo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_runner.lambdas import invoke
from tests.conftest import api_event

MARKER = "Zq9xMarker"


def post(
    raw: str, content_type: str = "application/json", accept: str = "application/json"
) -> dict[str, Any]:
    event = api_event("POST", "/requests", raw, {"Content-Type": content_type, "Accept": accept})
    result: dict[str, Any] = invoke("SubmitRequestFunction", event)
    return result


def assert_refused_cleanly(result: dict[str, Any]) -> None:
    assert 400 <= result["statusCode"] < 500, result
    assert MARKER not in result["body"]
    assert "Traceback" not in result["body"]
    headers = {k: v[0] for k, v in (result.get("multiValueHeaders") or {}).items()} | (
        result.get("headers") or {}
    )
    if headers["Content-Type"].startswith("application/json"):
        body = json.loads(result["body"])
        assert set(body) == {"error", "detail", "fields"}


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "null",
        "{",
        '{"kind": ',
        "[" * 5000 + "]" * 5000,
        '{"a":' * 2000 + "1" + "}" * 2000,
        json.dumps({"kind": "self", "requester": {"name": MARKER + "\u0000", "email": MARKER}}),
        json.dumps(
            {"kind": "self", "requester": {"name": f"<script>{MARKER}</script>", "email": "x@example.org"}}
        ),
        json.dumps(
            {"kind": "self", "requester": {"name": f"Ann\r\nBcc: {MARKER}@example.org", "email": "x"}}
        ),
        json.dumps({"kind": ["self"], "requester": "ann", "reasons": {"a": 1}, "urgent": "maybe", "note": 5}),
        json.dumps(
            {"kind": "self", "requester": {"name": "A", "email": f"{MARKER}@example.org\r\nBcc: a@b.c"}}
        ),
        '{"kind": "self", "requester": {"name": "\\ud800' + MARKER + '"}}',
        json.dumps({f"<b>{MARKER}</b>": 1}),
        json.dumps({f"{MARKER} {MARKER}": 1}),
        # A name shaped like a field's is not repeated back unless it is one of ours: it may be a person's.
        json.dumps({MARKER: 1}),
        json.dumps({"kind": "self", "requester": {"name": "A", "email": "a@example.org", MARKER: "x"}}),
    ],
)
def test_malformed_and_hostile_bodies(stack: Any, raw: str) -> None:
    assert_refused_cleanly(post(raw))


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_invalid_utf8_and_huge_bodies(stack: Any, accept: str) -> None:
    event = api_event("POST", "/requests", "////", {"Content-Type": "application/json", "Accept": accept})
    event.update(body="gICA", isBase64Encoded=True)  # 0x80 0x80 0x80: not UTF-8
    assert_refused_cleanly(invoke("SubmitRequestFunction", event))
    assert_refused_cleanly(post(json.dumps({"note": MARKER * 5000}), accept=accept))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6)
        ),
        max_leaves=30,
    )
)
def test_any_json_gets_a_clean_answer(stack: Any, body: Any) -> None:
    result = post(json.dumps(body))
    assert result["statusCode"] in (201, 400, 409, 413, 415, 422), result
    assert "Traceback" not in result["body"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=40)), max_size=12))
def test_any_form_gets_a_clean_answer(stack: Any, pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    result = post(urlencode(pairs), "application/x-www-form-urlencoded", accept="text/html")
    assert result["statusCode"] in (201, 400, 409, 413, 415, 422), result
    assert "Traceback" not in result["body"]
