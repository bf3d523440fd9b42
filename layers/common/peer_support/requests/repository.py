"""Reading the Requests table, and storing a new request. Every later change of a request is a
transition (`requests.transitions`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from peer_support.core.dynamodb import UsesDynamoDB, from_item, is_conditional_failure, to_item
from peer_support.core.errors import Conflict, NotFound
from peer_support.requests.states import OPEN

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class RequestsRepository(UsesDynamoDB):
    """Requests for peer support, keyed by their reference."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    def create(self, record: dict[str, Any]) -> None:
        """Store a new request. Raises `Conflict` carrying the existing item if the reference is taken.

        One conditional write; on a collision DynamoDB hands back the item it kept, so no read follows.
        """
        try:
            self.client.put_item(
                TableName=self.table,
                Item=to_item(record),
                ConditionExpression="attribute_not_exists(request_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            old: Any = error.response.get("Item")
            raise Conflict("request exists", current=from_item(old) if old else None) from None

    def get(self, request_id: str) -> dict[str, Any]:
        """The request as stored (strongly consistent). Raises `NotFound`."""
        response = self.client.get_item(
            TableName=self.table, Key={"request_id": {"S": request_id}}, ConsistentRead=True
        )
        if "Item" not in response:
            raise NotFound(request_id)
        return from_item(response["Item"])

    def open_request_of(self, person: str) -> dict[str, Any] | None:
        """The open request that stands for `person` (a keyed hash), from the sparse `by-requester`
        index, read again from the table to be sure it is still open; None if there is none."""
        response = self.client.query(
            TableName=self.table,
            IndexName="by-requester",
            KeyConditionExpression="requester_key = :person",
            ExpressionAttributeValues={":person": {"S": person}},
        )
        for key in response["Items"]:
            try:
                item = self.get(key["request_id"]["S"])
            except NotFound:  # purged meanwhile
                continue
            if item.get("status") in OPEN and item.get("requester_key") == person:
                return item
        return None

    def due(self, now: str, shard: str = "open") -> Iterator[str]:
        """References of requests whose next deadline step is due, from the sparse `sla-due` index."""
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            IndexName="sla-due",
            KeyConditionExpression="sla_open = :open AND sla_due <= :now",
            ExpressionAttributeValues={":open": {"S": shard}, ":now": {"S": now}},
        )
        for page in pages:
            for key in page["Items"]:
                yield key["request_id"]["S"]

    def count_by_status(self, status: str) -> int:
        """How many requests are in `status` (the `by-status` index; counts, never items)."""
        total = 0
        for page in self.client.get_paginator("query").paginate(
            TableName=self.table,
            IndexName="by-status",
            Select="COUNT",
            KeyConditionExpression="#status = :status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": {"S": status}},
        ):
            total += int(page["Count"])
        return total

    def held_by(self, supporter_id: str, statuses: list[str]) -> list[dict[str, Any]]:
        """The requests a supporter holds in `statuses` (the `by-status` index): reference, status and
        deadline only, never the person's details (the index does not hold them)."""
        found: list[dict[str, Any]] = []
        for status in statuses:
            for page in self.client.get_paginator("query").paginate(
                TableName=self.table,
                IndexName="by-status",
                KeyConditionExpression="#status = :status",
                FilterExpression="supporter_id = :supporter",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": {"S": status}, ":supporter": {"S": supporter_id}},
            ):
                found.extend(from_item(item) for item in page["Items"])
        return found
