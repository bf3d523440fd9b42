"""A supporter's open cases, as the supporter's half of another context's transaction: assigning a
request takes a slot, and closing, declining, withdrawing or reassigning gives it back."""

from __future__ import annotations

from typing import Any

from peer_support.core.errors import Conflict


class SupporterFull(Conflict):
    """The supporter's last free slot went to someone else first."""


def take_slot_update(table: str, supporter_id: str, at: str) -> dict[str, Any]:
    """One open case more for an active supporter who has not paused, only while below both their
    `max_open` (the administrator's cap) and their own choice (`own_max_open`), if they made one."""
    return {
        "TableName": table,
        "Key": {"supporter_id": {"S": supporter_id}},
        "UpdateExpression": "SET open_count = open_count + :one, last_assigned_at = :at",
        "ConditionExpression": (
            "open_count < max_open AND active = :true"
            " AND (attribute_not_exists(own_max_open) OR open_count < own_max_open)"
            " AND (attribute_not_exists(paused) OR paused = :false)"
        ),
        "ExpressionAttributeValues": {
            ":one": {"N": "1"},
            ":at": {"S": at},
            ":true": {"BOOL": True},
            ":false": {"BOOL": False},
        },
    }


def release_slot_update(table: str, supporter_id: str, debrief_at: str | None = None) -> dict[str, Any]:
    """One open case fewer for the supporter: never below zero, never for someone off the roster.

    With `debrief_at`, the supporter asked for a debrief on closing the case: recorded on the supporter,
    never with the case, and the Supporters table's stream tells the administrators who to call."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": {"supporter_id": {"S": supporter_id}},
        "UpdateExpression": "SET open_count = open_count - :one",
        "ConditionExpression": "attribute_exists(supporter_id) AND open_count > :zero",
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
    }
    if debrief_at is not None:
        update["UpdateExpression"] += (
            ", debrief_requested_at = :at, last_event = :debrief,"
            " #version = if_not_exists(#version, :zero) + :one"
        )
        update["ExpressionAttributeNames"] = {"#version": "version"}
        update["ExpressionAttributeValues"].update(
            {":at": {"S": debrief_at}, ":debrief": {"S": "debrief_requested"}}
        )
    return update
