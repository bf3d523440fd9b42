"""The BIPOC Physician Peer Support Group's models: the registration form, what the API answers, the
kinds and steps of the group's items, and what can go wrong."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, EmailStr, Field

from peer_support.core.errors import Conflict
from peer_support.core.fields import Input, Line, Model

SESSION_ITEM = "session"  # the sort key of a session's own item: its counters and its reminder
KIND_SESSION = "session"
KIND_REGISTRATION = "registration"

# The `reminder` attribute of a session's item, which the sparse `reminders-due` index is keyed on.
REMINDER_DUE = "due"
REMINDER_SENT = "sent"
REMINDER_MISSED = "missed"  # the sweep came only after the session began: nobody is reminded of the past
REMINDER_NOT_NEEDED = "not_needed"  # the first registration came after noon on the day

# A registration's copy of its session's numbers just after its own change: what the facilitator is told.
COUNTS_FIELD = "session_counts"

# A place is offered in this order: who joined the waitlist first (then by reference, for a tie).
WAITLIST_FIELD = "waitlist_at"


class GroupStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class GroupRegistrationForm(Input):
    """A registration for the group's next session, as the form and the JSON API send it.

    `identifies_as_bipoc` and `practices_in_bc` are answers, not switches: a "no" is told kindly
    where else to turn (422 `not_eligible`), and nothing is stored.
    """

    name: Line
    email: EmailStr = Field(max_length=254)
    identifies_as_bipoc: bool
    practices_in_bc: bool


class GroupReceipt(Model):
    """What the API answers once a registration is stored (or found again for the same person)."""

    reference: str = Field(examples=["GR-7K3M-9QXD"])
    status: Literal["registered", "waitlisted"]
    session_start: str = Field(
        examples=["2026-03-09T19:15:00-07:00"],
        description="The session's start, ISO-8601 in Pacific time with its offset",
    )


class GroupCancelForm(Model):
    """What the page behind a registration's link posts: giving up the place."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    action: Literal["cancel"]


class GroupCancelled(Model):
    """What the API answers once a place is given up."""

    reference: str
    status: Literal["cancelled"]


class AlreadyRegistered(Conflict):
    """This person already holds a place, or a place on the waitlist, for this session (`current`)."""


@dataclass(frozen=True)
class SessionCounts:
    """A session's places taken and people waiting, as its own item holds them."""

    registered: int = 0
    waitlisted: int = 0

    @classmethod
    def of(cls, item: dict[str, Any] | None) -> SessionCounts | None:
        """The counts a session's item holds; None before anyone has registered."""
        if not item or "registered_count" not in item:
            return None
        return cls(int(item["registered_count"]), int(item.get("waitlisted_count", 0)))

    def plus_one(self, waitlisted: bool) -> SessionCounts:
        """The counts with one more holding a place, or one more waiting."""
        if waitlisted:
            return SessionCounts(self.registered, self.waitlisted + 1)
        return SessionCounts(self.registered + 1, self.waitlisted)

    def stored(self) -> dict[str, int]:
        """As a registration keeps them: the session's numbers just after that registration's change."""
        return {"registered": self.registered, "waitlisted": self.waitlisted}


class CountsMoved(Conflict):
    """Someone else took or gave up a place meanwhile: `counts` are the session's numbers now."""

    def __init__(self, counts: SessionCounts | None) -> None:
        super().__init__("session counts moved")
        self.counts = counts


class SessionStarted(Conflict):
    """The session has begun: its places can no longer be given up or handed on."""
