"""The program's monthly counts: one item per month in the Counters table (`counter` = `month`,
`period` = `YYYY-MM`), one number attribute per measure. Nothing else is kept there: no reference, no
person, no time finer than the month.

A stream record is counted exactly once: the counts and a marker go in one transaction, and the marker
(in the Idempotency table, named by a keyed hash of what was counted, kept a week) refuses the second.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from peer_support.core.dynamodb import UsesDynamoDB, cancellation_codes, from_item, is_conditional_failure

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MONTH = "month"
# Longer than a stream record can be retried (24 hours), so a redelivery always finds its marker.
MARKER_SECONDS = 7 * 24 * 3600


def keyed_marker(key: bytes, purpose: str, *parts: object) -> str:
    """A marker's name: `<purpose>#<HMAC-SHA256 of the parts>`. Without the key, it names nothing."""
    message = "|".join(str(part) for part in parts).encode()
    digest = hmac.new(key, purpose.encode() + b":" + message, hashlib.sha256).hexdigest()
    return f"{purpose}#{digest}"


def _add_update(table: str, month: str, tally: dict[str, int]) -> dict[str, Any]:
    names = {f"#m{i}": measure for i, measure in enumerate(sorted(tally))}
    values = {f":m{i}": {"N": str(tally[measure])} for i, measure in enumerate(sorted(tally))}
    return {
        "TableName": table,
        "Key": {"counter": {"S": MONTH}, "period": {"S": month}},
        "UpdateExpression": "ADD " + ", ".join(f"{name} {name.replace('#', ':')}" for name in names),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


class MonthlyCounters(UsesDynamoDB):
    def __init__(self, counters_table: str, markers_table: str, client: DynamoDBClient | None = None) -> None:
        self.counters_table = counters_table
        self.markers_table = markers_table
        self._client = client

    def count_once(self, marker: str, month: str, tally: dict[str, int], now: int) -> bool:
        """Add `tally` to `month` unless `marker` was counted before; True when it was added now."""
        tally = {measure: count for measure, count in tally.items() if count}
        if not tally:
            return False
        put: Any = {
            "TableName": self.markers_table,
            "Item": {"id": {"S": marker}, "expiration": {"N": str(now + MARKER_SECONDS)}},
            "ConditionExpression": "attribute_not_exists(id)",
        }
        update: Any = _add_update(self.counters_table, month, tally)
        try:
            self.client.transact_write_items(TransactItems=[{"Put": put}, {"Update": update}])
        except ClientError as error:
            if cancellation_codes(error)[:1] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    def spend(self, marker: str, expires: int) -> bool:
        """Record `marker` as used until `expires` (epoch seconds); False when it was used already."""
        try:
            self.client.put_item(
                TableName=self.markers_table,
                Item={"id": {"S": marker}, "expiration": {"N": str(expires)}},
                ConditionExpression="attribute_not_exists(id)",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def add(self, month: str, tally: dict[str, int]) -> None:
        """Add `tally` to `month` (an answer already made single-use by `spend`)."""
        tally = {measure: count for measure, count in tally.items() if count}
        if tally:
            update: Any = _add_update(self.counters_table, month, tally)
            self.client.update_item(**update)

    def months(self, months: Iterable[str]) -> dict[str, dict[str, int]]:
        """The counts of each month asked for (a month nobody counted in: no counts)."""
        wanted = list(months)
        found: dict[str, dict[str, int]] = {month: {} for month in wanted}
        keys = [{"counter": {"S": MONTH}, "period": {"S": month}} for month in wanted]
        for start in range(0, len(keys), 100):
            pending: Any = {self.counters_table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
            while pending:
                response = self.client.batch_get_item(RequestItems=pending)
                for item in response["Responses"].get(self.counters_table, []):
                    plain = from_item(item)
                    month = plain.pop("period")
                    found[month] = {
                        measure: int(value) for measure, value in plain.items() if measure != "counter"
                    }
                pending = response.get("UnprocessedKeys") or None
        return found
