"""Emulates Lambda's DynamoDB event source mappings: the template's filters, batch size, retries,
partial batch failures, on-failure destination and parallelization factor, on moto's stream."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from local_runner.stack import LocalStack
from local_runner.template import ACCOUNT_ID, Stack, resources_of_type

POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Mapping:
    """One `Type: DynamoDB` event of a function in the template."""

    function: str
    stream_arn: str
    batch_size: int
    max_retries: int
    patterns: tuple[Any, ...]
    on_failure_queue: str | None
    bisect_on_error: bool = False
    parallelization: int = 1  # batches of one shard in flight at once, each to an instance of its own
    partition_key: str = ""  # the table's partition key: its records keep their order across batches

    def passes(self, record: dict[str, Any]) -> bool:
        """Whether the FilterCriteria let `record` through (with none, every record goes)."""
        return not self.patterns or any(p.matches_event(record) for p in self.patterns)


def mappings(stack: Stack) -> list[Mapping]:
    from moto.events.models import EventPattern

    found = []
    for function, resource in resources_of_type("AWS::Serverless::Function", stack.template).items():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "DynamoDB":
                continue
            props = event["Properties"]
            filters = props.get("FilterCriteria", {}).get("Filters", [])
            destination = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            found.append(
                Mapping(
                    function=function,
                    stream_arn=str(stack.resolve(props["Stream"])),
                    batch_size=int(props.get("BatchSize", 100)),
                    max_retries=int(props.get("MaximumRetryAttempts", -1)),
                    patterns=tuple(EventPattern.load(f["Pattern"]) for f in filters),
                    on_failure_queue=str(stack.resolve(destination)) if destination else None,
                    bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
                    parallelization=int(props.get("ParallelizationFactor", 1)),
                    partition_key=_partition_key(stack, props["Stream"]),
                )
            )
    return found


def _partition_key(stack: Stack, stream: Any) -> str:
    """The partition key of the table whose stream `stream` (`!GetAtt <Table>.StreamArn`) is."""
    logical = stream.get("Fn::GetAtt", [""])[0] if isinstance(stream, dict) else ""
    table = stack.template["Resources"].get(logical, {}).get("Properties", {})
    return next((k["AttributeName"] for k in table.get("KeySchema", []) if k["KeyType"] == "HASH"), "")


def lambda_record(record: Any, stream_arn: str, region: str) -> dict[str, Any]:
    """A stream record as Lambda hands it to a function: with `eventSourceARN`, epoch seconds."""
    shaped: dict[str, Any] = json.loads(json.dumps(record, default=_json_default))
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        shaped["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
    shaped["awsRegion"] = region
    shaped["eventSourceARN"] = stream_arn
    return shaped


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.decode("latin-1")
    return str(value)


class StreamReader:
    """Reads the stream of one event source mapping as Lambda does: what is new on each shard since the
    last read, shaped as the function receives it, and only what the mapping's filters let through.

    With `keep_iterators`, as a poller reads, each shard's iterator is the one the last read handed back
    (`NextShardIterator`) and the shard list is asked again only every `SHARDS_SECONDS`: one call per
    read instead of three. Without it, every read starts afresh after the last record read."""

    SHARDS_SECONDS = 5.0

    def __init__(
        self, mapping: Mapping, region: str, client: Any = None, keep_iterators: bool = False
    ) -> None:
        self.mapping = mapping
        self.region = region
        self.client = client or boto3.client("dynamodbstreams")
        self.last_read: dict[str, str] = {}  # shard id → sequence number of the last record read
        self.keep_iterators = keep_iterators
        self._iterators: dict[str, str] = {}  # shard id → the iterator the last read handed back
        self._shards: list[str] = []
        self._shards_read_at = float("-inf")

    @classmethod
    def of(cls, stack: Stack, function: str) -> StreamReader:
        """The reader of `function`'s stream in the template, from the stream's start."""
        [mapping] = [m for m in mappings(stack) if m.function == function]
        return cls(mapping, stack.region)

    def _shard_ids(self) -> list[str]:
        now = time.monotonic()
        if not self.keep_iterators or now - self._shards_read_at >= self.SHARDS_SECONDS:
            description = self.client.describe_stream(StreamArn=self.mapping.stream_arn)["StreamDescription"]
            self._shards = [shard["ShardId"] for shard in description["Shards"]]
            self._shards_read_at = now
        return self._shards

    def _iterator(self, shard_id: str) -> str:
        if shard_id in self._iterators:
            return self._iterators.pop(shard_id)
        position: dict[str, Any] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.last_read[shard_id]}
            if shard_id in self.last_read
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        found: str = self.client.get_shard_iterator(
            StreamArn=self.mapping.stream_arn, ShardId=shard_id, **position
        )["ShardIterator"]
        return found

    def _read(self, shard_id: str) -> list[Any]:
        try:
            answer = self.client.get_records(ShardIterator=self._iterator(shard_id), Limit=1000)
        except ClientError:
            # An iterator kept too long (in AWS, 15 minutes) or a shard gone: start again after the last
            # record read, as a fresh read would.
            self._iterators.pop(shard_id, None)
            answer = self.client.get_records(ShardIterator=self._iterator(shard_id), Limit=1000)
        if self.keep_iterators and answer.get("NextShardIterator"):
            self._iterators[shard_id] = answer["NextShardIterator"]
        raw: list[Any] = list(answer["Records"])
        return raw

    def by_shard(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """Each shard's id and new records that pass the filters, one shard at a time (Lambda never puts
        two shards' records in one batch)."""
        stream_arn = self.mapping.stream_arn
        for shard_id in self._shard_ids():
            # Without kept iterators, a fresh one after the last record read on every read: moto replaces
            # a table's stream shard when it rolls back a cancelled transaction (unless the local stack's
            # narrow rollback is installed, as it is in `local_runner.aws`), leaving an iterator kept from
            # before reading a shard that no longer grows.
            raw = self._read(shard_id)
            if raw:
                self.last_read[shard_id] = raw[-1]["dynamodb"]["SequenceNumber"]
            records = [lambda_record(r, stream_arn, self.region) for r in raw]
            yield shard_id, [r for r in records if self.mapping.passes(r)]

    def records(self) -> list[dict[str, Any]]:
        """Every new record that passes the filters, as Lambda would deliver it."""
        return [record for _, shard in self.by_shard() for record in shard]


