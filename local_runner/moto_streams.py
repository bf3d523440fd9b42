"""Makes moto's `GetRecords` answer cost what its records weigh as JSON, not a walk of the API's shapes.

moto 5.2 writes every answer out through its generic serializer, which visits each attribute of each
stream record's old and new images against the service model; under load that is a fifth of moto's CPU,
and every record is read by two pollers (`match`, `notify`) and any watcher. The records are kept in the
wire's own shape already, so this writes them as JSON directly, timestamps as epoch seconds (as the
JSON protocol sends them). Installed in the local stack's moto only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from moto.dynamodbstreams.responses import DynamoDBStreamsHandler


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000) / 1000  # to the millisecond, as moto's own writes it
    raise TypeError(type(value).__name__)


def get_records(self: DynamoDBStreamsHandler) -> str:
    limit = self._get_param("Limit")
    result = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
    return json.dumps(result, default=_plain)


_original = DynamoDBStreamsHandler.get_records


def install() -> None:
    """Swap in the direct `GetRecords`, once per process."""
    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[assignment,method-assign]


def uninstall() -> None:
    """Put moto's own back (tests that install it for a while)."""
    DynamoDBStreamsHandler.get_records = _original  # type: ignore[method-assign]
