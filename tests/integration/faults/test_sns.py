"""SNS throttles a text past the SDK's retries, or refuses a number for good: the page is retried, or noted
on the request while the email carries on."""

from __future__ import annotations

from typing import Any

import pytest

from local_runner.lambdas import invoke
from local_runner.streams import StreamReader
from tests.integration.faults.conftest import (
    ADMIN,
    SUPPORTERS,
    Faults,
    Streams,
    assert_no_personal_data,
    logged,
    post_request,
    request_body,
    requests,
)


@pytest.fixture
def roster(stack: Any) -> None:
    """Three supporters, each with a phone and on call every day."""
    from peer_support.supporters.models import WEEKDAYS, RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(
                supporter_id=s,
                name=f"Dr. Supporter {s}",
                email=f"{s}@example.org",
                phone=f"778 555 01{i:02d}",
                modalities=["video"],
                on_call=list(WEEKDAYS),
            )
            for i, s in enumerate(SUPPORTERS, start=50)
        ]
    )


def urgent(n: int) -> str:
    import json

    result = post_request({**request_body(n), "urgent": True}, key=f"urgent-key-{n:04d}")
    assert result["statusCode"] == 201, result["body"]
    reference: str = json.loads(result["body"])["reference"]
    return reference


def texts() -> list[dict[str, str]]:
    from local_runner.stack import sent_sms

    return sent_sms()


def emails_to(address: str) -> list[dict[str, Any]]:
    from local_runner.stack import sent_emails

    return [e for e in sent_emails() if e["to"] == address]


@pytest.mark.parametrize("code", ["Throttling", "ThrottledException", "InternalError"])
def test_a_throttled_page_is_retried_and_each_message_goes_once(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    caplog.set_level("INFO")
    reference = urgent(1)
    throttled = faults.fail("sns", "Publish", code, times=2)

    streams.run()

    assert throttled.injected == 2
    [stored] = requests(stack)
    [page] = texts()
    assert page["text"].startswith(f"Urgent peer support request {reference}: first contact by ")
    # The assignment email went once, before the page, and was not sent again by the retries
    assert len(emails_to(f"{stored['supporter_id']}@example.org")) == 1
    failures = logged(caplog, "stream record failed")
    assert [(f["keys"], f["error_type"], f["error_code"]) for f in failures] == [
        ({"request_id": reference}, "TransientSendError", code)
    ] * 2
    assert len(logged(caplog, "sms sent")) == 1
    assert_no_personal_data(caplog, 1)


@pytest.mark.parametrize("code", ["InvalidParameter", "OptedOut"])
def test_a_number_refused_for_good_is_noted_and_the_email_carries_on(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture, code: str
) -> None:
    caplog.set_level("INFO")
    faults.fail("sns", "Publish", code)
    reference = urgent(1)

    streams.run()
    before = (texts(), len(emails_to(ADMIN)))
    records = StreamReader.of(stack, "NotifyFunction").records()
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}

    [stored] = requests(stack)
    assert stored["status"] == "matched"
    assert texts() == [] == before[0]
    # The supporter still has the case by email; the request says a text to them failed (the role only)
    assert len(emails_to(f"{stored['supporter_id']}@example.org")) == 1
    noted = [h for h in stored["history"] if h["event"] == "sms_undeliverable"]
    assert noted == [
        {"at": noted[0]["at"], "event": "sms_undeliverable", "by": "system", "recipient_role": "supporter"}
    ]
    # Nobody is emailed about it (the email went), and the redelivery sent nothing again
    assert len(emails_to(ADMIN)) == before[1]
    assert not [e for e in emails_to(ADMIN) if "could not be delivered" in e["subject"]]
    lines = logged(caplog, "sms undeliverable")
    assert [(line["reference"], line["recipient_role"], line["code"]) for line in lines] == [
        (reference, "supporter", code)
    ]
    assert logged(caplog, "stream record failed") == []
    assert_no_personal_data(caplog, 1)
