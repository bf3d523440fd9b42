"""Giving a supporter's slot back (decline, close, withdraw, reassign): the supporter's half of a
request's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from peer_support.supporters.models import RosterEntry
from peer_support.supporters.repository import SupportersRepository
from peer_support.supporters.slots import release_slot_update


def test_release_slot_counts_down_and_never_below_zero(stack: Any) -> None:
    repository = SupportersRepository(stack.refs["SupportersTable"])
    repository.upsert(
        [RosterEntry(supporter_id="s1", name="Dr. One", email="one@example.org", modalities=["phone"])]
    )
    repository.client.update_item(
        TableName=repository.table,
        Key={"supporter_id": {"S": "s1"}},
        UpdateExpression="SET open_count = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )

    def release(supporter_id: str) -> None:
        repository.client.update_item(**release_slot_update(repository.table, supporter_id))

    release("s1")
    assert [s.open_count for s in repository.all()] == [1]
    release("s1")
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        release("s1")  # a second release of the same slot must not go negative
    assert [s.open_count for s in repository.all()] == [0]
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        release("gone")  # a supporter taken off the roster meanwhile: never created
    assert [s.supporter_id for s in repository.all()] == ["s1"]
