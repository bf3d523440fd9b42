"""SES throttles a send past the SDK's retries, or refuses an address for good."""

from __future__ import annotations

from typing import Any

import pytest

from local_runner.lambdas import invoke
from local_runner.streams import StreamReader
from tests.integration.faults.conftest import (
    ADMIN,
    Faults,
    Streams,
    assert_no_personal_data,
    expected_emails,
    logged,
    open_counts,
    person,
    requests,
    sent,
    submit,
)


def to(address: str) -> Any:
    return lambda params: params["Destination"]["ToAddresses"] == [address]


@pytest.mark.parametrize("code", ["TooManyRequestsException", "LimitExceededException"])
def test_a_throttled_send_is_retried_and_each_email_goes_once(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    caplog.set_level("INFO")
    first, _ = submit(1), submit(2)
    streams.pollers["NotifyFunction"].poll_once()  # both requests acknowledged
    # The match record's emails: the supporter's goes, then the requester's is throttled, twice.
    throttled = faults.fail("sesv2", "SendEmail", code, times=2, when=to(person(1)["email"]))

    streams.run()

    assert throttled.injected == 2
    assert sent() == expected_emails(stack, 1, 2)
    assert sum(open_counts(stack).values()) == 2
    failures = logged(caplog, "stream record failed")
    assert [(f["keys"], f["error_type"], f["error_code"]) for f in failures] == [
        ({"request_id": first}, "TransientSendError", code)
    ] * 2
    assert len(logged(caplog, "email sent")) == 6
    assert_no_personal_data(caplog, 1, 2)


def test_a_refused_address_is_not_retried_and_the_administrator_hears_once(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    faults.fail("sesv2", "SendEmail", "MessageRejected", when=to(person(1)["email"]))
    refused, fine = submit(1), submit(2)

    streams.run()
    # Lambda may hand the same records over again: still nothing new goes out.
    before = sent()
    records = StreamReader.of(stack, "NotifyFunction").records()
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}

    assert sent() == before
    items = {r["request_id"]: r for r in requests(stack)}
    assert items[refused]["status"] == "matched"
    emails = sent()
    assert not [e for e in emails if e[1] == person(1)["email"]]
    supporter = f"{items[refused]['supporter_id']}@example.org"
    assert emails[(refused, supporter, "assigned")] == 1
    undeliverable = [h for h in items[refused]["history"] if h["event"] == "email_undeliverable"]
    assert [h["recipient_role"] for h in undeliverable] == ["requester", "requester"]
    # One alert per refused email (the two read alike); the redelivery above sent neither again.
    assert [count for (_, address, _), count in emails.items() if address == ADMIN] == [2]
    expected = expected_emails(stack, 2)
    assert {k: v for k, v in emails.items() if k[0] == fine} == expected
    lines = logged(caplog, "email undeliverable")
    assert [(line["reference"], line["recipient_role"], line["code"]) for line in lines] == [
        (refused, "requester", "MessageRejected")
    ] * 2
    assert logged(caplog, "stream record failed") == []
    assert_no_personal_data(caplog, 1, 2)
