"""A notice: one message of one kind to whoever holds one role. Each context's pure notice functions
decide, from a committed change, which notices it calls for; `delivery` turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    """`role` says who it is for, never their address; `holder` which one of the role, where the item
    itself does not say (a supporter's id)."""

    kind: str
    role: str
    context: dict[str, Any] = field(default_factory=dict)
    holder: str | None = None
