"""The records Powertools idempotency keeps of every email sent, named as the code named them before the
package was laid out by context: a record written then must still be found now, or every email of a
request in flight at the upgrade would be sent again."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import boto3

# How the records were named before the move, with the function name Lambda gives outside AWS.
REQUEST_EMAILS = "test-func.peer_support.delivery._deliver"
GROUP_EMAILS = "test-func.peer_support.group_delivery._deliver"


def record_id(name: str, key: list[Any]) -> str:
    """`<function>.<module>.<function name>#<sha256 of the key as JSON>`, as Powertools names a record."""
    return f"{name}#{hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()}"


def remember_sent(table: str, name: str, key: list[Any]) -> None:
    """Store the record of an email sent, as the code before the move stored it."""
    boto3.client("dynamodb").put_item(
        TableName=table,
        Item={
            "id": {"S": record_id(name, key)},
            "expiration": {"N": str(int(time.time()) + 3600)},
            "status": {"S": "COMPLETED"},
            "data": {"S": json.dumps({"status": "sent", "message_id": "sent-before-the-move"})},
        },
    )


def remembered_ids(table: str) -> set[str]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return {item["id"]["S"] for page in pages for item in page["Items"]}
