"""The repository: the only module that talks to DynamoDB.

It speaks plain dicts and raises domain exceptions (`Conflict`, `NotFound`), so the logic
never sees botocore. It uses the low-level client (no `boto3.resource`: cheaper to import).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from peer_support import clock
from peer_support.errors import Conflict, NotFound

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from peer_support.models import RosterEntry, SupporterRecord

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


class _UsesDynamoDB:
    """Holds the DynamoDB client: the one passed in (tests), else the process-wide one."""

    _client: DynamoDBClient | None

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = dynamodb_client()
        return self._client


class RequestsRepository(_UsesDynamoDB):
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

    def note_view(self, request_id: str, at: datetime, by: str, holder: str, **detail: Any) -> bool:
        """Append a `viewed` entry, unless the same holder's view is already recorded for this
        VIEW_WINDOW or the history is full: reloading a page must not grow the item towards DynamoDB's
        400 KB limit, past which no change of state could be written. False when nothing was added."""
        window = f"{holder}@{int(at.timestamp()) // int(VIEW_WINDOW.total_seconds())}"
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"request_id": {"S": request_id}},
                UpdateExpression="SET #history = list_append(#history, :entry), last_view = :window",
                ConditionExpression=(
                    "attribute_exists(request_id) AND size(#history) < :most"
                    " AND (attribute_not_exists(last_view) OR last_view <> :window)"
                ),
                ExpressionAttributeNames={"#history": "history"},
                ExpressionAttributeValues={
                    ":entry": {"L": [_history(clock.iso(at), "viewed", by, **detail)]},
                    ":window": {"S": window},
                    ":most": {"N": str(MAX_HISTORY)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _is_conditional_failure(error):
                raise
            if "Item" not in error.response:
                raise NotFound(request_id) from None
            return False
        return True

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
# Views by one holder within this window are one entry of `history`, and the history stops growing at
# MAX_HISTORY entries: a case's whole life is a few dozen.
VIEW_WINDOW = timedelta(minutes=10)
MAX_HISTORY = 500


def release_slot_update(table: str, supporter_id: str) -> Any:
    """One open case fewer for the supporter: never below zero, never for someone off the roster."""
    return {
        "TableName": table,
        "Key": {"supporter_id": {"S": supporter_id}},
        "UpdateExpression": "SET open_count = open_count - :one",
        "ConditionExpression": "attribute_exists(supporter_id) AND open_count > :zero",
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
    }


class SupportersRepository(_UsesDynamoDB):
    """The Peer Supporter roster and each supporter's count of open cases."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    def all(self) -> list[SupporterRecord]:
        """Every supporter (the roster is small: tens, at most a few thousand)."""
        from peer_support.models import SupporterRecord  # pydantic only for functions that read the roster

        records: list[SupporterRecord] = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table, ConsistentRead=True):
            records.extend(SupporterRecord.model_validate(from_item(item)) for item in page["Items"])
        return records

    def find(self, supporter_id: str) -> SupporterRecord | None:
        from peer_support.models import SupporterRecord

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
            self.client.update_item(**release_slot_update(self.table, supporter_id))
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


class Assignments(_UsesDynamoDB):
    """Moves requests through their states; the one place that writes them after creation."""

    def __init__(
        self, requests_table: str, supporters_table: str, client: DynamoDBClient | None = None
    ) -> None:
        self.requests_table = requests_table
        self.supporters_table = supporters_table
        self._client = client

    def transition(self, request_id: str, *, release_supporter: str | None = None, **kwargs: Any) -> None:
        """One conditional write. Raises `Conflict` if the request moved on meanwhile.

        With `release_supporter`, the same transaction gives that supporter's slot back.
        """
        update: Any = request_transition(self.requests_table, request_id, **kwargs)
        try:
            if release_supporter is None:
                self.client.update_item(**update)
                return
            release = release_slot_update(self.supporters_table, release_supporter)
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