# A lane's records from one shard, in order; `None` wakes the lane to stop.
_Work = tuple[str, list[dict[str, Any]]] | None


class Lanes:
    """The batches of a parallelization factor: `count` lanes, each delivered in order by an instance of
    its own, all at once. Lambda processes up to that many batches of a shard concurrently ("the number
    of batches to process concurrently from each shard", `ParallelizationFactor` in the Lambda API
    reference), so a lane goes on to its next batch as soon as its last is done, without waiting for the
    slowest lane of the same read, and what has queued up in a lane meanwhile is delivered together, in
    batches of `batch_size`."""

    def __init__(
        self,
        count: int,
        batch_size: int,
        deliver: Callable[[list[dict[str, Any]], str, int], None],
        name: str,
    ) -> None:
        self.count = count
        self.batch_size = batch_size
        self._deliver = deliver
        self._name = name
        self._queues: list[queue.SimpleQueue[_Work]] = [queue.SimpleQueue() for _ in range(count)]
        self._threads: list[threading.Thread] = []
        self._pending = 0  # records handed to a lane and not yet delivered (or dropped on stopping)
        self._changed = threading.Condition()
        self._stopping = threading.Event()

    def put(self, lane: int, shard_id: str, records: list[dict[str, Any]]) -> None:
        with self._changed:
            if not self._threads:  # started on first use: a poller that never reads keeps no threads
                self._threads = [
                    threading.Thread(target=self._run, args=(i,), name=f"{self._name}:{i}", daemon=True)
                    for i in range(self.count)
                ]
                for thread in self._threads:
                    thread.start()
            self._pending += len(records)
        self._queues[lane].put((shard_id, records))

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until every record handed to a lane is delivered; whether they all were in `timeout`."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)

    def wait_for_room(self, timeout: float) -> None:
        """Wait, at most `timeout`, until the lanes hold less than a batch each: read ahead of them only
        that far, so that a busy stack is not also read without pause."""
        with self._changed:
            self._changed.wait_for(lambda: self._pending < self.count * self.batch_size, timeout)

    def stop(self) -> None:
        """No more batches: what is still queued is dropped (the stack, its AWS with it, is stopping)."""
        self._stopping.set()
        for lane in self._queues:
            lane.put(None)

    def _run(self, instance: int) -> None:
        lane = self._queues[instance]
        while not self._stopping.is_set():
            waiting: list[_Work] = [lane.get()]
            while True:  # what else has queued up in this lane goes in the same batches
                try:
                    waiting.append(lane.get_nowait())
                except queue.Empty:
                    break
            for shard_id, records in _by_shard([w for w in waiting if w is not None]):
                for batch in batches(records, self.batch_size):
                    self._deliver_one(batch, shard_id, instance)
        while True:  # stopping: what is left is dropped, and no longer counted as waiting
            try:
                work = lane.get_nowait()
            except queue.Empty:
                return
            if work is not None:
                self._done(len(work[1]))

    def _deliver_one(self, batch: list[dict[str, Any]], shard_id: str, instance: int) -> None:
        try:
            if not self._stopping.is_set():
                self._deliver(batch, shard_id, instance)
        except Exception as error:  # keep the lane going: a local hiccup must not stop the stack
            print(f"[{self._name}] delivery failed: {type(error).__name__}", flush=True)
        finally:
            self._done(len(batch))

    def _done(self, records: int) -> None:
        with self._changed:
            self._pending -= records
            self._changed.notify_all()


