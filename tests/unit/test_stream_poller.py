"""The local event source mapping: partial batch failures are redelivered, poison goes to the queue."""

from __future__ import annotations

from typing import Any

from local_runner.streams import Mapping, StreamPoller


class FakeLocal:
    region = "ca-central-1"

    def __init__(self, failures: list[list[str]]) -> None:
        self.failures = failures
        self.batches: list[list[str]] = []

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        failed = self.failures.pop(0) if self.failures else []
        return {"batchItemFailures": [{"itemIdentifier": f} for f in failed]}


def records(*numbers: str) -> list[dict[str, Any]]:
    return [{"dynamodb": {"SequenceNumber": n}} for n in numbers]


def poller(local: FakeLocal, max_retries: int = 2) -> StreamPoller:
    p = StreamPoller.__new__(StreamPoller)
    p.local = local  # type: ignore[assignment]
    p.mapping = Mapping("MatchFunction", "arn:stream", 10, max_retries, (), None)
    p.failed_to_destination = 0
    return p


def test_failed_records_are_redelivered_from_the_first_failure() -> None:
    local = FakeLocal([["2"]])
    poller(local).deliver(records("1", "2", "3"))
    assert local.batches == [["1", "2", "3"], ["2", "3"]]


def test_a_record_failing_past_its_retries_goes_to_the_destination() -> None:
    local = FakeLocal([["2"], ["2"], ["2"], ["2"]])
    p = poller(local, max_retries=2)
    p.deliver(records("1", "2"))
    assert local.batches == [["1", "2"], ["2"], ["2"]]
    assert p.failed_to_destination == 1


class CrashingLocal(FakeLocal):
    """The function dies whenever its batch holds record `crash_on`."""

    def __init__(self, crash_on: str) -> None:
        super().__init__([])
        self.crash_on = crash_on

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        if self.crash_on in self.batches[-1]:
            raise RuntimeError("the function died")
        return {"batchItemFailures": []}


def test_a_crashing_batch_is_split_until_the_bad_record_is_alone() -> None:
    local = CrashingLocal("3")
    p = poller(local, max_retries=1)
    p.mapping = Mapping("MatchFunction", "arn:stream", 10, 1, (), None, bisect_on_error=True)
    p.max_pause = 0
    p.deliver(records("1", "2", "3", "4"))
    # Splitting uses up no retry: only the lone bad record is retried, then given up.
    assert local.batches == [["1", "2", "3", "4"], ["1", "2"], ["3", "4"], ["3"], ["3"], ["4"]]
    assert p.failed_to_destination == 1
