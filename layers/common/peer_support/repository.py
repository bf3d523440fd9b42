"""The repository: the only module that talks to DynamoDB.

It speaks plain dicts and raises domain exceptions (`Conflict`, `NotFound`), so the logic
never sees botocore. It uses the low-level client (no `boto3.resource`: cheaper to import).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from peer_support.errors import Conflict, NotFound

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@cache
def dynamodb_client() -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb")


def to_item(record: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in record.items() if value is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


def _is_conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class RequestsRepository:
    """Requests for peer support, keyed by their reference."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client

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
            if not _is_conditional_failure(error):
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
