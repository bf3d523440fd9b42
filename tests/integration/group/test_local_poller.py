"""The local runner's stream poller keeps reading after a cancelled transaction.

A full session sends the sixteenth registrant down the waitlist path through a transaction DynamoDB
cancels. moto rolls that back by swapping in a copy of the table, stream shard and all: a poller that
kept its shard iterator would never see another record, and `make run` would go quiet.
"""

from __future__ import annotations

from typing import Any

from local_runner.streams import StreamPoller, mappings
from tests.integration.group.helpers import person, register


class RecordingLocal:
    """Stands in for the local stack: records what the poller would invoke the function with."""

    region = "ca-central-1"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def invoke(self, function: str, event: dict[str, Any], instance: int = 0) -> dict[str, Any]:
        self.seen.extend(r["dynamodb"]["NewImage"]["reference"]["S"] for r in event["Records"])
        return {"batchItemFailures": []}


def test_records_after_a_cancelled_transaction_are_still_delivered(
    group_stack: Any, frozen: Any, monkeypatch: Any
) -> None:
    from peer_support.group.settings import get_group_settings

    monkeypatch.setenv("GROUP_CAPACITY", "1")
    get_group_settings.cache_clear()
    [mapping] = [m for m in mappings(group_stack) if m.function == "GroupNotifyFunction"]
    local = RecordingLocal()
    poller = StreamPoller(local, mapping)  # type: ignore[arg-type]

    first = register(person(1))
    assert poller.poll_once() == 1
    # The session is full: the first transaction of the second registration is cancelled
    second = register(person(2))
    third = register(person(3))
    assert (second["status"], third["status"]) == ("waitlisted", "waitlisted")
    assert poller.poll_once() == 2
    assert local.seen == [first["reference"], second["reference"], third["reference"]]
    assert poller.poll_once() == 0
