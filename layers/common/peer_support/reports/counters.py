"""Anonymous counters in their own table: a count by name and period, never a reference or a person.
The surge check counts new requests by the hour here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from peer_support.core.dynamodb import UsesDynamoDB, from_item, is_conditional_failure

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class Counters(UsesDynamoDB):
    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    @staticmethod
    def _key(counter: str, period: str) -> dict[str, Any]:
        return {"counter": {"S": counter}, "period": {"S": period}}

    def add(self, counter: str, period: str, expires_at: int) -> int:
        """One more for `counter` in `period`; returns the count with it. Kept until `expires_at`."""
        response = self.client.update_item(
            TableName=self.table,
            Key=self._key(counter, period),
            UpdateExpression="ADD #count :one SET expires_at = if_not_exists(expires_at, :expires)",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":expires": {"N": str(expires_at)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["count"]["N"])

    def get(self, counter: str, period: str) -> dict[str, Any] | None:
        response = self.client.get_item(TableName=self.table, Key=self._key(counter, period))
        return from_item(response["Item"]) if "Item" in response else None

    def mark(self, counter: str, period: str, flag: str) -> bool:
        """Set `flag` on the period's counter, once: True for the one call that set it."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(counter, period),
                UpdateExpression="SET #flag = :true",
                ConditionExpression="attribute_not_exists(#flag)",
                ExpressionAttributeNames={"#flag": flag},
                ExpressionAttributeValues={":true": {"BOOL": True}},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True
