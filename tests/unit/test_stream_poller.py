"""The local event source mapping: partial batch failures are redelivered, poison goes to the queue, and
a parallelization factor runs a shard's batches side by side with each key's records in order, each lane
going on without waiting for the others."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from local_runner.streams import Lanes, Mapping, StreamPoller


class FakeLocal:
    region = "ca-central-1"

    def __init__(self, failures: list[list[str]]) -> None:
        self.failures = failures
        self.batches: list[list[str]] = []

    def invoke(self, function: str, event: dict[str, Any], instance: int = 0) -> dict[str, Any]:
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
    p._given_up = threading.Lock()
    p._lanes = None
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

    def invoke(self, function: str, event: dict[str, Any], instance: int = 0) -> dict[str, Any]:
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


def keyed(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    """Records of (sequence number, request id) on a table whose partition key is `request_id`."""
    return [{"dynamodb": {"SequenceNumber": n, "Keys": {"request_id": {"S": key}}}} for n, key in pairs]


def parallel(local: Any, factor: int, max_retries: int = -1) -> StreamPoller:
    p = poller(local)
    p.mapping = Mapping(
        "NotifyFunction",
        "arn:stream",
        2,
        max_retries,
        (),
        None,
        parallelization=factor,
        partition_key="request_id",
    )
    p._lanes = Lanes(factor, p.mapping.batch_size, p.deliver, "stream:NotifyFunction")
    return p


def test_a_keys_records_keep_their_order_in_one_lane() -> None:
    pairs = [(str(n), f"PS-{n % 5}") for n in range(1, 41)]
    numbered = parallel(FakeLocal([]), 3).lanes(keyed(*pairs))
    assert 1 < len(numbered) <= 3
    assert len({number for number, _ in numbered}) == len(numbered)
    lanes = [lane for _, lane in numbered]
    for lane in lanes:
        keys = {r["dynamodb"]["Keys"]["request_id"]["S"] for r in lane}
        for key in keys:
            numbers = [
                int(r["dynamodb"]["SequenceNumber"])
                for r in lane
                if r["dynamodb"]["Keys"]["request_id"]["S"] == key
            ]
            assert numbers == [int(n) for n, k in pairs if k == key]  # all of the key's records, in order
    assert sorted(int(r["dynamodb"]["SequenceNumber"]) for lane in lanes for r in lane) == list(range(1, 41))


class Reader:
    """A shard that holds `reads` in turn: each read finds the next, then nothing."""

    def __init__(self, *reads: list[dict[str, Any]]) -> None:
        self.reads = list(reads)

    def by_shard(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        yield "shard-1", self.reads.pop(0) if self.reads else []


class TogetherLocal(FakeLocal):
    """Notes which instances ran at the same time: each invocation waits for another to be running."""

    def __init__(self) -> None:
        super().__init__([])
        self.met = threading.Barrier(2, timeout=5)
        self.instances: set[int] = set()
        self.lock = threading.Lock()

    def invoke(self, function: str, event: dict[str, Any], instance: int = 0) -> dict[str, Any]:
        with self.lock:
            self.instances.add(instance)
            self.batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        if len(self.batches) <= 2:
            self.met.wait()  # the first two batches are in flight at once, or this times out
        return {"batchItemFailures": []}


def test_a_shards_lanes_are_delivered_side_by_side_each_in_batches() -> None:
    # Two keys that hash to different lanes (of 2), three records each.
    local = TogetherLocal()
    p = parallel(local, 2)
    first, second = (
        "PS-1",
        next(
            k for k in (f"PS-{n}" for n in range(2, 50)) if len(p.lanes(keyed(("1", "PS-1"), ("2", k)))) == 2
        ),
    )
    p.reader = Reader(
        keyed(("1", first), ("2", second), ("3", first), ("4", second), ("5", first), ("6", second))
    )  # type: ignore[assignment]
    assert p.poll_once() == 6
    assert p.settle(timeout=5)
    assert local.instances == {0, 1}  # two instances of the function
    # Each lane in batches of the mapping's size (2), its key's records in order.
    assert sorted(local.batches) == [["1", "3"], ["2", "4"], ["5"], ["6"]]


class GatedLocal(FakeLocal):
    """The batch holding record `held` runs until the gate opens: opened by the test, or by a batch
    holding record `opens`. If it is not open within 5 s, that batch fails."""

    def __init__(self, held: str, opens: str | None = None) -> None:
        super().__init__([])
        self.held, self.opens = held, opens
        self.gate = threading.Event()
        self.running = threading.Event()
        self.lock = threading.Lock()

    def invoke(self, function: str, event: dict[str, Any], instance: int = 0) -> dict[str, Any]:
        numbers = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        with self.lock:
            self.batches.append(numbers)
        if self.opens in numbers:
            self.gate.set()
        if self.held in numbers:
            self.running.set()
            if not self.gate.wait(timeout=5):
                raise TimeoutError("the gate never opened")
        return {"batchItemFailures": []}


def test_a_lane_goes_on_while_another_is_still_busy() -> None:
    local = GatedLocal(held="1", opens="4")  # "1" runs until "4" comes
    p = parallel(local, 2, max_retries=0)  # a batch that times out is given up at once, not retried
    slow = "PS-1"
    quick = next(
        k for k in (f"PS-{n}" for n in range(2, 50)) if len(p.lanes(keyed(("1", slow), ("2", k)))) == 2
    )
    # Two reads: the slow lane's batch is still running when the second read brings the quick lane more.
    p.reader = Reader(keyed(("1", slow), ("2", quick)), keyed(("4", quick)))  # type: ignore[assignment]
    assert p.poll_once() == 2
    assert p.poll_once() == 1
    assert p.settle(timeout=10)
    assert p.failed_to_destination == 0  # "4" came while "1" waited
    assert sorted(n for batch in local.batches for n in batch) == ["1", "2", "4"]


def test_what_queued_up_in_a_lane_goes_out_together_in_batches_never_mixing_shards() -> None:
    local = GatedLocal(held="0")
    lanes = parallel(local, 2)._lanes  # batches of 2
    assert lanes is not None
    lanes.put(0, "shard-1", keyed(("0", "PS-1")))
    assert local.running.wait(timeout=5)
    for shard_id, number in (("shard-1", "1"), ("shard-1", "2"), ("shard-1", "3"), ("shard-2", "4")):
        lanes.put(0, shard_id, keyed((number, "PS-1")))  # queued while "0" runs
    local.gate.set()
    assert lanes.settle(timeout=5)
    assert local.batches == [["0"], ["1", "2"], ["3"], ["4"]]
    lanes.stop()


def test_stopping_drops_what_is_still_queued() -> None:
    local = GatedLocal(held="0")
    lanes = parallel(local, 2)._lanes
    assert lanes is not None
    lanes.put(0, "shard-1", keyed(("0", "PS-1")))
    assert local.running.wait(timeout=5)
    lanes.put(0, "shard-1", keyed(("1", "PS-1")))
    lanes.stop()
    local.gate.set()
    assert lanes.settle(timeout=5)  # nothing left counted as waiting
    assert local.batches == [["0"]]
