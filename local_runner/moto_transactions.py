"""Makes moto's `TransactWriteItems` cost what the transaction touches, not what its tables hold.

To roll back a cancelled transaction, moto 5.2 keeps a deep copy of every table the transaction names,
every stream record ever written included. Each transaction then costs time in proportion to all that
was ever written, and under a few hundred requests the local stack's matching slows to a crawl (each
match is one transaction). Installed in the local stack only, this keeps instead what a rollback
restores: the items the transaction names, and how long each table's stream was.
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_state = threading.local()

# (table, hash key, range key) → the item before the transaction (None: there was none)
Saved = dict[tuple[Table, DynamoType, DynamoType | None], Item | None]


def install() -> None:
    """Swap in the narrow rollback copy, once per process."""
    if getattr(DynamoDBBackend.transact_write_items, "narrow_rollback", False):
        return
    original = DynamoDBBackend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        items, streams = _save(self, transact_items)
        _state.sharing = True  # moto's own whole-table copies become the tables themselves
        try:
            original(self, transact_items)
        except Exception:
            _restore(items, streams)
            raise
        finally:
            _state.sharing = False

    transact_write_items.narrow_rollback = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]


def uninstall() -> None:
    """Put moto's own rollback back (tests that install it for a while)."""
    current = DynamoDBBackend.transact_write_items
    if getattr(current, "narrow_rollback", False):
        DynamoDBBackend.transact_write_items = current.__wrapped__  # type: ignore[attr-defined,method-assign]
        del Table.__deepcopy__  # type: ignore[attr-defined]


def _table_deepcopy(self: Table, memo: dict[int, Any]) -> Any:
    if getattr(_state, "sharing", False):
        return self
    # Anywhere else, the copy Python would have made.
    clone = Table.__new__(Table)
    memo[id(self)] = clone
    clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return clone


def _save(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> tuple[Saved, dict[Table, int]]:
    items: Saved = {}
    streams: dict[Table, int] = {}
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName", ""))
            attributes = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not isinstance(attributes, dict):
                continue
            try:
                hash_key = DynamoType(attributes[table.hash_key_attr])
                range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
            except KeyError:
                continue  # moto refuses the transaction before writing anything
            current = table.get_item(hash_key, range_key)
            items[(table, hash_key, range_key)] = copy.deepcopy(current)
            if table.stream_shard is not None:
                streams.setdefault(table, len(table.stream_shard.items))
    return items, streams


def _restore(items: Saved, streams: dict[Table, int]) -> None:
    for (table, hash_key, range_key), item in items.items():
        holder: dict[Any, Any] = table.items[hash_key] if range_key is not None else table.items
        key = range_key if range_key is not None else hash_key
        if item is None:
            holder.pop(key, None)
        else:
            holder[key] = item
    for table, length in streams.items():
        if table.stream_shard is not None:
            del table.stream_shard.items[length:]
