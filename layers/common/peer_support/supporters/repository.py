"""The Peer Supporter roster in its own table: read for matching and addressing, written by the roster
import. Each supporter's count of open cases is kept by the assignment transactions (`slots`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peer_support.core.dynamodb import TRANSACTION_LIMIT, Update, UsesDynamoDB, from_item

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
        update = Update()
        for key, value in entry.model_dump(mode="json", exclude={"supporter_id"}).items():
            # Cleared answers (no phone, no away date) are removed rather than stored as nulls.
            if value is None:
                update.remove(key)
            else:
                update.set(key, value)
        count = update.name("open_count")
        update.assign(f"{count} = if_not_exists({count}, {update.value('zero', 0)})")
        return update.request(self.table, {"supporter_id": {"S": entry.supporter_id}})

    def remove(self, supporter_ids: list[str]) -> None:
        for supporter_id in supporter_ids:
            self.client.delete_item(TableName=self.table, Key={"supporter_id": {"S": supporter_id}})
