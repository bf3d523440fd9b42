"""Stream records read from moto, shaped and filtered as the template's event source mapping would."""

from __future__ import annotations

from typing import Any

import boto3

from local_runner.streams import lambda_record, mappings
from local_runner.template import Stack


class StreamReader:
    """Reads the Requests stream for `function`, keeping only what its FilterCriteria let through."""

    def __init__(self, stack: Stack, function: str) -> None:
        [self.mapping] = [m for m in mappings(stack) if m.function == function]
        self.client = boto3.client("dynamodbstreams")
        self.region = stack.region
        self.last_read: dict[str, str] = {}  # shard id → sequence number of the last record read

    def records(self) -> list[dict[str, Any]]:
        """Every new record that passes the filters, as Lambda would deliver it."""
        out = []
        shards = self.client.describe_stream(StreamArn=self.mapping.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            # A fresh iterator each time, after the last record read: moto swaps a table's shard when it
            # rolls back a cancelled transaction, and an iterator kept from before would go quiet.
            position: dict[str, Any] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.last_read[shard_id]}
                if shard_id in self.last_read
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.client.get_shard_iterator(
                StreamArn=self.mapping.stream_arn, ShardId=shard_id, **position
            )["ShardIterator"]
            for raw in self.client.get_records(ShardIterator=iterator)["Records"]:
                self.last_read[shard_id] = raw["dynamodb"]["SequenceNumber"]
                record = lambda_record(raw, self.mapping.stream_arn, self.region)
                if any(pattern.matches_event(record) for pattern in self.mapping.patterns):
                    out.append(record)
        return out


class Pipeline:
    """The two stream consumers run to quiescence, as their event source mappings would run them."""

    def __init__(self, stack: Stack) -> None:
        self.readers = {name: StreamReader(stack, name) for name in ("MatchFunction", "NotifyFunction")}
        self.region = stack.region

    def run(self, rounds: int = 20) -> None:
        from local_runner.lambdas import invoke

        for _ in range(rounds):
            busy = False
            for function, reader in self.readers.items():
                records = reader.records()
                if records:
                    busy = True
                    result = invoke(function, {"Records": records})
                    assert result == {"batchItemFailures": []}, (function, result)
            if not busy:
                return
        raise AssertionError("the stream consumers did not settle")

    def emails(self) -> list[dict[str, Any]]:
        from local_runner.stack import sent_emails

        return sent_emails(self.region)
