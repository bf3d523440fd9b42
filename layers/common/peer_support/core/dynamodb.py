"""DynamoDB for every context's repository: the one client, item (de)serialisation, one builder of
update expressions, and the reading of a refused conditional write.

It uses the low-level client (no `boto3.resource`: cheaper to import).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Self

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

# DynamoDB takes at most 100 items in one transaction.
TRANSACTION_LIMIT = 100


@cache
def dynamodb_client() -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb")


def load_paginators() -> None:
    """Load the client's paginator models (the repositories read by `Query` and `Scan` pages): botocore
    loads them on the first `get_paginator`, looking through its data directories, about 20 ms of CPU.
    No AWS call is made."""
    client = dynamodb_client()
    client.get_paginator("query")
    client.get_paginator("scan")


def serialize(value: Any) -> Any:
    """One Python value as a DynamoDB attribute value."""
    return _serializer.serialize(value)


def to_item(record: dict[str, Any]) -> dict[str, Any]:
    return {key: serialize(value) for key, value in record.items() if value is not None}


def plain(value: Any) -> Any:
    """A deserialised value with plain Python numbers and lists (no `Decimal`, no sets)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [plain(v) for v in value]
    return value


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(_deserializer.deserialize(value)) for key, value in item.items()}


def history_entry(at: str, event: str, by: str, **detail: Any) -> dict[str, Any]:
    """One entry of an item's `history` list, as an attribute value: when, what, by whom (a role)."""
    return {"M": to_item({"at": at, "event": event, "by": by, **detail})}


def error_code(error: ClientError) -> str | None:
    code = error.response.get("Error", {}).get("Code")
    return str(code) if code else None


def is_conditional_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def cancellation_codes(error: ClientError) -> list[str]:
    """Why each item of a cancelled transaction was refused, in the transaction's order; [] for any
    other error."""
    if error_code(error) != "TransactionCanceledException":
        return []
    reasons: Any = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


class Update:
    """An update expression with its attribute names and values, built together so that no name or
    placeholder is ever spelt twice: `Update().set("status", "matched").remove("sla_due")`."""

    def __init__(self) -> None:
        self._sets: list[str] = []
        self._removes: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attribute: str) -> str:
        """The placeholder of an attribute's name (`#status`): any name, reserved words too."""
        self.names[f"#{attribute}"] = attribute
        return f"#{attribute}"

    def value(self, placeholder: str, value: Any) -> str:
        """The placeholder (`:placeholder`) of a value."""
        self.values[f":{placeholder}"] = serialize(value)
        return f":{placeholder}"

    def set(self, attribute: str, value: Any) -> Self:
        """`SET #attribute = :attribute`."""
        return self.assign(f"{self.name(attribute)} = {self.value(attribute, value)}")

    def assign(self, clause: str) -> Self:
        """A `SET` clause of its own (`#count = if_not_exists(#count, :zero) + :one`), whose names and
        values were taken with `name` and `value`."""
        self._sets.append(clause)
        return self

    def remove(self, attribute: str) -> Self:
        self._removes.append(self.name(attribute))
        return self

    @property
    def expression(self) -> str:
        parts = [f"SET {', '.join(self._sets)}"] if self._sets else []
        if self._removes:
            parts.append(f"REMOVE {', '.join(self._removes)}")
        return " ".join(parts)

    def request(self, table: str, key: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
        """The arguments of `UpdateItem` (or of a transaction's `Update`) for the item at `key`."""
        request: dict[str, Any] = {"TableName": table, "Key": key, "UpdateExpression": self.expression}
        if condition:
            request["ConditionExpression"] = condition
        if self.names:
            request["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            request["ExpressionAttributeValues"] = dict(self.values)
        return request


class UsesDynamoDB:
    """Holds the DynamoDB client: the one passed in (tests), else the process-wide one."""

    _client: DynamoDBClient | None

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client
