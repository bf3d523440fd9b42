"""The request state machine, the one place that says it: every event that moves a request (or takes a
deadline step on it), the states it may start from, the state it leads to, and who may cause it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from peer_support.requests.models import Status

# Who causes an event: a link's holder (supporter, administrator, requester), or the system itself
# (matching, the deadline sweep).
Actor = Literal["supporter", "admin", "requester", "system"]

OPEN = frozenset(
    {
        Status.PENDING_CONFIRMATION,
        Status.PENDING_CONSENT,
        Status.PENDING_MATCH,
        Status.MATCHED,
        Status.CONTACTED,
        Status.NEEDS_ADMIN,
        Status.INVITED,
    }
)
# A supporter holds the case (and one of their slots) in these states.
HELD = frozenset({Status.MATCHED, Status.CONTACTED})


@dataclass(frozen=True)
class Move:
    sources: frozenset[Status]
    target: Status | None  # None: the request stays in whichever of `sources` it is in
    by: Actor


def _move(sources: set[Status] | frozenset[Status], target: Status | None, by: Actor) -> Move:
    return Move(frozenset(sources), target, by)


TRANSITIONS: dict[str, Move] = {
    # In a surge, a new self request waits until its sender confirms it from their email.
    "request_confirmed": _move({Status.PENDING_CONFIRMATION}, Status.PENDING_MATCH, "requester"),
    "confirmation_lapsed": _move({Status.PENDING_CONFIRMATION}, Status.WITHDRAWN, "system"),
    # The same person asked again while their request is open: the same request, told again.
    "submitted_again": _move(OPEN, None, "requester"),
    "consent_confirmed": _move({Status.PENDING_CONSENT}, Status.PENDING_MATCH, "admin"),
    "matched": _move({Status.PENDING_MATCH}, Status.MATCHED, "system"),
    "needs_admin": _move({Status.PENDING_MATCH}, Status.NEEDS_ADMIN, "system"),
    "acknowledged": _move({Status.MATCHED}, Status.CONTACTED, "supporter"),
    "declined": _move({Status.MATCHED}, Status.PENDING_MATCH, "supporter"),
    "reassigned": _move({Status.MATCHED}, Status.PENDING_MATCH, "system"),
    "closed": _move({Status.CONTACTED}, Status.CLOSED, "supporter"),
    # An invitation is answered yes or no, thank you (below), not withdrawn.
    "withdrawn": _move(OPEN - {Status.INVITED}, Status.WITHDRAWN, "requester"),
    "cancelled": _move(OPEN, Status.WITHDRAWN, "admin"),
    # After closing: one check-in to the person, who may ask to talk again (matched anew, the same
    # supporter first).
    "checked_in": _move({Status.CLOSED}, Status.CLOSED, "system"),
    "follow_up_requested": _move({Status.CLOSED}, Status.PENDING_MATCH, "requester"),
    # Deadline steps: the request stays where it is, and its next step is set (or its deadline ends).
    "contact_reminder": _move({Status.MATCHED}, Status.MATCHED, "system"),
    "contact_overdue": _move({Status.MATCHED}, Status.MATCHED, "system"),
    "consent_reminder": _move({Status.PENDING_CONSENT}, Status.PENDING_CONSENT, "system"),
    "needs_admin_reminder": _move({Status.NEEDS_ADMIN}, Status.NEEDS_ADMIN, "system"),
    # A reach-in: the physician invited answers from their email (the link's holder is the colleague),
    # or is reminded once, and the invitation lapses unanswered. Declined and lapsed keep no personal data.
    "invitation_accepted": _move({Status.INVITED}, Status.PENDING_MATCH, "requester"),
    "invitation_declined": _move({Status.INVITED}, Status.DECLINED_INVITATION, "requester"),
    "invitation_reminder": _move({Status.INVITED}, Status.INVITED, "system"),
    "invitation_lapsed": _move({Status.INVITED}, Status.INVITATION_LAPSED, "system"),
}

# The action a link's page posts, and the event it causes.
ACTIONS: dict[str, str] = {
    "confirm_request": "request_confirmed",
    "acknowledge": "acknowledged",
    "decline": "declined",
    "close": "closed",
    "confirm_consent": "consent_confirmed",
    "cancel": "cancelled",
    "withdraw": "withdrawn",
    "accept_invitation": "invitation_accepted",
    "decline_invitation": "invitation_declined",
    "talk_again": "follow_up_requested",
}


def transition(event: str, current: Status | str) -> Status | None:
    """The state `event` leads to from `current`, or None when it is not allowed there."""
    move = TRANSITIONS[event]
    if Status(current) not in move.sources:
        return None
    return Status(current) if move.target is None else move.target


def actions_of(actor: Actor) -> frozenset[str]:
    """The actions whose events `actor` may cause."""
    return frozenset(action for action, event in ACTIONS.items() if TRANSITIONS[event].by == actor)
