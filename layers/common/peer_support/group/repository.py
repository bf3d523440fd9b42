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
from peer_support.group.models import (
    COUNTS_FIELD,
    SESSION_ITEM,
    WAITLIST_FIELD,
    AlreadyRegistered,
    CountsMoved,
    SessionCounts,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class GroupRepository(UsesDynamoDB):
    """The BIPOC group's own table: one item per session (its counters and its reminder) and one per
    registration, keyed (`session_id`, `item_id`). Never the Requests table.

    A place is taken, given up or handed on in one transaction with the session's counts, written only
    if they still stand as read: whatever runs at the same moment, the counts stay within capacity, and
    each registration moved keeps the session's numbers just after its own change.
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
        seen: SessionCounts | None,
        by: str = "registrant",
    ) -> SessionCounts:
        """Store a registration (new, or one given up earlier) and count it, in one transaction; returns
        the session's counts just after it, which the registration keeps (`COUNTS_FIELD`).

        `seen` are the session's counts as last read (None: nobody has registered yet). The registration
        takes a place while `seen` has one free, else joins the waitlist; either way the session's item
        changes only if it still holds `seen`, so the counts written, and kept on the registration, are
        exactly those of this registration. `CountsMoved` carries the counts as they are now (from the
        refusal itself, so nothing is read again); `AlreadyRegistered` the registration this person
        already holds; `Conflict` means another transaction touched the session at the same instant.
        """
        waitlisted = seen is not None and seen.registered >= capacity
        counts = (seen or SessionCounts()).plus_one(waitlisted)
        registration = self._registration_update({**record, COUNTS_FIELD: counts.stored()}, by)
        rule = ("registered_count", ">=" if waitlisted else "<", capacity)
        session = self._count_update(
            record["session_id"], record["updated_at"], seen, counts, rule, session_defaults
        )
        try:
            self.client.transact_write_items(TransactItems=[{"Update": registration}, {"Update": session}])
        except ClientError as error:
            codes = cancellation_codes(error)
            reasons: Any = error.response.get("CancellationReasons") or [{}, {}]
            if codes[:1] == ["ConditionalCheckFailed"]:
                held: Any = reasons[0].get("Item")
                raise AlreadyRegistered("registered", current=from_item(held) if held else None) from None
            if codes[1:2] == ["ConditionalCheckFailed"]:
                now: Any = reasons[1].get("Item")
                raise CountsMoved(SessionCounts.of(from_item(now) if now else None)) from None
            if "TransactionConflict" in codes:
                raise Conflict("session busy") from None
            raise
        return counts

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
        self,
        session_id: str,
        at: str,
        seen: SessionCounts | None,
        counts: SessionCounts,
        rule: tuple[str, str, int],
        defaults: dict[str, Any] | None = None,
    ) -> Any:
        """The session's item from `seen` to `counts`, only while it still holds `seen` and `rule` holds
        (`("registered_count", "<", capacity)`: a place is free); created with `defaults` by the first
        registration (`seen` None). A refusal hands back the counts as they are."""
        update = Update()
        update.set("registered_count", counts.registered)
        update.set("waitlisted_count", counts.waitlisted)
        zero, one = update.value("zero", 0), update.value("one", 1)
        update.assign(f"{update.name('version')} = if_not_exists(#version, {zero}) + {one}")
        update.set("updated_at", at)
        for key, value in (defaults or {}).items():
            update.assign(f"{update.name(key)} = if_not_exists(#{key}, {update.value(f'd_{key}', value)})")
        condition = "attribute_not_exists(#registered_count)"
        if seen is not None:
            registered = update.value("seen_registered", seen.registered)
            waiting = update.value("seen_waitlisted", seen.waitlisted)
            attribute, comparison, value = rule
            condition = (
                f"#registered_count = {registered} AND #waitlisted_count = {waiting}"
                f" AND #{attribute} {comparison} {update.value('rule', value)}"
            )
        request = update.request(self.table, self._key(session_id, SESSION_ITEM), condition)
        return {**request, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}

    def counts(self, session_id: str) -> SessionCounts | None:
        """A session's counts (strongly consistent), or None before anyone has registered."""
        response = self.client.get_item(
            TableName=self.table, Key=self._key(session_id, SESSION_ITEM), ConsistentRead=True
        )
        return SessionCounts.of(from_item(response["Item"]) if "Item" in response else None)

    def get(self, session_id: str, reference: str) -> dict[str, Any]:
        """A registration as stored (strongly consistent). Raises `NotFound`."""
        response = self.client.get_item(
            TableName=self.table, Key=self._key(session_id, reference), ConsistentRead=True
        )
        if "Item" not in response:
            raise NotFound(reference)
        return from_item(response["Item"])

    def resend(self, registration: dict[str, Any], *, at: str, last_sent_before: str) -> bool:
        """Mark a registration for its email to go again (a new version, nothing else changed), unless it
        changed meanwhile or its last email went out at or after `last_sent_before`. Whether it did."""
        update, guard = self._step(registration, "resent", "registrant", at, {})
        condition = f"{guard} AND #updated_at < {update.value('before', last_sent_before)}"
        key = self._key(registration["session_id"], registration["item_id"])
        request: Any = update.request(self.table, key, condition)
        try:
            self.client.update_item(**request)
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

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

        The session's counts are read first and change only if they still stand, so each registration
        moved keeps the session's exact counts just after (`COUNTS_FIELD`). Raises `Conflict` if the
        registration, the person promoted or the session changed meanwhile.
        """
        seen = self.counts(registration["session_id"]) or SessionCounts()
        held_place = registration["status"] == "registered"
        if held_place and promote is None:  # a place freed: only while nobody waits for it
            counts, rule = SessionCounts(seen.registered - 1, seen.waitlisted), ("waitlisted_count", "=", 0)
        else:  # a place handed on, or one fewer waiting
            counts, rule = SessionCounts(seen.registered, seen.waitlisted - 1), ("waitlisted_count", ">", 0)
        items: list[Any] = [{"Update": self._move(registration, "cancelled", "registrant", at, counts)}]
        if held_place and promote is not None:
            items.append({"Update": self._move(promote, "promoted", "system", at, counts)})
        items.append({"Update": self._count_update(registration["session_id"], at, seen, counts, rule)})
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            codes = cancellation_codes(error)
            # Changed by someone else meanwhile; a throttled transaction is a fault, answered as one.
            if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
                raise Conflict("registration changed") from None
            raise

    def _move(self, registration: dict[str, Any], event: str, by: str, at: str, counts: SessionCounts) -> Any:
        """The update moving a registration on (`cancelled`, or `promoted` to a place); it keeps the
        session's `counts` just after."""
        to, stamp = ("cancelled", "cancelled_at") if event == "cancelled" else ("registered", "promoted_at")
        update, guard = self._step(
            registration, event, by, at, {"status": to, stamp: at, COUNTS_FIELD: counts.stored()}
        )
        update.remove(WAITLIST_FIELD)
        return update.request(
            self.table, self._key(registration["session_id"], registration["item_id"]), guard
        )

    @staticmethod
    def _step(
        registration: dict[str, Any], event: str, by: str, at: str, changes: dict[str, Any]
    ) -> tuple[Update, str]:
        """A registration's `event` (`changes` set, its version counted, one history entry more) and the
        condition guarding it: the version and status it was read at."""
        version = int(registration["version"])
        update = Update()
        for key, value in {"updated_at": at, "last_event": event, **changes}.items():
            update.set(key, value)
        update.assign(f"{update.name('version')} = {update.value('next', version + 1)}")
        update.assign(f"{update.name('history')} = list_append(#history, :entry)")
        update.values[":entry"] = {"L": [history_entry(at, event, by)]}
        status = update.value("from", str(registration["status"]))
        return update, f"#version = {update.value('version', version)} AND {update.name('status')} = {status}"

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
