"""The link-signing secret cannot be read (deleted, access denied, Secrets Manager unreachable): people
get a calm answer and nothing changes; the emails wait; once it is back, the same links work."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from local_runner.lambdas import handler
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.faults.conftest import (
    Context,
    Faults,
    Streams,
    assert_no_personal_data,
    client_error,
    expected_emails,
    logged,
    person,
    post_request,
    request_body,
    requests,
    sent,
    submit,
)

LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")

OUTAGES: dict[str, Callable[[str], BaseException]] = {
    "ResourceNotFoundException": lambda op: client_error("ResourceNotFoundException", op),
    "AccessDeniedException": lambda op: client_error("AccessDeniedException", op),
    "EndpointConnectionError": lambda _: EndpointConnectionError(
        endpoint_url="https://secretsmanager.ca-central-1.amazonaws.com"
    ),
}


def cold_start() -> None:
    """A new function instance: nothing cached yet, so the secret is read from Secrets Manager."""
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]


def link(method: str, token: str, body: dict[str, Any] | None = None, html: bool = True) -> dict[str, Any]:
    event = api_event(
        method,
        f"/actions/{token}",
        json.dumps(body) if body is not None else None,
        {"Accept": "text/html" if html else "application/json"},
        path_parameters={"token": token},
        resource="/actions/{token}",
    )
    result: dict[str, Any] = handler("ActionsFunction")(event, Context(function_name="ActionsFunction"))
    return result


def supporter_link(stack: Any, reference: str) -> str:
    from local_runner.stack import sent_emails

    [item] = [r for r in requests(stack) if r["request_id"] == reference]
    [email] = [e for e in sent_emails() if e["to"] == f"{item['supporter_id']}@example.org"]
    match = LINK.search(email["text"])
    assert match
    return match.group(1)


@pytest.mark.parametrize("outage", OUTAGES)
def test_a_link_answers_a_calm_503_and_changes_nothing_then_works_once_the_secret_is_back(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture, outage: str
) -> None:
    caplog.set_level("INFO")
    reference = submit(1)
    streams.run()
    token = supporter_link(stack, reference)
    [before] = requests(stack)
    cold_start()
    faults.fail("secretsmanager", "GetSecretValue", OUTAGES[outage])

    page = link("GET", token)
    acted = link("POST", token, {"action": "acknowledge"}, html=False)

    assert (page["statusCode"], acted["statusCode"]) == (503, 503)
    assert page["multiValueHeaders"]["Retry-After"] == ["30"]
    assert "nothing was saved" in page["body"]
    assert json.loads(acted["body"])["error"] == "unavailable"
    for body in (page["body"], acted["body"]):
        assert "Traceback" not in body
        assert reference not in body
        for value in person(1).values():
            assert value not in body
    assert requests(stack) == [before]  # not even the view was recorded
    lines = logged(caplog, "signing secret unavailable")
    assert [line["error_code"] for line in lines] == [outage, outage]

    faults.lift()

    assert link("GET", token)["statusCode"] == 200
    done = link("POST", token, {"action": "acknowledge"}, html=False)
    assert (done["statusCode"], json.loads(done["body"])["status"]) == (200, "contacted")
    assert_no_personal_data(caplog, 1)


def test_a_submission_with_an_idempotency_key_waits_for_the_secret(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture
) -> None:
    cold_start()
    faults.fail("secretsmanager", "GetSecretValue", "AccessDeniedException")

    refused = post_request(request_body(1), key="secret-key-0001")

    assert refused["statusCode"] == 503
    assert json.loads(refused["body"])["error"] == "unavailable"
    assert requests(stack) == []
    [line] = logged(caplog, "signing secret unavailable")
    assert line["error_code"] == "AccessDeniedException"

    faults.lift()
    stored = post_request(request_body(1), key="secret-key-0001")
    streams.run()
    assert stored["statusCode"] == 201
    assert [r["request_id"] for r in requests(stack)] == [json.loads(stored["body"])["reference"]]
    assert sent() == expected_emails(stack, 1)
    assert_no_personal_data(caplog, 1)


def test_notify_fails_the_record_while_the_secret_is_away_and_sends_each_email_once_after(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture
) -> None:
    references = [submit(n) for n in (1, 2)]
    cold_start()
    away = faults.fail("secretsmanager", "GetSecretValue", "ResourceNotFoundException", times=3)

    streams.run()

    assert away.injected == 3
    assert sent() == expected_emails(stack, 1, 2)
    failures = logged(caplog, "stream record failed")
    assert len(failures) == 3
    for failure in failures:
        assert (failure["error_type"], failure["error_code"]) == ("Unavailable", "ResourceNotFoundException")
        assert failure["keys"]["request_id"] in references
    assert len(logged(caplog, "signing secret unavailable")) == 3
    assert_no_personal_data(caplog, 1, 2)