def batches(records: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """`records` in order, `size` at a time (the mapping's `BatchSize`)."""
    for start in range(0, len(records), size):
        yield records[start : start + size]


def _by_shard(work: list[tuple[str, list[dict[str, Any]]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Consecutive work of the same shard joined, in order (a batch never holds two shards' records)."""
    joined: list[tuple[str, list[dict[str, Any]]]] = []
    for shard_id, records in work:
        if joined and joined[-1][0] == shard_id:
            joined[-1][1].extend(records)
        else:
            joined.append((shard_id, list(records)))
    return joined


class StreamPoller:
    """Reads one stream and feeds one function, as its event source mapping would."""

    # The longest pause between two tries of a failing batch.
    max_pause = 2.0

    def __init__(self, local: LocalStack, mapping: Mapping) -> None:
        self.local = local
        self.mapping = mapping
        session = boto3.session.Session()  # a session per thread: clients are not built thread-safely
        # moto runs with the narrow rollback (`local_runner.aws`), so a shard is never replaced: the
        # poller keeps its iterators.
        self.reader = StreamReader(
            mapping, local.region, session.client("dynamodbstreams"), keep_iterators=True
        )
        self.sqs = session.client("sqs")
        self.failed_to_destination = 0
        self._given_up = threading.Lock()  # lanes may give up batches at the same time
        self._lanes = (
            Lanes(mapping.parallelization, mapping.batch_size, self.deliver, f"stream:{mapping.function}")
            if mapping.parallelization > 1
            else None
        )

    def __call__(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            read = 0
            try:
                read = self.poll_once()
            except Exception as error:  # keep polling: a local hiccup must not stop the stack
                print(f"[{self.mapping.function}] stream poll failed: {type(error).__name__}", flush=True)
            if not read:  # as Lambda's poller, straight on to the next batch while a shard has more
                stopping.wait(POLL_SECONDS)
            elif self._lanes is not None:
                self._lanes.wait_for_room(POLL_SECONDS)
        if self._lanes is not None:
            self._lanes.stop()  # the stack is stopping: no more batches

    def poll_once(self) -> int:
        """Read what is new on every shard and deliver it; returns the number of records read. With a
        parallelization factor they are handed to the lanes, which deliver them while the poller reads
        on (`settle` waits for them)."""
        read = 0
        for shard_id, wanted in self.reader.by_shard():
            if self._lanes is None:
                self.deliver_in_batches(wanted, shard_id)
            else:
                for lane, records in self.lanes(wanted):
                    self._lanes.put(lane, shard_id, records)
            read += len(wanted)
        return read

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until the lanes have delivered every record read; whether they did within `timeout`."""
        return self._lanes is None or self._lanes.settle(timeout)

    def lanes(self, records: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
        """The shard's records split into at most `parallelization` lanes, each numbered and in order:
        with a parallelization factor, Lambda keeps each partition key's records in order, so a key's
        records always go to the same lane (chosen from a hash of the key)."""
        if self.mapping.parallelization <= 1 or not records:
            return [(0, records)] if records else []
        lanes: list[list[dict[str, Any]]] = [[] for _ in range(self.mapping.parallelization)]
        for record in records:
            key = json.dumps(record["dynamodb"]["Keys"].get(self.mapping.partition_key), sort_keys=True)
            lanes[zlib.crc32(key.encode()) % len(lanes)].append(record)
        return [(number, lane) for number, lane in enumerate(lanes) if lane]

    def deliver_in_batches(self, records: list[dict[str, Any]], shard_id: str, instance: int = 0) -> None:
        for batch in batches(records, self.mapping.batch_size):
            self.deliver(batch, shard_id, instance)

    def deliver(self, batch: list[dict[str, Any]], shard_id: str = "", instance: int = 0) -> None:
        """Invoke until the batch succeeds, then give up to the on-failure destination as Lambda does
        after `MaximumRetryAttempts`.

        A reported partial failure is retried from its first failed record (Lambda checkpoints before
        it). An invocation that fails outright is, with `BisectBatchOnFunctionError`, split in two and
        each half tried on its own, which isolates a record that crashes the function; splitting uses
        up none of the retries.
        """
        pending: list[tuple[list[dict[str, Any]], int]] = [(batch, 0)]
        while pending:
            part, attempts = pending.pop(0)
            while part:
                crashed = False
                try:
                    result = self.local.invoke(self.mapping.function, {"Records": part}, instance)
                    failures = [f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])]
                except Exception as error:  # the function failed outright (in Lambda: a function error)
                    print(f"[{self.mapping.function}] invocation failed: {type(error).__name__}", flush=True)
                    crashed, failures = True, [part[0]["dynamodb"]["SequenceNumber"]]
                if not failures:
                    break
                # Lambda checkpoints before the first failed record and retries from there.
                sequence = [r["dynamodb"]["SequenceNumber"] for r in part]
                failed = [sequence.index(f) for f in failures if f in sequence]
                part = part[min(failed) :] if failed else part
                if crashed and self.mapping.bisect_on_error and len(part) > 1:
                    half = len(part) // 2
                    pending[:0] = [(part[:half], attempts), (part[half:], attempts)]
                    break
                attempts += 1
                if 0 <= self.mapping.max_retries < attempts:
                    self._send_to_destination(part, shard_id, attempts, crashed)
                    break
                time.sleep(min(0.1 * 2**attempts, self.max_pause))

    def _send_to_destination(
        self, batch: list[dict[str, Any]], shard_id: str, attempts: int, crashed: bool
    ) -> None:
        with self._given_up:
            self.failed_to_destination += len(batch)
        print(f"[{self.mapping.function}] {len(batch)} record(s) sent to the on-failure queue", flush=True)
        if self.mapping.on_failure_queue:
            queue_url = self.sqs.get_queue_url(QueueName=self.mapping.on_failure_queue.rsplit(":", 1)[-1])[
                "QueueUrl"
            ]
            self.sqs.send_message(
                QueueUrl=queue_url,
                MessageBody=json.dumps(self.invocation_record(batch, shard_id, attempts, crashed)),
            )

    def invocation_record(
        self, batch: list[dict[str, Any]], shard_id: str, attempts: int, crashed: bool
    ) -> dict[str, Any]:
        """What Lambda sends the on-failure destination: where the records are, never the records."""

        def arrival(record: dict[str, Any]) -> str:
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            moment = datetime.fromtimestamp(created, UTC) if isinstance(created, int | float) else None
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""

        function = self.mapping.function
        return {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{self.local.region}:{ACCOUNT_ID}:function:{function}",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled" if crashed else "",
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": arrival(batch[0]),
                "approximateArrivalOfLastRecord": arrival(batch[-1]),
                "batchSize": len(batch),
                "streamArn": self.mapping.stream_arn,
            },
        }


def start_stream_pollers(local: LocalStack) -> list[StreamPoller]:
    assert local.stack is not None
    pollers = [StreamPoller(local, mapping) for mapping in mappings(local.stack)]
    for poller in pollers:
        local.run_in_background(f"stream:{poller.mapping.function}", poller)
    return pollers
