"""Which emails a committed change calls for, decided from the stream's old and new images.

The table is the source of truth and its stream the outbox: nothing here writes state first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peer_support.models import Kind, Status

# The events (the `last_event` a transition stores) that someone hears about.
EMAIL_EVENTS = (
    "submitted",
    "matched",
    "needs_admin",
    "declined",
    "reassigned",
    "withdrawn",
    "cancelled",
    "contact_reminder",
    "contact_overdue",
    "consent_reminder",
    "needs_admin_reminder",
)


@dataclass(frozen=True)
class Notice:
    """One email to one recipient. `holder` says whose link it carries."""

    kind: str
    role: str  # requester | colleague | supporter | admin: who it is for, never their address
    context: dict[str, Any] = field(default_factory=dict)
    supporter_id: str | None = None  # for supporter notices: whose address to look up


def _changed(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    return old is None or int(old.get("version", 0)) != int(new.get("version", 0))


def person_role(item: dict[str, Any]) -> str:
    """Who is being supported: the requester, or for a referral the colleague."""
    return "colleague" if item.get("kind") == Kind.COLLEAGUE else "requester"


def notices_for(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    """The emails this change calls for. A change that is not a new version calls for none."""
    if not _changed(old, new):
        return []
    event = new.get("last_event", "submitted") if old is not None else "submitted"
    urgent = bool(new.get("urgent"))
    if event == "submitted":
        if new.get("kind") == Kind.COLLEAGUE:
            return [
                Notice("referral_received", "requester"),
                Notice("consent_needed", "admin", {"urgent": urgent}),
            ]
        notices = [Notice("request_received", "requester", {"urgent": urgent})]
        return [*notices, Notice("urgent_request", "admin")] if urgent else notices
    if event == "matched":
        notices = [Notice("assigned", "supporter", {"urgent": urgent}, supporter_id=new["supporter_id"])]
        # After a re-match the person hears again only if their contact deadline moved.
        if (old or {}).get("contact_due_at") != new.get("contact_due_at"):
            notices.append(
                Notice("matched", person_role(new), {"referred": new.get("kind") == Kind.COLLEAGUE})
            )
        return notices
    if event == "needs_admin":
        return [Notice("needs_admin", "admin", {"left_out": dict(new.get("left_out") or {})})]
    if event in ("declined", "reassigned", "withdrawn", "cancelled"):
        notices = []
        previous = (old or {}).get("supporter_id")
        if previous and (old or {}).get("status") in (Status.MATCHED, Status.CONTACTED):
            notices.append(Notice("case_moved", "supporter", {"reason": event}, supporter_id=previous))
        if event == "reassigned":  # the contact deadline passed and the case went to someone else
            notices.append(Notice("contact_overdue", "admin", {"reassigned": True}))
        return notices
    if event == "contact_reminder":
        return [Notice("contact_reminder", "supporter", supporter_id=new.get("supporter_id"))]
    if event == "contact_overdue":
        return [Notice("contact_overdue", "admin", {"reassigned": False})]
    if event in ("consent_reminder", "needs_admin_reminder"):
        return [Notice(event, "admin")]
    return []