class GroupRepository(_UsesDynamoDB):
    """The BIPOC group's own table: one item per session (its counters and its reminder) and one per
    registration, keyed (`session_id`, `item_id`). Never the Requests table.

    A place is taken, given up or handed on in one transaction with the session's counter, whose
    condition keeps the count within capacity whatever runs at the same moment: nothing is read first.
    """

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    @staticmethod
    def _key(session_id: str, item_id: str) -> dict[str, Any]:
        return {"session_id": {"S": session_id}, "item_id": {"S": item_id}}

    def add(
        self,
        record: dict[str, Any],
        *,
        capacity: int,
        session_defaults: dict[str, Any],
        waitlisted: bool,
        by: str = "registrant",
    ) -> None:
        """Store a registration (new, or one given up earlier) and count it, in one transaction.

        A place: the session's `registered_count` goes up only while it is below `capacity`, else
        `SessionFull`. The waitlist: `waitlisted_count` goes up only while every place is taken, else
        `PlacesFree`. `AlreadyRegistered` carries the registration this person already holds;
        `Conflict` means another transaction touched the session at the same instant (try again).
        """
        from peer_support.group import SESSION_ITEM, AlreadyRegistered, PlacesFree, SessionFull

        session_id, item_id = record["session_id"], record["item_id"]
        at = record["updated_at"]
        values = {k: v for k, v in record.items() if k not in ("session_id", "item_id")}
        names = {f"#{k}": k for k in [*values, "version", "history", "created_at", "status"]}
        attributes: dict[str, Any] = {f":{k}": _serializer.serialize(v) for k, v in values.items()}
        attributes.update(
            {
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
                ":empty": {"L": []},
                ":entry": {"L": [_history(at, record["last_event"], by)]},
                ":cancelled": {"S": "cancelled"},
            }
        )
        expression = "SET " + ", ".join(
            [
                *(f"#{k} = :{k}" for k in values),
                "#created_at = if_not_exists(#created_at, :updated_at)",
                "#version = if_not_exists(#version, :zero) + :one",
                "#history = list_append(if_not_exists(#history, :empty), :entry)",
            ]
        )
        registration: Any = {
            "TableName": self.table,
            "Key": self._key(session_id, item_id),
            "UpdateExpression": expression + " REMOVE cancelled_at",
            # New, or given up before: someone may register again for the same session.
            "ConditionExpression": "attribute_not_exists(item_id) OR #status = :cancelled",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": attributes,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        counter = "waitlisted_count" if waitlisted else "registered_count"
        other = "registered_count" if waitlisted else "waitlisted_count"
        defaults = {f":d_{k}": _serializer.serialize(v) for k, v in session_defaults.items()}
        session: Any = {
            "TableName": self.table,
            "Key": self._key(session_id, SESSION_ITEM),
            "UpdateExpression": "SET "
            + ", ".join(
                [
                    f"{counter} = if_not_exists({counter}, :zero) + :one",
                    f"{other} = if_not_exists({other}, :zero)",
                    "#version = if_not_exists(#version, :zero) + :one",
                    "updated_at = :at",
                    *(f"#d_{k} = if_not_exists(#d_{k}, :d_{k})" for k in session_defaults),
                ]
            ),
            "ConditionExpression": (
                "registered_count >= :capacity"
                if waitlisted
                else "attribute_not_exists(registered_count) OR registered_count < :capacity"
            ),
            "ExpressionAttributeNames": {"#version": "version", **{f"#d_{k}": k for k in session_defaults}},
            "ExpressionAttributeValues": {
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
                ":at": {"S": at},
                ":capacity": {"N": str(capacity)},
                **defaults,
            },
        }
        try:
            self.client.transact_write_items(TransactItems=[{"Update": registration}, {"Update": session}])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons: Any = error.response.get("CancellationReasons") or []
            codes = _cancellation_codes(error)
            if codes[:1] == ["ConditionalCheckFailed"]:
                held = reasons[0].get("Item")
                raise AlreadyRegistered("registered", current=from_item(held) if held else None) from None
            if codes[1:2] == ["ConditionalCheckFailed"]:
                raise (PlacesFree if waitlisted else SessionFull)(session_id) from None
            if "TransactionConflict" in codes:
                raise Conflict("session busy") from None
            raise

    def get(self, session_id: str, reference: str) -> dict[str, Any]:
        """A registration as stored (strongly consistent). Raises `NotFound`."""
        response = self.client.get_item(
            TableName=self.table, Key=self._key(session_id, reference), ConsistentRead=True
        )
        if "Item" not in response:
            raise NotFound(reference)
        return from_item(response["Item"])

    def session(self, session_id: str) -> dict[str, Any] | None:
        """A session's own item (its counters), or None before anyone has registered."""
        from peer_support.group import SESSION_ITEM

        response = self.client.get_item(TableName=self.table, Key=self._key(session_id, SESSION_ITEM))
        return from_item(response["Item"]) if "Item" in response else None

    def first_waitlisted(self, session_id: str) -> dict[str, Any] | None:
        """Who has waited longest for a place, from the sparse `waitlist` index (strongly consistent)."""
        response = self.client.query(
            TableName=self.table,
            IndexName="waitlist",
            KeyConditionExpression="session_id = :session",
            ExpressionAttributeValues={":session": {"S": session_id}},
            ConsistentRead=True,
            Limit=1,
        )
        return from_item(response["Items"][0]) if response["Items"] else None

    def registered(self, session_id: str) -> Iterator[dict[str, Any]]:
        """Every registration holding a place in the session (not the waitlist, not those given up)."""
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="session_id = :session",
            FilterExpression="#kind = :registration AND #status = :registered",
            ExpressionAttributeNames={"#kind": "kind", "#status": "status"},
            ExpressionAttributeValues={
                ":session": {"S": session_id},
                ":registration": {"S": "registration"},
                ":registered": {"S": "registered"},
            },
            ConsistentRead=True,
        )
        for page in pages:
            yield from (from_item(item) for item in page["Items"])

    def give_up(
        self, registration: dict[str, Any], *, at: str, promote: dict[str, Any] | None = None
    ) -> None:
        """Cancel a registration, and with a place given up hand it to `promote` (the first waitlisted),
        in one transaction. Without anyone to promote the place is freed, on condition the waitlist is
        still empty, so a place never stays free while someone waits.

        Raises `Conflict` if the registration, the person promoted or the session changed meanwhile.
        """
        from peer_support.group import SESSION_ITEM

        held_place = registration["status"] == "registered"
        items: list[Any] = [
            {"Update": self._move(registration, to="cancelled", event="cancelled", by="registrant", at=at)}
        ]
        if held_place and promote is not None:
            items.append(
                {"Update": self._move(promote, to="registered", event="promoted", by="system", at=at)}
            )
            change, condition = "waitlisted_count = waitlisted_count - :one", "waitlisted_count > :zero"
        elif held_place:
            change = "registered_count = registered_count - :one"
            condition = "registered_count > :zero AND waitlisted_count = :zero"
        else:
            change, condition = "waitlisted_count = waitlisted_count - :one", "waitlisted_count > :zero"
        items.append(
            {
                "Update": {
                    "TableName": self.table,
                    "Key": self._key(registration["session_id"], SESSION_ITEM),
                    "UpdateExpression": f"SET {change}, #version = #version + :one, updated_at = :at",
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}, ":at": {"S": at}},
                }
            }
        )
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(error)
            # Changed by someone else meanwhile; a throttled transaction is a fault, answered as one.
            if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
                raise Conflict("registration changed") from None
            raise

    def _move(self, registration: dict[str, Any], *, to: str, event: str, by: str, at: str) -> Any:
        """The conditional update moving a registration on, guarded by its version and status."""
        stamp = "cancelled_at" if to == "cancelled" else "promoted_at"
        return {
            "TableName": self.table,
            "Key": self._key(registration["session_id"], registration["item_id"]),
            "UpdateExpression": (
                "SET #status = :to, #version = :next, updated_at = :at, last_event = :event, "
                f"{stamp} = :at, #history = list_append(#history, :entry) REMOVE waitlist_at"
            ),
            "ConditionExpression": "#version = :version AND #status = :from",
            "ExpressionAttributeNames": {"#status": "status", "#version": "version", "#history": "history"},
            "ExpressionAttributeValues": {
                ":to": {"S": to},
                ":from": {"S": str(registration["status"])},
                ":version": {"N": str(int(registration["version"]))},
                ":next": {"N": str(int(registration["version"]) + 1)},
                ":at": {"S": at},
                ":event": {"S": event},
                ":entry": {"L": [_history(at, event, by)]},
            },
        }

    def reminders_due(self, now: str) -> Iterator[str]:
        """Sessions whose reminder is due, from the sparse `reminders-due` index (keys only)."""
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            IndexName="reminders-due",
            KeyConditionExpression="reminder = :due AND remind_at <= :now",
            ExpressionAttributeValues={":due": {"S": "due"}, ":now": {"S": now}},
        )
        for page in pages:
            for key in page["Items"]:
                yield key["session_id"]["S"]

    def mark_reminder(self, session_id: str, outcome: str, at: str) -> None:
        """Take a session's reminder step once: `due` → `outcome`. Raises `Conflict` if already taken."""
        from peer_support.group import SESSION_ITEM

        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(session_id, SESSION_ITEM),
                UpdateExpression=(
                    "SET reminder = :outcome, reminded_at = :at, updated_at = :at, #version = #version + :one"
                ),
                ConditionExpression="reminder = :due",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={
                    ":outcome": {"S": outcome},
                    ":due": {"S": "due"},
                    ":at": {"S": at},
                    ":one": {"N": "1"},
                },
            )
        except ClientError as error:
            if _is_conditional_failure(error):
                raise Conflict("reminder taken") from None
            raise
