"""Which emails a committed change to the group's table calls for, decided from the stream's old and
new images. Pure: the table is the source of truth and its stream the outbox.

Roles: registrant | facilitator | admin (who a notice is for, never their address)."""

from __future__ import annotations

from typing import Any

from peer_support.group.models import KIND_REGISTRATION, KIND_SESSION, REMINDER_DUE, REMINDER_SENT
from peer_support.notifications.notice import Notice

# Each registration event, and what the registrant hears (nothing when they gave the place up
# themselves: the page they used already said so).
REGISTRANT_EMAILS = {
    "registered": "group_registered",
    "waitlisted": "group_waitlisted",
    "promoted": "group_promoted",
}
FACILITATOR_EVENTS = ("registered", "waitlisted", "promoted", "cancelled")
# Registering again: the email of the place (or the waitlist place) held comes again; nothing changed for
# the facilitator.
RESENT = {"registered": "group_registered", "waitlisted": "group_waitlisted"}


def notices_for(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    """The emails a change to a registration calls for. A change that is no new version calls for none."""
    if new.get("kind") != KIND_REGISTRATION:
        return []
    if old is not None and int(old.get("version", 0)) == int(new.get("version", 0)):
        return []
    event = str(new.get("last_event", ""))
    notices = []
    if event in REGISTRANT_EMAILS:
        notices.append(Notice(REGISTRANT_EMAILS[event], "registrant"))
    elif event == "resent" and new.get("status") in RESENT:
        notices.append(Notice(RESENT[str(new["status"])], "registrant"))
    if event in FACILITATOR_EVENTS:
        if event == "cancelled" and (old or {}).get("status") == "waitlisted":
            event = "left_waitlist"
        notices.append(Notice("group_facilitator", "facilitator", {"event": event}))
    return notices


def reminder_taken(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether this change is a session's reminder step: everyone holding a place is to be reminded."""
    return (
        new.get("kind") == KIND_SESSION
        and new.get("reminder") == REMINDER_SENT
        and (old or {}).get("reminder") == REMINDER_DUE
    )
