"""Which notices a committed change to a request calls for, decided from the stream's old and new
images. Pure: the table is the source of truth and its stream the outbox, so nothing here writes state.

Roles: requester | colleague | supporter | admin (who a notice is for, never their address).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peer_support.notifications.notice import Notice
from peer_support.requests.models import Kind, Status
from peer_support.requests.states import HELD


def _changed(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    return old is None or int(old.get("version", 0)) != int(new.get("version", 0))


def person_role(item: dict[str, Any]) -> str:
    """Who is being supported: the requester, or for a referral or a reach-in the colleague."""
    return "colleague" if item.get("kind") in (Kind.COLLEAGUE, Kind.REACH_IN) else "requester"


def _invited(new: dict[str, Any], kind: str) -> Notice:
    """The invitation (or its reminder) to the physician, naming the referrer only if they allowed it."""
    referrer = (new.get("requester") or {}).get("name") if new.get("share_referrer_name") else None
    return Notice(kind, "colleague", {"referrer_name": referrer} if referrer else {})


def _submitted(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    urgent = bool(new.get("urgent"))
    if new.get("kind") == Kind.REACH_IN:
        # The referrer hears this once, and never what the physician answers.
        named = {"share_referrer_name": bool(new.get("share_referrer_name"))}
        return [_invited(new, "invitation"), Notice("invitation_sent", "requester", named)]
    if new.get("kind") == Kind.COLLEAGUE:
        return [
            Notice("referral_received", "requester"),
            Notice("consent_needed", "admin", {"urgent": urgent}),
        ]
    if new.get("status") == Status.PENDING_CONFIRMATION:
        # Held in a surge: the person is asked to confirm; the administrators hear once, when it begins,
        # and of an urgent request only once its sender has confirmed it.
        notices = [Notice("request_received", "requester", {"urgent": urgent, "confirm": True})]
        return [*notices, Notice("surge_started", "admin")] if new.get("surge_alert") else notices
    notices = [Notice("request_received", "requester", {"urgent": urgent})]
    return [*notices, Notice("urgent_request", "admin")] if urgent else notices


def _submitted_again(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    """The person asked again while their request was open: their reference, once more (no one else).
    A reach-in's referrer is not told again: one confirmation that the invitation went, no more."""
    if new.get("kind") == Kind.REACH_IN:
        return []
    if new.get("kind") == Kind.COLLEAGUE:
        return [Notice("referral_received", "requester", {"again": True})]
    confirm = new.get("status") == Status.PENDING_CONFIRMATION
    urgent = bool(new.get("urgent"))
    return [Notice("request_received", "requester", {"urgent": urgent, "again": True, "confirm": confirm})]


def _since_last_match(new: dict[str, Any]) -> list[str]:
    """The events before this change, back to the request's previous match (or its start)."""
    earlier = [str(entry.get("event")) for entry in (new.get("history") or [])[:-1]]
    if "matched" in earlier:
        earlier = earlier[len(earlier) - earlier[::-1].index("matched") :]
    return earlier


def _matched(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    notices = [
        Notice("assigned", "supporter", {"urgent": bool(new.get("urgent"))}, holder=new["supporter_id"])
    ]
    # After a re-match the person hears again only if their contact deadline moved, and then that a
    # different Peer Supporter will reach out (one who had it declined or let the deadline pass).
    if (old or {}).get("contact_due_at") != new.get("contact_due_at"):
        context = {
            "referred": new.get("kind") in (Kind.COLLEAGUE, Kind.REACH_IN),
            "again": bool(new.get("excluded_supporters")),
            "waited": "needs_admin" in _since_last_match(new),  # they were told it was taking longer
        }
        notices.append(Notice("matched", person_role(new), context))
    if new.get("urgent") and new.get("on_call_fallback"):
        notices.append(Notice("nobody_on_call", "admin"))
    return notices


def _needs_admin(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    notices = [Notice("needs_admin", "admin", {"left_out": dict(new.get("left_out") or {})})]
    # The person hears once that it is taking longer: not again until a Peer Supporter was found.
    if "needs_admin" not in _since_last_match(new):
        notices.append(Notice("match_delayed", person_role(new)))
    return notices


def _moved_on(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    """The case left its supporter: declined, reassigned, withdrawn or cancelled."""
    event = new["last_event"]
    notices = []
    previous = (old or {}).get("supporter_id")
    if previous and (old or {}).get("status") in HELD:
        notices.append(Notice("case_moved", "supporter", {"reason": event}, holder=previous))
    if event == "reassigned":  # the contact deadline passed and the case went to someone else
        notices.append(Notice("contact_overdue", "admin", {"reassigned": True}))
    return notices


Rule = Callable[[dict[str, Any] | None, dict[str, Any]], list[Notice]]

# Each event (the `last_event` a change stores) and the notices it calls for.
RULES: dict[str, Rule] = {
    "submitted": _submitted,
    "submitted_again": _submitted_again,
    "request_confirmed": lambda old, new: [Notice("urgent_request", "admin")] if new.get("urgent") else [],
    "matched": _matched,
    "needs_admin": _needs_admin,
    "declined": _moved_on,
    "reassigned": _moved_on,
    "withdrawn": _moved_on,
    "cancelled": _moved_on,
    "contact_reminder": lambda old, new: [
        Notice("contact_reminder", "supporter", holder=new.get("supporter_id"))
    ],
    "contact_overdue": lambda old, new: [Notice("contact_overdue", "admin", {"reassigned": False})],
    "consent_reminder": lambda old, new: [Notice("consent_reminder", "admin")],
    "needs_admin_reminder": lambda old, new: [Notice("needs_admin_reminder", "admin")],
    "invitation_reminder": lambda old, new: [_invited(new, "invitation_reminder")],
    # Sent from the old image's address: the same change deleted it (see `reach_in.addressed`).
    "invitation_declined": lambda old, new: [Notice("invitation_declined", "colleague")],
    # One check-in to the person supported, after closing: how they are, talk again, feedback.
    "checked_in": lambda old, new: [Notice("check_in", person_role(new))],
}


def notices_for(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    """The notices this change calls for. A change that is not a new version calls for none."""
    if not _changed(old, new):
        return []
    event = new.get("last_event", "submitted") if old is not None else "submitted"
    rule = RULES.get(event)
    return rule(old, new) if rule else []
