"""The BIPOC group's own table: one item per session (its counters and its reminder) and one per
registration, keyed (`session_id`, `item_id`). Never the Requests table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from peer_support.core.dynamodb import (
    Update,
    UsesDynamoDB,
    cancellation_codes,
    from_item,
    history_entry,
    is_conditional_failure,
)
from peer_support.core.errors import Conflict, NotFound
from peer_support.group.models import SESSION_ITEM, AlreadyRegistered, PlacesFree, SessionFull

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class GroupRepository(UsesDynamoDB):
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
        registration = self._registration_update(record, by)
        session = self._count_update(record, capacity, session_defaults, waitlisted)
        try:
            self.client.transact_write_items(TransactItems=[{"Update": registration}, {"Update": session}])
        except ClientError as error:
            codes = cancellation_codes(error)
            if codes[:1] == ["ConditionalCheckFailed"]:
                held: Any = (error.response.get("CancellationReasons") or [{}])[0].get("Item")
                raise AlreadyRegistered("registered", current=from_item(held) if held else None) from None
            if codes[1:2] == ["ConditionalCheckFailed"]:
                raise (PlacesFree if waitlisted else SessionFull)(record["session_id"]) from None
            if "TransactionConflict" in codes:
                raise Conflict("session busy") from None
            raise

    def _registration_update(self, record: dict[str, Any], by: str) -> Any:
        """The registration's item: new, or given up before (someone may register again for the same
        session), with its version counted and one history entry more."""
        update = Update()
        for key, value in record.items():
            if key not in ("session_id", "item_id"):
                update.set(key, value)
        created, version, history = update.name("created_at"), update.name("version"), update.name("history")
        zero, one = update.value("zero", 0), update.value("one", 1)
        update.assign(f"{created} = if_not_exists({created}, :updated_at)")
        update.assign(f"{version} = if_not_exists({version}, {zero}) + {one}")
        update.assign(f"{history} = list_append(if_not_exists({history}, :empty), :entry)")
        update.values[":empty"] = {"L": []}
        update.values[":entry"] = {"L": [history_entry(record["updated_at"], record["last_event"], by)]}
        update.remove("cancelled_at")
        cancelled = update.value("cancelled", "cancelled")
        condition = f"attribute_not_exists(item_id) OR {update.name('status')} = {cancelled}"
        request = update.request(self.table, self._key(record["session_id"], record["item_id"]), condition)
        return {**request, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}

    def _count_update(
        self, record: dict[str, Any], capacity: int, session_defaults: dict[str, Any], waitlisted: bool
    ) -> Any:
        """The session's item: one more place taken (below `capacity`), or one more waiting (only while
        every place is taken), created with `session_defaults` by its first registration."""
        update = Update()
        counter, other = (
            ("waitlisted_count", "registered_count")
            if waitlisted
            else ("registered_count", "waitlisted_count")
        )
        zero, one = update.value("zero", 0), update.value("one", 1)
        update.assign(f"{update.name(counter)} = if_not_exists(#{counter}, {zero}) + {one}")
        update.assign(f"{update.name(other)} = if_not_exists(#{other}, {zero})")
        update.assign(f"{update.name('version')} = if_not_exists(#version, {zero}) + {one}")
        update.set("updated_at", record["updated_at"])
        for key, value in session_defaults.items():
            update.assign(f"{update.name(key)} = if_not_exists(#{key}, {update.value(f'd_{key}', value)})")
        limit = update.value("capacity", capacity)
        condition = (
            f"#registered_count >= {limit}"
            if waitlisted
            else f"attribute_not_exists(#registered_count) OR #registered_count < {limit}"
        )
        return update.request(self.table, self._key(record["session_id"], SESSION_ITEM), condition)

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
            codes = cancellation_codes(error)
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
                ":entry": {"L": [history_entry(at, event, by)]},
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
            if is_conditional_failure(error):
                raise Conflict("reminder taken") from None
            raise
