"""A supporter's open cases, as the supporter's half of another context's transaction: assigning a
request takes a slot, and closing, declining, withdrawing or reassigning gives it back."""

from __future__ import annotations

from typing import Any

from peer_support.core.errors import Conflict


class SupporterFull(Conflict):
    """The supporter's last free slot went to someone else first."""


def take_slot_update(table: str, supporter_id: str, at: str) -> dict[str, Any]:
    """One open case more for an active supporter, only while below their `max_open`."""
    return {
        "TableName": table,
        "Key": {"supporter_id": {"S": supporter_id}},
        "UpdateExpression": "SET open_count = open_count + :one, last_assigned_at = :at",
        "ConditionExpression": "open_count < max_open AND active = :true",
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":at": {"S": at}, ":true": {"BOOL": True}},
    }


def release_slot_update(table: str, supporter_id: str) -> dict[str, Any]:
    """One open case fewer for the supporter: never below zero, never for someone off the roster."""
    return {
        "TableName": table,
        "Key": {"supporter_id": {"S": supporter_id}},
        "UpdateExpression": "SET open_count = open_count - :one",
        "ConditionExpression": "attribute_exists(supporter_id) AND open_count > :zero",
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
    }
