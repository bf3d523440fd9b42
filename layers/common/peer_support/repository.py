"""The repository: the only module that talks to DynamoDB.

It speaks plain dicts and raises domain exceptions (`Conflict`, `NotFound`), so the logic
never sees botocore. It uses the low-level client (no `boto3.resource`: cheaper to import).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from peer_support.errors import Conflict, NotFound
from peer_support.models import RosterEntry, SupporterRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = Logger()
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@cache
def dynamodb_client() -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb")


def to_item(record: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in record.items() if value is not None}


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [plain(v) for v in value]
    return value


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(_deserializer.deserialize(value)) for key, value in item.items()}


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

    def note(self, request_id: str, at: str, event: str, by: str, **detail: Any) -> None:
        """Append a history entry that is not a change of state (a case-page view, an undeliverable
        email): no version bump, so nobody is emailed about it."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"request_id": {"S": request_id}},
                UpdateExpression="SET #history = list_append(#history, :entry)",
                ConditionExpression="attribute_exists(request_id)",
                ExpressionAttributeNames={"#history": "history"},
                ExpressionAttributeValues={":entry": {"L": [_history(at, event, by, **detail)]}},
            )
        except ClientError as error:
            if _is_conditional_failure(error):
                raise NotFound(request_id) from None
            raise

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

    def get(self, request_id: str) -> dict[str, Any]:
        """The request as stored (strongly consistent). Raises `NotFound`."""
        response = self.client.get_item(
            TableName=self.table, Key={"request_id": {"S": request_id}}, ConsistentRead=True
        )
        if "Item" not in response:
            raise NotFound(request_id)
        return from_item(response["Item"])


# DynamoDB takes at most 100 items in one transaction.
TRANSACTION_LIMIT = 100


class SupportersRepository:
    """The Peer Supporter roster and each supporter's count of open cases."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client

    def all(self) -> list[SupporterRecord]:
        """Every supporter (the roster is small: tens, at most a few thousand)."""
        records: list[SupporterRecord] = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table, ConsistentRead=True):
            records.extend(SupporterRecord.model_validate(from_item(item)) for item in page["Items"])
        return records

    def find(self, supporter_id: str) -> SupporterRecord | None:
        response = self.client.get_item(
            TableName=self.table, Key={"supporter_id": {"S": supporter_id}}, ConsistentRead=True
        )
        return SupporterRecord.model_validate(from_item(response["Item"])) if "Item" in response else None

    def upsert(self, entries: list[RosterEntry]) -> None:
        """Create or update supporters from roster entries, keeping each one's open cases.

        Up to 100 entries are written in one transaction: all or nothing.
        """
        for start in range(0, len(entries), TRANSACTION_LIMIT):
            batch = entries[start : start + TRANSACTION_LIMIT]
            self.client.transact_write_items(
                TransactItems=[{"Update": self._upsert(entry)} for entry in batch]
            )

    def _upsert(self, entry: RosterEntry) -> Any:
        values = entry.model_dump(mode="json", exclude={"supporter_id"})
        names = {f"#{key}": key for key in values}
        assignments = [f"#{key} = :{key}" for key in values]
        # Cleared answers (no phone, no away date) are removed rather than stored as nulls.
        removals = [f"#{key}" for key, value in values.items() if value is None]
        attributes = {
            f":{key}": _serializer.serialize(value) for key, value in values.items() if value is not None
        }
        assignments = [a for a in assignments if a.split(" = ")[0] not in removals]
        attributes[":zero"] = {"N": "0"}
        names["#open_count"] = "open_count"
        expression = "SET " + ", ".join([*assignments, "#open_count = if_not_exists(#open_count, :zero)"])
        if removals:
            expression += " REMOVE " + ", ".join(removals)
        return {
            "TableName": self.table,
            "Key": {"supporter_id": {"S": entry.supporter_id}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": attributes,
        }

    def remove(self, supporter_ids: list[str]) -> None:
        for supporter_id in supporter_ids:
            self.client.delete_item(TableName=self.table, Key={"supporter_id": {"S": supporter_id}})

    def release_slot(self, supporter_id: str) -> None:
        """Give back one of the supporter's open cases (decline, close, withdraw, reassign).

        Guarded so the count never goes below zero; a supporter no longer on the roster is ignored.
        """
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"supporter_id": {"S": supporter_id}},
                UpdateExpression="SET open_count = open_count - :one",
                ConditionExpression="attribute_exists(supporter_id) AND open_count > :zero",
                ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}},
            )
        except ClientError as error:
            if not _is_conditional_failure(error):
                raise


class SupporterFull(Conflict):
    """The supporter's last free slot went to someone else first."""


