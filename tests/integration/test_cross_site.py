"""Posts that change something are refused when a browser says they come from another site's page."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from local_runner.lambdas import invoke
from tests.conftest import api_event
from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import (
    REQUEST,
    REQUESTER,
    inbox,
    item,
    submit,
    token_in,
)

HOST = "abc123defg.execute-api.ca-central-1.amazonaws.com"  # the captured event's own host
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
FOREIGN = [
    {"Origin": "https://evil.example"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a sandboxed frame, or a page without a referrer
    {"Sec-Fetch-Site": "same-site"},  # another subdomain
    {"Origin": f"https://{HOST}.evil.example"},
    {"Origin": f"ftp://{HOST}"},
    {"Sec-Fetch-Site": "cross-site"},
]
OWN = [
    {"Origin": f"https://{HOST}"},
    {"Sec-Fetch-Site": "same-origin"},
    # Our own form, whose page's Referrer-Policy is no-referrer: the browser withholds its origin.
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    {},
]

FORM_REQUEST = [
    ("kind", "self"),
    ("requester.name", "Dr. Ann Lee"),
    ("requester.email", "ann.lee@example.org"),
    ("requester.preferred_contact", "email"),
    ("career_stage", "practicing_physician"),
    ("practices_in_vancouver", "true"),
    ("reasons", "burnout"),
    ("modalities", "video"),
]


def requests_stored(stack: Any) -> int:
    import boto3

    return int(boto3.client("dynamodb").scan(TableName=stack.refs["RequestsTable"], Select="COUNT")["Count"])


@pytest.mark.parametrize("headers", FOREIGN, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()))
def test_a_cross_site_request_form_is_refused_and_nothing_stored(stack: Any, headers: dict[str, str]) -> None:
    for content in (FORM, {"Content-Type": "application/json"}):
        body = urlencode(FORM_REQUEST) if content is FORM else json.dumps(REQUEST)
        result = invoke("SubmitRequestFunction", api_event("POST", "/requests", body, {**content, **headers}))
        assert result["statusCode"] == 403
        assert result["headers"]["Content-Security-Policy"]
        if content is not FORM:
            assert json.loads(result["body"]) == {
                "error": "cross_site",
                "detail": json.loads(result["body"])["detail"],
                "fields": {},
            }
        assert "Ann" not in result["body"]
    assert requests_stored(stack) == 0


@pytest.mark.parametrize(
    "headers", OWN, ids=["own origin", "same-origin fetch", "own page without a referrer", "an API client"]
)
def test_the_sites_own_pages_and_api_clients_are_served(stack: Any, headers: dict[str, str]) -> None:
    result = invoke(
        "SubmitRequestFunction", api_event("POST", "/requests", urlencode(FORM_REQUEST), {**FORM, **headers})
    )
    assert result["statusCode"] == 201
    assert requests_stored(stack) == 1


def test_a_cross_site_withdrawal_is_refused(stack: Any, pipeline: Pipeline) -> None:
    reference = submit(REQUEST)
    pipeline.run()
    token = token_in(inbox(pipeline, REQUESTER["email"])[0])

    def withdraw(headers: dict[str, str]) -> dict[str, Any]:
        event = api_event(
            "POST",
            f"/actions/{token}",
            "action=withdraw",
            {**FORM, **headers},
            path_parameters={"token": token},
            resource="/actions/{token}",
        )
        result: dict[str, Any] = invoke("ActionsFunction", event)
        return result

    for headers in FOREIGN:
        assert withdraw(headers)["statusCode"] == 403, headers
        assert item(stack, reference)["status"] == "matched"
    assert withdraw({"Origin": f"https://{HOST}"})["statusCode"] == 200
    assert item(stack, reference)["status"] == "withdrawn"


def test_a_cross_site_save_of_a_supporters_availability_is_refused(stack: Any, pipeline: Pipeline) -> None:
    from tests.integration.supporters.helpers import availability, page_token, record

    token = page_token("s1")

    def save(headers: dict[str, str]) -> dict[str, Any]:
        event = api_event(
            "POST",
            f"/supporters/{token}",
            urlencode(availability(stack, "s1", paused=True), doseq=True),
            {**FORM, **headers},
            path_parameters={"token": token},
            resource="/supporters/{token}",
        )
        result: dict[str, Any] = invoke("ActionsFunction", event)
        return result

    for headers in FOREIGN:
        assert save(headers)["statusCode"] == 403, headers
        assert record(stack, "s1").paused is False
    assert save({"Origin": f"https://{HOST}"})["statusCode"] == 200
    assert record(stack, "s1").paused is True
