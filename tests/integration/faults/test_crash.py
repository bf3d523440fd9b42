"""A stream batch breaks half-way: one record raises something nobody expected, or the whole invocation
dies. Lambda hands the records over again, and each email and assignment still happens exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.faults.conftest import (
    Died,
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

FIVE = (1, 2, 3, 4, 5)


def third_send(params: dict[str, Any]) -> bool:
    return bool(params["Destination"]["ToAddresses"] == [person(3)["email"]])


def test_an_unexpected_error_on_record_three_fails_it_alone_and_its_retry_sends_once(
    stack: Any, streams: Streams, faults: Faults, caplog: pytest.LogCaptureFixture
) -> None:
    references = [submit(n) for n in FIVE]
    faults.fail("sesv2", "SendEmail", lambda _: RuntimeError("unexpected"), times=1, when=third_send)

    streams.pollers["NotifyFunction"].poll_once()

    # Records 4 and 5 went on after record 3 failed; Lambda retried from record 3.
    assert streams.aws_lambda.invocations == [("NotifyFunction", 5), ("NotifyFunction", 3)]
    [failure] = logged(caplog, "stream record failed")
    assert (failure["keys"], failure["error_type"]) == ({"request_id": references[2]}, "RuntimeError")
    streams.run()
    assert sent() == expected_emails(stack, *FIVE)
    assert sum(open_counts(stack).values()) == 5
    assert_no_personal_data(caplog, *FIVE)


@pytest.mark.parametrize("remaining_ms", [0, 15_000], ids=["timed-out", "killed-with-time-left"])
def test_a_notify_invocation_that_dies_half_way_is_split_and_retried_without_a_second_email(
    stack: Any,
    streams: Streams,
    faults: Faults,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    remaining_ms: int,
) -> None:
    for n in FIVE:
        submit(n)
    # The invocation ends while sending record 3's email: at its deadline, or killed (out of memory)
    # with time to spare. Either way that email was left in progress.
    streams.aws_lambda.remaining_ms = remaining_ms
    faults.fail("sesv2", "SendEmail", lambda _: Died(), times=1, when=third_send)

    streams.pollers["NotifyFunction"].poll_once()

    # The batch failed outright, so Lambda split it: records 1-2 again (already sent), then 3-5.
    assert streams.aws_lambda.invocations == [
        ("NotifyFunction", 5),
        ("NotifyFunction", 2),
        ("NotifyFunction", 3),
    ]
    assert "[NotifyFunction] invocation failed: FunctionError" in capsys.readouterr().out
    streams.run()
    assert streams.pollers["NotifyFunction"].failed_to_destination == 0
    assert logged(caplog, "stream record failed") == []
    assert sent() == expected_emails(stack, *FIVE)


def test_a_match_invocation_that_dies_after_two_assignments_assigns_each_request_once(
    stack: Any, streams: Streams, faults: Faults
) -> None:
    for n in FIVE:
        submit(n)
    tries: list[str] = []

    def third_assignment(params: dict[str, Any]) -> bool:
        tries.append(params["TransactItems"][0]["Update"]["Key"]["request_id"]["S"])
        return len(tries) == 3

    faults.fail("dynamodb", "TransactWriteItems", lambda _: Died(), times=1, when=third_assignment)

    streams.run()

    match = [size for function, size in streams.aws_lambda.invocations if function == "MatchFunction"]
    assert match == [5, 2, 3]
    stored = requests(stack)
    assert {r["status"] for r in stored} == {"matched"}
    for item in stored:
        assert [h["event"] for h in item["history"]].count("matched") == 1
    counts = open_counts(stack)
    assert sum(counts.values()) == 5
    assert max(counts.values()) <= 2  # nobody over their max_open
    assert counts == {s: sum(1 for r in stored if r["supporter_id"] == s) for s in counts}
    assert sent() == expected_emails(stack, *FIVE)
