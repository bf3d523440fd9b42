"""Every write to a request after it is stored: its transitions (each one conditional on the version
and state it was read at, as `states` allows), a supporter's slot taken or given back in the same
transaction, and the history entries that are not a change of state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from peer_support.core import clock
from peer_support.core.dynamodb import (
    Update,
    UsesDynamoDB,
    cancellation_codes,
    history_entry,
    is_conditional_failure,
)
from peer_support.core.errors import Conflict, NotFound
from peer_support.requests.models import Status
from peer_support.requests.states import OPEN, TRANSITIONS, transition
from peer_support.supporters.slots import SupporterFull, release_slot_update, take_slot_update

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = Logger()

# Views by one holder within this window are one entry of `history`, and the history stops growing at
# MAX_HISTORY entries: a case's whole life is a few dozen.
VIEW_WINDOW = timedelta(minutes=10)
MAX_HISTORY = 500


def transition_update(
    table: str,
    request_id: str,
    *,
    version: int,
    current: str,
    event: str,
    at: str,
    set_values: dict[str, Any] | None = None,
    remove: tuple[str, ...] = (),
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The conditional update taking `event` on a request read at `version` in state `current`.

    Bumps `version`, stamps `updated_at` and appends one history entry (by whom the state machine says).
    Raises `Conflict` if the state machine does not allow `event` from `current`.
    """
    target = transition(event, current)
    if target is None:
        raise Conflict(f"{event} is not allowed from {current}")
    update = Update()
    values = {"status": target, "version": version + 1, "updated_at": at, "last_event": event}
    for key, value in {**values, **(set_values or {})}.items():
        update.set(key, value)
    entry = history_entry(at, event, TRANSITIONS[event].by, **(detail or {}))
    update.assign(f"{update.name('history')} = list_append(#history, :entry)")
    update.values[":entry"] = {"L": [entry]}
    # A request no longer open no longer stands for its person: they may ask anew (`by-requester`).
    for key in (*remove, *(() if target in OPEN else ("requester_key",))):
        update.remove(key)
    condition = (
        f"version = {update.value('expected_version', version)} AND #status = {update.value('from', current)}"
    )
    return update.request(table, {"request_id": {"S": request_id}}, condition)


class Transitions(UsesDynamoDB):
    """Moves requests through their states; the one place that writes them after creation."""

    def __init__(
        self, requests_table: str, supporters_table: str, client: DynamoDBClient | None = None
    ) -> None:
        self.requests_table = requests_table
        self.supporters_table = supporters_table
        self._client = client

    def move(
        self, request_id: str, *, release_supporter: str | None = None, debrief: bool = False, **kwargs: Any
    ) -> None:
        """One conditional write (see `transition_update` for the arguments). Raises `Conflict` if the
        request moved on meanwhile.

        With `release_supporter`, the same transaction gives that supporter's slot back (and, with
        `debrief`, records on the supporter that they asked for a debrief: nothing of it on the request).
        """
        update: Any = transition_update(self.requests_table, request_id, **kwargs)
        try:
            if release_supporter is None:
                self.client.update_item(**update)
                return
            debrief_at = str(kwargs["at"]) if debrief else None
            release: Any = release_slot_update(self.supporters_table, release_supporter, debrief_at)
            self.client.transact_write_items(TransactItems=[{"Update": update}, {"Update": release}])
        except ClientError as error:
            codes = cancellation_codes(error)
            if is_conditional_failure(error) or codes[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("request changed") from None
            if codes[1:2] != ["ConditionalCheckFailed"]:
                raise
            # The supporter left the roster or has no open case on record: the request still moves on.
            logger.warning(
                "slot not released", extra={"reference": request_id, "supporter_id": release_supporter}
            )
            self.move(request_id, **kwargs)

    def assign(
        self, request_id: str, version: int, supporter_id: str, at: str, set_values: dict[str, Any]
    ) -> None:
        """Request `pending_match → matched` and the supporter's open cases + 1, in one transaction.

        Raises `SupporterFull` if the supporter has no slot left, `Conflict` if the request moved on.
        """
        request_update: Any = transition_update(
            self.requests_table,
            request_id,
            version=version,
            current=Status.PENDING_MATCH,
            event="matched",
            at=at,
            set_values={"supporter_id": supporter_id, "matched_at": at, **set_values},
        )
        supporter_update: Any = take_slot_update(self.supporters_table, supporter_id, at)
        try:
            self.client.transact_write_items(
                TransactItems=[{"Update": request_update}, {"Update": supporter_update}]
            )
        except ClientError as error:
            codes = cancellation_codes(error)
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise Conflict("request changed") from None
            if codes[1:2] == ["ConditionalCheckFailed"]:
                raise SupporterFull(supporter_id) from None
            raise

    def note(self, request_id: str, at: str, event: str, by: str, **detail: Any) -> None:
        """Append a history entry that is not a change of state (an undeliverable email): no version
        bump, so nobody is told about it."""
        try:
            self.client.update_item(
                TableName=self.requests_table,
                Key={"request_id": {"S": request_id}},
                UpdateExpression="SET #history = list_append(#history, :entry)",
                ConditionExpression="attribute_exists(request_id)",
                ExpressionAttributeNames={"#history": "history"},
                ExpressionAttributeValues={":entry": {"L": [history_entry(at, event, by, **detail)]}},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise NotFound(request_id) from None
            raise

    def note_view(self, request_id: str, at: datetime, by: str, holder: str, **detail: Any) -> bool:
        """Append a `viewed` entry, unless the same holder's view is already recorded for this
        VIEW_WINDOW or the history is full: reloading a page must not grow the item towards DynamoDB's
        400 KB limit, past which no change of state could be written. False when nothing was added."""
        window = f"{holder}@{int(at.timestamp()) // int(VIEW_WINDOW.total_seconds())}"
        try:
            self.client.update_item(
                TableName=self.requests_table,
                Key={"request_id": {"S": request_id}},
                UpdateExpression="SET #history = list_append(#history, :entry), last_view = :window",
                ConditionExpression=(
                    "attribute_exists(request_id) AND size(#history) < :most"
                    " AND (attribute_not_exists(last_view) OR last_view <> :window)"
                ),
                ExpressionAttributeNames={"#history": "history"},
                ExpressionAttributeValues={
                    ":entry": {"L": [history_entry(clock.iso(at), "viewed", by, **detail)]},
                    ":window": {"S": window},
                    ":most": {"N": str(MAX_HISTORY)},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            if "Item" not in error.response:
                raise NotFound(request_id) from None
            return False
        return True
