"""A record that fails every time: after the template's retries it goes to the on-failure queue, the
rest of its batch still goes through, and the queue's alarm (as the template defines it) fires."""

from __future__ import annotations

import json
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from local_runner.streams import StreamReader
from local_runner.template import resources_of_type
from tests.integration.faults.conftest import (
    Faults,
    Streams,
    assert_no_personal_data,
    expected_emails,
    logged,
    person,
    personal_data,
    requests,
    sent,
    submit,
)

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


@dataclass(frozen=True)
class Poison:
    function: str
    service: str
    operation: str
    code: str
    poisons: Callable[[dict[str, Any], str], bool]  # (call parameters, poisoned reference)
    records: int  # how many of the poisoned request's records the function fails for good


def _assigns(params: dict[str, Any], reference: str) -> bool:
    return bool(params["TransactItems"][0]["Update"]["Key"]["request_id"]["S"] == reference)


def _emails_person_two(params: dict[str, Any], _: str) -> bool:
    return bool(params["Destination"]["ToAddresses"] == [person(2)["email"]])


POISONS = {
    # The item has outgrown DynamoDB's 400 KB limit: no retry will ever write it.
    "match": Poison("MatchFunction", "dynamodb", "TransactWriteItems", "ValidationException", _assigns, 1),
    # SES throttles this one address for longer than every retry: its received and matched emails.
    "notify": Poison(
        "NotifyFunction", "sesv2", "SendEmail", "TooManyRequestsException", _emails_person_two, 2
    ),
}


def event_source(stack: Any, function: str) -> dict[str, Any]:
    [source] = [
        e["Properties"]
        for e in stack.template["Resources"][function]["Properties"]["Events"].values()
        if e["Type"] == "DynamoDB"
    ]
    return dict(source)


def failure_alarm(stack: Any, queue: str) -> dict[str, Any]:
    """The template's alarm on `queue` (a logical id), whatever it is called."""
    [alarm] = [
        a["Properties"]
        for a in resources_of_type("AWS::CloudWatch::Alarm", stack.template).values()
        if a["Properties"].get("Namespace") == "AWS/SQS"
        and {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}
        in a["Properties"]["Dimensions"]
    ]
    return dict(alarm)


# The queue attribute behind each SQS metric CloudWatch reports.
QUEUE_ATTRIBUTES = {
    "ApproximateNumberOfMessagesVisible": "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible": "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed": "ApproximateNumberOfMessagesDelayed",
}


def alarm_state(alarm: dict[str, Any], queue_url: str) -> str:
    """The alarm's state from the queue's metric now, evaluated as CloudWatch would: moto keeps an
    alarm but never evaluates it, so the template's own definition is applied to the queue here."""
    attribute = QUEUE_ATTRIBUTES[alarm["MetricName"]]
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=[attribute])
    value = float(attributes["Attributes"][attribute])
    breached = COMPARISONS[alarm["ComparisonOperator"]](value, float(alarm["Threshold"]))
    return "ALARM" if breached else "OK"


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_a_poisoned_record_lands_in_the_failure_queue_and_the_alarm_fires(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture, poison: Poison
) -> None:
    source = event_source(stack, poison.function)
    queue = source["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    queue_url = stack.refs[queue]
    alarm = failure_alarm(stack, queue)
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm_state(alarm, queue_url) == "OK"
    references = [submit(n) for n in (1, 2, 3, 4)]
    poisoned = references[1]
    faults.fail(
        poison.service, poison.operation, poison.code, when=lambda params: poison.poisons(params, poisoned)
    )

    streams.run()

    # Every other request went through, once.
    fine = (1, 3, 4)
    emails = sent()
    assert {k: v for k, v in emails.items() if k[0] != poisoned} == expected_emails(stack, *fine)
    # The poisoned one is kept as it was left, for someone to look at.
    [item] = [r for r in requests(stack) if r["request_id"] == poisoned]
    if poison.function == "MatchFunction":
        assert (item["status"], item["version"]) == ("pending_match", 1)
        received = Counter({(poisoned, person(2)["email"], "request_received"): 1})
        assert emails == expected_emails(stack, *fine) + received
    else:
        assert item["status"] == "matched"
        assert not [k for k in emails if k[1] == person(2)["email"]]
    # It was tried once and then MaximumRetryAttempts more times, for each record of it that failed.
    failures = [f for f in logged(caplog, "stream record failed") if f["keys"] == {"request_id": poisoned}]
    assert len(failures) == poison.records * (1 + int(source["MaximumRetryAttempts"]))
    assert {f["error_code"] for f in failures} == {poison.code}
    assert not [f for f in logged(caplog, "stream record failed") if f["keys"] != {"request_id": poisoned}]

    assert alarm_state(alarm, queue_url) == "ALARM"
    messages = boto3.client("sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
    )["Messages"]
    # Lambda's invocation record says where the given-up records are (one message per batch given up,
    # which can hold more than one of them), never what they hold.
    assert 1 <= len(messages) <= poison.records
    batches = [json.loads(m["Body"]) for m in messages]
    for record in batches:
        assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert record["requestContext"]["functionArn"].endswith(f":function:{poison.function}")
        assert record["DDBStreamBatchInfo"]["streamArn"] == stack.arns["RequestsTable.StreamArn"]
    for message in messages:
        for value in personal_data(1, 2, 3, 4):
            assert value not in message["Body"]
    given_up = [
        int(r["dynamodb"]["SequenceNumber"])
        for r in StreamReader.of(stack, poison.function).records()
        if r["dynamodb"]["Keys"]["request_id"]["S"] == poisoned
    ]
    assert len(given_up) == poison.records
    for sequence in given_up:
        assert any(
            int(b["DDBStreamBatchInfo"]["startSequenceNumber"])
            <= sequence
            <= int(b["DDBStreamBatchInfo"]["endSequenceNumber"])
            for b in batches
        )
    assert_no_personal_data(caplog, 1, 2, 3, 4)
