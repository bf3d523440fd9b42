"""Giving a supporter's slot back (decline, close, withdraw, reassign)."""

from __future__ import annotations

from typing import Any

from peer_support.models import RosterEntry
from peer_support.repository import SupportersRepository


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

    repository.release_slot("s1")
    assert [s.open_count for s in repository.all()] == [1]
    repository.release_slot("s1")
    repository.release_slot("s1")  # a second release of the same slot must not go negative
    assert [s.open_count for s in repository.all()] == [0]
    repository.release_slot("gone")  # a supporter taken off the roster meanwhile
    assert [s.supporter_id for s in repository.all()] == ["s1"]
