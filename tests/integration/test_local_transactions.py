"""The local stack's narrow rollback for moto's `TransactWriteItems` (local_runner/moto_transactions.py):
a transaction still applies all or nothing, stream records included, without moto copying the tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local_runner import moto_transactions
from local_runner.streams import StreamReader


@pytest.fixture
def narrow(stack: Any) -> Iterator[Any]:
    moto_transactions.install()
    yield stack
    moto_transactions.uninstall()


def _supporter(client: Any, table: str, supporter_id: str, open_count: int) -> None:
    client.put_item(
        TableName=table,
        Item={"supporter_id": {"S": supporter_id}, "open_count": {"N": str(open_count)}},
    )


def _take_slot(table: str, supporter_id: str, limit: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": {"supporter_id": {"S": supporter_id}},
            "UpdateExpression": "SET open_count = open_count + :one",
            "ConditionExpression": "open_count < :limit",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":limit": {"N": str(limit)}},
        }
    }


def _open_count(client: Any, table: str, supporter_id: str) -> int:
    item = client.get_item(TableName=table, Key={"supporter_id": {"S": supporter_id}})["Item"]
    return int(item["open_count"]["N"])


def _stream(table: Any) -> list[Any]:
    assert table.stream_shard is not None
    records: list[Any] = table.stream_shard.items
    return records


def _new_request(table: str, reference: str) -> dict[str, Any]:
    item = {"request_id": {"S": reference}, "status": {"S": "pending_match"}, "version": {"N": "1"}}
    return {"Put": {"TableName": table, "Item": item}}


def test_a_cancelled_transaction_changes_nothing_and_leaves_the_table_in_place(narrow: Any) -> None:
    from moto.dynamodb.models import dynamodb_backends

    from local_runner.template import ACCOUNT_ID

    client: Any = boto3.client("dynamodb")
    requests, supporters = narrow.refs["RequestsTable"], narrow.refs["SupportersTable"]
    _supporter(client, supporters, "a", 0)
    _supporter(client, supporters, "b", 3)
    tables = dynamodb_backends[ACCOUNT_ID][narrow.region].tables
    requests_table = tables[requests]
    records_before = len(_stream(requests_table))

    # Given a transaction whose first two writes would succeed and whose last is refused
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(
            TransactItems=[
                _take_slot(supporters, "a", 3),
                _new_request(requests, "PS-TEST-0001"),
                _take_slot(supporters, "b", 3),
            ]
        )

    # Then no write is kept, the stream has no record of any, and the table is still the same object
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert (_open_count(client, supporters, "a"), _open_count(client, supporters, "b")) == (0, 3)
    assert "Item" not in client.get_item(TableName=requests, Key={"request_id": {"S": "PS-TEST-0001"}})
    assert len(_stream(requests_table)) == records_before
    assert tables[requests] is requests_table


def test_a_transaction_that_goes_through_writes_every_item_and_its_stream_records(narrow: Any) -> None:
    client: Any = boto3.client("dynamodb")
    requests = narrow.refs["RequestsTable"]
    supporters = narrow.refs["SupportersTable"]
    _supporter(client, supporters, "a", 0)
    reader = StreamReader.of(narrow, "MatchFunction")
    reader.records()  # read past what is already there
    client.transact_write_items(
        TransactItems=[_new_request(requests, "PS-TEST-0001"), _take_slot(supporters, "a", 3)]
    )

    assert _open_count(client, supporters, "a") == 1
    assert [r["dynamodb"]["Keys"]["request_id"]["S"] for r in reader.records()] == ["PS-TEST-0001"]
