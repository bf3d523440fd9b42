"""The Peer Supporter roster in its own table: read for matching and addressing, written by the roster
import. Each supporter's count of open cases is kept by the assignment transactions (`slots`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from peer_support.core.dynamodb import (
    TRANSACTION_LIMIT,
    Update,
    UsesDynamoDB,
    from_item,
    is_conditional_failure,
)
from peer_support.core.errors import Conflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from peer_support.supporters.models import RosterEntry, SupporterRecord


class SupportersRepository(UsesDynamoDB):
    """The Peer Supporter roster and each supporter's count of open cases."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    def all(self) -> list[SupporterRecord]:
        """Every supporter (the roster is small: tens, at most a few thousand)."""
        from peer_support.supporters.models import SupporterRecord  # pydantic only where the roster is read

        records: list[SupporterRecord] = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table, ConsistentRead=True):
            records.extend(SupporterRecord.model_validate(from_item(item)) for item in page["Items"])
        return records

    def find(self, supporter_id: str) -> SupporterRecord | None:
        from peer_support.supporters.models import SupporterRecord

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
        from peer_support.supporters.models import given_by_roster  # the entries are models already

        update = Update()
        # What the roster leaves blank of what a supporter sets for themself stays as they set it.
        given = given_by_roster(entry)
        for key, value in entry.model_dump(mode="json", include=given - {"supporter_id"}).items():
            # Cleared answers (no phone, no away date) are removed rather than stored as nulls.
            if value is None:
                update.remove(key)
            else:
                update.set(key, value)
        count = update.name("open_count")
        zero = update.value("zero", 0)
        update.assign(f"{count} = if_not_exists({count}, {zero})")
        version = update.name("version")
        update.assign(f"{version} = if_not_exists({version}, {zero}) + {update.value('one', 1)}")
        update.set("last_event", "roster_imported")
        return update.request(self.table, {"supporter_id": {"S": entry.supporter_id}})

    def save_own(self, supporter_id: str, version: int, values: dict[str, Any], changed: list[str]) -> None:
        """What a supporter set on their own page, as one write guarded by the version they saw: a page
        saved twice from the same version is refused the second time (`Conflict`), nothing merged."""
        update = Update()
        for key, value in values.items():
            if value is None:
                update.remove(key)
            else:
                update.set(key, value)
        update.set("version", version + 1).set("last_event", "availability_changed")
        update.set("changed", changed)
        seen = update.value("seen", version)
        condition = f"attribute_exists(supporter_id) AND {update.name('version')} = {seen}"
        if version == 0:  # stored before versions were kept
            condition = (
                f"attribute_exists(supporter_id) AND (attribute_not_exists(#version) OR #version = {seen})"
            )
        self._conditional(update.request(self.table, {"supporter_id": {"S": supporter_id}}, condition))

    def mark_training_reminder(self, supporter_id: str, trained_until: str) -> bool:
        """Record that the reminder for this `trained_until` is due; False if it was recorded already (or
        the date changed meanwhile). The table's stream sends the reminder, once."""
        update = Update().set("training_reminded_for", trained_until).set("last_event", "training_reminder")
        version = update.name("version")
        update.assign(
            f"{version} = if_not_exists({version}, {update.value('zero', 0)}) + {update.value('one', 1)}"
        )
        reminded = update.name("training_reminded_for")
        due = update.value("due", trained_until)
        condition = (
            f"{update.name('trained_until')} = {due}"
            f" AND (attribute_not_exists({reminded}) OR {reminded} <> {due})"
        )
        try:
            self._conditional(update.request(self.table, {"supporter_id": {"S": supporter_id}}, condition))
        except Conflict:
            return False
        return True

    def _conditional(self, request: Any) -> None:
        try:
            self.client.update_item(**request)
        except ClientError as error:
            if is_conditional_failure(error):
                raise Conflict("supporter changed") from None
            raise

    def remove(self, supporter_ids: list[str]) -> None:
        for supporter_id in supporter_ids:
            self.client.delete_item(TableName=self.table, Key={"supporter_id": {"S": supporter_id}})
