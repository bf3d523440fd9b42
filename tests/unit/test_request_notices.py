"""Which notices a committed change to a request calls for (pure: stream images in, notices out)."""

from __future__ import annotations

from typing import Any

from peer_support.notifications.notice import Notice
from peer_support.requests.notices import notices_for


def image(version: int, status: str, last_event: str, *events: str, **attributes: Any) -> dict[str, Any]:
    """A request as the stream shows it, its history holding `events` in order."""
    history = [{"at": "2026-11-26T18:00:00Z", "event": e, "by": "system"} for e in events]
    return {
        "request_id": "PS-7K3M-9QXD",
        "kind": "self",
        "version": version,
        "status": status,
        "last_event": last_event,
        "history": history,
        **attributes,
    }


def to_person(notices: list[Notice]) -> list[Notice]:
    return [n for n in notices if n.role in ("requester", "colleague")]


FIRST_DUE = {"supporter_id": "s1", "contact_due_at": "2026-12-01T01:00:00Z"}


def test_the_first_match_tells_the_person_plainly() -> None:
    old = image(1, "pending_match", "submitted", "submitted")
    new = image(2, "matched", "matched", "submitted", "matched", **FIRST_DUE)
    assert to_person(notices_for(old, new)) == [
        Notice("matched", "requester", {"referred": False, "again": False, "waited": False})
    ]


def test_a_match_after_a_reassignment_says_a_different_supporter_will_reach_out() -> None:
    events = ("submitted", "matched", "contact_reminder", "reassigned")
    old = image(4, "pending_match", "reassigned", *events, excluded_supporters=["s1"], **FIRST_DUE)
    new = image(
        5,
        "matched",
        "matched",
        *events,
        "matched",
        excluded_supporters=["s1"],
        supporter_id="s2",
        contact_due_at="2026-12-03T01:00:00Z",
    )
    assert to_person(notices_for(old, new)) == [
        Notice("matched", "requester", {"referred": False, "again": True, "waited": False})
    ]


def test_a_match_after_a_decline_with_the_same_deadline_tells_the_person_nothing() -> None:
    events = ("submitted", "matched", "declined")
    old = image(3, "pending_match", "declined", *events, excluded_supporters=["s1"], **FIRST_DUE)
    new = image(4, "matched", "matched", *events, "matched", excluded_supporters=["s1"], **FIRST_DUE)
    assert to_person(notices_for(old, new)) == []


def test_needs_admin_tells_the_person_once_that_it_is_taking_longer() -> None:
    old = image(1, "pending_match", "submitted", "submitted")
    new = image(2, "needs_admin", "needs_admin", "submitted", "needs_admin", left_out={"at_capacity": 2})
    assert notices_for(old, new) == [
        Notice("needs_admin", "admin", {"left_out": {"at_capacity": 2}}),
        Notice("match_delayed", "requester"),
    ]
    # The daily reminders are the administrators' alone
    events = ("submitted", "needs_admin", "needs_admin_reminder")
    reminded = image(3, "needs_admin", "needs_admin_reminder", *events)
    assert to_person(notices_for(new, reminded)) == []
    # Re-queued in the console and still nobody: the person already knows
    again = image(4, "needs_admin", "needs_admin", *events, "needs_admin")
    assert to_person(notices_for({**reminded, "status": "pending_match"}, again)) == []


def test_the_match_that_ends_the_wait_thanks_them_for_waiting() -> None:
    events = ("submitted", "needs_admin", "needs_admin_reminder")
    old = image(3, "pending_match", "needs_admin_reminder", *events)
    new = image(4, "matched", "matched", *events, "matched", **FIRST_DUE)
    assert to_person(notices_for(old, new)) == [
        Notice("matched", "requester", {"referred": False, "again": False, "waited": True})
    ]


def test_a_match_that_falls_through_again_tells_the_person_again() -> None:
    """Told it was taking longer, then matched, then that supporter could not reach out in time and nobody
    else is free: that is news again."""
    events = ("submitted", "needs_admin", "matched", "contact_reminder", "reassigned")
    old = image(6, "pending_match", "reassigned", *events, excluded_supporters=["s1"], **FIRST_DUE)
    new = image(7, "needs_admin", "needs_admin", *events, "needs_admin", excluded_supporters=["s1"])
    assert to_person(notices_for(old, new)) == [Notice("match_delayed", "requester")]


def test_a_referred_colleague_is_the_one_told() -> None:
    old = image(3, "pending_match", "consent_confirmed", "submitted", "consent_confirmed", kind="colleague")
    new = image(
        4, "needs_admin", "needs_admin", "submitted", "consent_confirmed", "needs_admin", kind="colleague"
    )
    assert to_person(notices_for(old, new)) == [Notice("match_delayed", "colleague")]