def _history(at: str, event: str, by: str, **detail: Any) -> dict[str, Any]:
    return {"M": to_item({"at": at, "event": event, "by": by, **detail})}


def request_transition(
    table: str,
    request_id: str,
    *,
    version: int,
    from_states: frozenset[str] | set[str],
    to_state: str,
    at: str,
    event: str,
    by: str,
    set_values: dict[str, Any] | None = None,
    remove: tuple[str, ...] = (),
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The conditional update moving a request to `to_state`, guarded by its version and state.

    Bumps `version`, stamps `updated_at` and appends one history entry.
    """
    values = {
        "status": to_state,
        "version": version + 1,
        "updated_at": at,
        "last_event": event,
        **(set_values or {}),
    }
    names = {f"#{key}": key for key in [*values, *remove, "history"]}
    attributes: dict[str, Any] = {f":{key}": _serializer.serialize(value) for key, value in values.items()}
    attributes[":expected_version"] = {"N": str(version)}
    attributes[":entry"] = {"L": [_history(at, event, by, **(detail or {}))]}
    sources = sorted(from_states)
    attributes.update({f":from{i}": {"S": state} for i, state in enumerate(sources)})
    expression = "SET " + ", ".join(
        [*(f"#{k} = :{k}" for k in values), "#history = list_append(#history, :entry)"]
    )
    if remove:
        expression += " REMOVE " + ", ".join(f"#{key}" for key in remove)
    condition = (
        "version = :expected_version AND #status IN ("
        + ", ".join(f":from{i}" for i in range(len(sources)))
        + ")"
    )
    return {
        "TableName": table,
        "Key": {"request_id": {"S": request_id}},
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": attributes,
    }


def _cancellation_codes(error: ClientError) -> list[str]:
    reasons: Any = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


class Assignments:
    """Moves requests through their states; the one place that writes them after creation."""

    def __init__(
        self, requests_table: str, supporters_table: str, client: DynamoDBClient | None = None
    ) -> None:
        self.requests_table = requests_table
        self.supporters_table = supporters_table
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client

    def transition(self, request_id: str, *, release_supporter: str | None = None, **kwargs: Any) -> None:
        """One conditional write. Raises `Conflict` if the request moved on meanwhile.

        With `release_supporter`, the same transaction gives that supporter's slot back.
        """
        update: Any = request_transition(self.requests_table, request_id, **kwargs)
        try:
            if release_supporter is None:
                self.client.update_item(**update)
                return
            release: Any = {
                "TableName": self.supporters_table,
                "Key": {"supporter_id": {"S": release_supporter}},
                "UpdateExpression": "SET open_count = open_count - :one",
                "ConditionExpression": "attribute_exists(supporter_id) AND open_count > :zero",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
            }
            self.client.transact_write_items(TransactItems=[{"Update": update}, {"Update": release}])
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if _is_conditional_failure(error):
                raise Conflict("request changed") from None
            if code != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("request changed") from None
            if codes[1:2] != ["ConditionalCheckFailed"]:
                raise
            # The supporter left the roster or has no open case on record: the request still moves on.
            logger.warning(
                "slot not released", extra={"reference": request_id, "supporter_id": release_supporter}
            )
            self.transition(request_id, **kwargs)

    def assign(
        self, request_id: str, version: int, supporter_id: str, at: str, set_values: dict[str, Any]
    ) -> None:
        """Request `pending_match → matched` and the supporter's open cases + 1, in one transaction.

        Raises `SupporterFull` if the supporter has no slot left, `Conflict` if the request moved on.
        """
        request_update: Any = request_transition(
            self.requests_table,
            request_id,
            version=version,
            from_states={"pending_match"},
            to_state="matched",
            at=at,
            event="matched",
            by="system",
            set_values={"supporter_id": supporter_id, "matched_at": at, **set_values},
        )
        supporter_update: Any = {
            "TableName": self.supporters_table,
            "Key": {"supporter_id": {"S": supporter_id}},
            "UpdateExpression": "SET open_count = open_count + :one, last_assigned_at = :at",
            "ConditionExpression": "open_count < max_open AND active = :true",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":at": {"S": at}, ":true": {"BOOL": True}},
        }
        try:
            self.client.transact_write_items(
                TransactItems=[{"Update": request_update}, {"Update": supporter_update}]
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("request changed") from None
            if codes[1:2] == ["ConditionalCheckFailed"]:
                raise SupporterFull(supporter_id) from None
            raise
