"""DynamoDB throttles a write past the SDK's own retries: the submission, an assignment, an email's
idempotency record. Nothing is lost or doubled, and the log says which request met which fault."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.faults.conftest import (
    Faults,
    Streams,
    assert_no_personal_data,
    client_error,
    expected_emails,
    logged,
    open_counts,
    post_request,
    request_body,
    requests,
    sent,
    submit,
)


@pytest.mark.parametrize("html", [False, True], ids=["json", "html"])
def test_a_throttled_submission_is_a_calm_503_and_its_retry_is_stored_once(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture, html: bool
) -> None:
    caplog.set_level("INFO")
    table = stack.refs["RequestsTable"]
    faults.fail(
        "dynamodb",
        "PutItem",
        "ProvisionedThroughputExceededException",
        times=1,
        when=lambda params: params["TableName"] == table,
    )

    refused = post_request(request_body(1), key="retry-key-0001", html=html)

    assert refused["statusCode"] == 503
    assert refused["multiValueHeaders"]["Retry-After"] == ["30"]
    assert "Traceback" not in refused["body"]
    if html:
        assert "nothing was saved" in refused["body"]
    else:
        assert json.loads(refused["body"])["error"] == "unavailable"
    assert requests(stack) == []
    [not_stored] = logged(caplog, "request not stored")
    assert not_stored["error_code"] == "ProvisionedThroughputExceededException"
    [unavailable] = logged(caplog, "aws unavailable")
    assert (unavailable["error_code"], unavailable["operation"]) == (
        "ProvisionedThroughputExceededException",
        "PutItem",
    )

    # The client tries again with the same Idempotency-Key, then once more for good measure.
    stored = post_request(request_body(1), key="retry-key-0001")
    again = post_request(request_body(1), key="retry-key-0001")
    streams.run()

    reference = json.loads(stored["body"])["reference"]
    assert (stored["statusCode"], again["statusCode"]) == (201, 201)
    assert json.loads(again["body"])["reference"] == reference == not_stored["reference"]
    assert [r["request_id"] for r in requests(stack)] == [reference]
    assert sum(open_counts(stack).values()) == 1
    assert sent() == expected_emails(stack, 1)
    assert_no_personal_data(caplog, 1)


def test_a_throttled_assignment_is_retried_and_made_once(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture
) -> None:
    references = [submit(n) for n in (1, 2, 3)]
    # DynamoDB cancels a throttled transaction, naming the throttled item in its reasons.
    throttled = faults.fail(
        "dynamodb",
        "TransactWriteItems",
        lambda op: client_error(
            "TransactionCanceledException",
            op,
            CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}],
        ),
        times=2,
    )

    streams.run()

    assert throttled.injected == 2
    stored = requests(stack)
    assert {r["status"] for r in stored} == {"matched"}
    for item in stored:  # one assignment each, whatever the redeliveries
        assert [h["event"] for h in item["history"]].count("matched") == 1
    counts = open_counts(stack)
    assert sum(counts.values()) == 3
    assert counts == {s: sum(1 for r in stored if r["supporter_id"] == s) for s in counts}
    assert sent() == expected_emails(stack, 1, 2, 3)
    failures = logged(caplog, "stream record failed")
    assert len(failures) == 2
    for failure in failures:
        assert failure["error_code"] == "TransactionCanceledException: ThrottlingError, None"
        assert failure["keys"]["request_id"] in references
    assert_no_personal_data(caplog, 1, 2, 3)


def test_a_throttled_idempotency_record_holds_the_email_back_until_the_retry(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture
) -> None:
    reference = submit(1)
    table = stack.refs["IdempotencyTable"]
    faults.fail(
        "dynamodb",
        "PutItem",
        "ProvisionedThroughputExceededException",
        times=1,
        when=lambda params: params["TableName"] == table,
    )

    streams.run()

    assert sent() == expected_emails(stack, 1)
    [failure] = logged(caplog, "stream record failed")
    assert failure["keys"] == {"request_id": reference}
    assert failure["error_code"] == "ProvisionedThroughputExceededException"
    assert failure["error_type"] == "IdempotencyPersistenceLayerError"
    assert_no_personal_data(caplog, 1)


# The request's own write; the record that an email went, written just after SES took it.
SHORT_THROTTLES = {
    "submission": ("PutItem", "RequestsTable"),
    "email-sent": ("UpdateItem", "IdempotencyTable"),
}


@pytest.mark.parametrize(("operation", "table"), SHORT_THROTTLES.values(), ids=SHORT_THROTTLES.keys())
def test_a_short_throttle_is_absorbed_by_the_sdk_retries(
    stack: Any, streams: Streams, caplog: pytest.LogCaptureFixture, operation: str, table: str
) -> None:
    from botocore.awsrequest import AWSResponse, HTTPHeaders
    from moto.core.botocore_stubber import MockRawResponse

    from peer_support.core.dynamodb import dynamodb_client

    name = stack.refs[table].encode()
    throttled: list[int] = []

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        # DynamoDB's own answer to too many writes, three times, before the call reaches moto.
        if len(throttled) == 3 or name not in (request.body or b""):
            return None
        throttled.append(1)
        body = json.dumps({"__type": "ProvisionedThroughputExceededException", "message": "slow down"})
        return AWSResponse(request.url, 400, HTTPHeaders(), MockRawResponse(body))

    # An answer from a before-send hook stands in for the HTTP response (as moto's own hook does).
    dynamodb_client().meta.events.register_first(f"before-send.dynamodb.{operation}", throttle)  # type: ignore[arg-type]

    reference = submit(1)
    streams.run()

    assert len(throttled) == 3
    assert [r["request_id"] for r in requests(stack)] == [reference]
    assert sent() == expected_emails(stack, 1)
    assert logged(caplog, "request not stored") == []
    assert logged(caplog, "stream record failed") == []
