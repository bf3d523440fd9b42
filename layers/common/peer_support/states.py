"""The request state machine: which event moves a request from which state to which."""

from __future__ import annotations

from peer_support.models import Status

OPEN = frozenset(
    {Status.PENDING_CONSENT, Status.PENDING_MATCH, Status.MATCHED, Status.CONTACTED, Status.NEEDS_ADMIN}
)

# event → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "consent_confirmed": (frozenset({Status.PENDING_CONSENT}), Status.PENDING_MATCH),
    "matched": (frozenset({Status.PENDING_MATCH}), Status.MATCHED),
    "needs_admin": (frozenset({Status.PENDING_MATCH}), Status.NEEDS_ADMIN),
    "acknowledged": (frozenset({Status.MATCHED}), Status.CONTACTED),
    "declined": (frozenset({Status.MATCHED}), Status.PENDING_MATCH),
    "reassigned": (frozenset({Status.MATCHED}), Status.PENDING_MATCH),
    "closed": (frozenset({Status.CONTACTED}), Status.CLOSED),
    "withdrawn": (OPEN, Status.WITHDRAWN),
    "cancelled": (OPEN, Status.WITHDRAWN),
}


def transition(event: str, current: Status | str) -> Status | None:
    """The state `event` leads to from `current`, or None when it is not allowed there."""
    sources, target = TRANSITIONS[event]
    return target if Status(current) in sources else None
