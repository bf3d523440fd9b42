"""The AWS process's list of sent emails, read a part at a time: `after=N` leaves out the first N, so the
local stack fetches (and parses) each email once however often its inbox is read."""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import boto3
from moto import mock_aws

from local_runner.aws import SENT_EMAILS, with_sent_emails


def _get(query: str) -> list[dict[str, Any]]:
    def not_aws(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("a read of the sent emails never reaches AWS")

    status: list[str] = []
    body = with_sent_emails(not_aws)(
        {"PATH_INFO": SENT_EMAILS, "QUERY_STRING": query}, lambda s, h: status.append(s)
    )
    assert status == ["200 OK"]
    answer: list[dict[str, Any]] = json.loads(b"".join(body))
    return answer


@mock_aws
def test_after_n_gives_only_the_emails_sent_since() -> None:
    ses = boto3.client("sesv2", region_name="ca-central-1")
    ses.create_email_identity(EmailIdentity="peer-support@example.org")
    for n in range(3):  # as the handlers send them: raw MIME
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (
            "peer-support@example.org",
            f"p{n}@example.org",
            f"M{n}",
        )
        message.set_content("Hello")
        ses.send_email(
            FromEmailAddress="peer-support@example.org",
            Destination={"ToAddresses": [f"p{n}@example.org"]},
            Content={"Raw": {"Data": message.as_bytes()}},
        )

    everything = _get("region=ca-central-1&with=id")
    assert [f"To: p{n}@example.org" in e["raw"] for n, e in enumerate(everything)] == [True] * 3
    assert _get("region=ca-central-1&with=id&after=0") == everything
    assert _get("region=ca-central-1&with=id&after=2") == everything[2:]
    assert _get("region=ca-central-1&with=id&after=3") == []
