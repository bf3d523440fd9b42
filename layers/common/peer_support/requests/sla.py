"""The deadlines that run on a request, as the attributes of the sparse `sla-due` index.

An item is in the index (`sla_open`, `sla_due`) only while a deadline runs for it; `sla_step` says
what happens when `sla_due` comes. Any other transition removes the three attributes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from peer_support.core.calendar import (
    add_business_days,
    add_urgent_minutes,
    business_midpoint,
    next_business_morning,
)
from peer_support.core.clock import iso, parse_iso
from peer_support.core.errors import Conflict, NotFound
from peer_support.core.settings import Settings
from peer_support.requests.models import Status
from peer_support.requests.reach_in import purged_now
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.transitions import Transitions

SLA_FIELDS = ("sla_open", "sla_due", "sla_step")
OPEN = "open"  # the index's partition key while a deadline runs
# An urgent contact deadline's partition of the index: the tighter urgent sweep reads only this one, and
# the quarter-hourly sweep reads it too, so an urgent step is never left to one schedule alone.
URGENT = "urgent"
SHARDS = (OPEN, URGENT)


def _due(step: str, when: datetime, shard: str = OPEN) -> dict[str, Any]:
    return {"sla_open": shard, "sla_due": iso(when), "sla_step": step}


def contact_deadline(
    matched_at: datetime, urgent: bool, days: int = 2, urgent_minutes: int = 120
) -> datetime:
    """When first contact is due: 2 business days after matching; for an urgent request, 120 minutes
    counted in urgent hours (08:00-20:00 Pacific, any day)."""
    if urgent:
        return add_urgent_minutes(matched_at, urgent_minutes)
    return add_business_days(matched_at, days)


def when_matched(matched_at: datetime, urgent: bool, settings: Settings) -> dict[str, Any]:
    """The contact deadline starts: a reminder half-way, then the deadline itself."""
    due = contact_deadline(matched_at, urgent, settings.contact_days, settings.urgent_contact_minutes)
    if urgent:
        halfway = add_urgent_minutes(matched_at, settings.urgent_contact_minutes / 2)
        return {"contact_due_at": iso(due), **_due("contact_reminder", halfway, URGENT)}
    return {"contact_due_at": iso(due), **_due("contact_reminder", business_midpoint(matched_at, due))}


# How long a request held in a surge waits for its sender's confirmation before it is let go.
CONFIRMATION_WINDOW = timedelta(hours=48)


def when_awaiting_confirmation(created_at: datetime) -> dict[str, Any]:
    """Unconfirmed after 48 hours: withdrawn, and purged (the TTL is set too, should no sweep come)."""
    lapses = created_at + CONFIRMATION_WINDOW
    return {**_due("confirmation_lapsed", lapses), "purge_at": int(lapses.timestamp())}


def when_awaiting_consent(created_at: datetime, settings: Settings) -> dict[str, Any]:
    return _due("consent_reminder", add_business_days(created_at, settings.consent_days))


def when_needs_admin(at: datetime) -> dict[str, Any]:
    return _due("needs_admin_reminder", next_business_morning(at))


# An invitation unanswered: one gentle reminder after 3 business days, and 4 business days later it
# lapses, and the people in it are forgotten.
INVITATION_REMINDER_DAYS = 3
INVITATION_LAPSES_DAYS = 4


def when_invited(created_at: datetime) -> dict[str, Any]:
    return _due("invitation_reminder", add_business_days(created_at, INVITATION_REMINDER_DAYS))


def invitation_lapses(reminder_due: datetime) -> datetime:
    return add_business_days(reminder_due, INVITATION_LAPSES_DAYS)


# The check-in reaches the person mid-morning on its business day.
CHECK_IN_AT = time(10, 0)


def check_in_time(closed_at: datetime, settings: Settings) -> datetime:
    return add_business_days(closed_at, settings.follow_up_days, end_of_day=CHECK_IN_AT)


def when_closed(closed_at: datetime, settings: Settings) -> dict[str, Any]:
    """The check-in is due `follow_up_days` business days on; the personal data is kept the retention
    period after it (the TTL is set now, should no sweep come)."""
    due = check_in_time(closed_at, settings)
    return {
        **_due("check_in", due),
        "purge_at": int((due + timedelta(days=settings.retention_days)).timestamp()),
    }


def _check_in(item: dict[str, Any], now: datetime, settings: Settings) -> Change:
    # Retention runs from the later of closing and the check-in.
    purge = int((now + timedelta(days=settings.retention_days)).timestamp())
    return "checked_in", {"remove": SLA_FIELDS, "set_values": {"checked_in_at": iso(now), "purge_at": purge}}


# -- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepReport:
    """What one sweep did; `read` counts the items it looked at (only ever the due ones)."""

    read: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    skipped: int = 0  # someone else (another sweep, an action) got there first


Change = tuple[str, dict[str, Any]]


def _contact_reminder(item: dict[str, Any], now: datetime, settings: Settings) -> Change:
    # One reminder to the supporter half-way; the deadline itself is next.
    return "contact_reminder", {
        "set_values": {"sla_due": item["contact_due_at"], "sla_step": "contact_deadline"}
    }


def _contact_deadline(item: dict[str, Any], now: datetime, settings: Settings) -> Change:
    if not settings.reassign_on_breach:
        return "contact_overdue", {"remove": SLA_FIELDS}
    # The supporter is excluded and their slot released; `match` finds someone else.
    return "reassigned", {
        "set_values": {"excluded_supporters": [*item.get("excluded_supporters", []), item["supporter_id"]]},
        "remove": (*SLA_FIELDS, "supporter_id"),
        "release_supporter": item["supporter_id"],
    }


def _lapsed(now: datetime) -> dict[str, Any]:
    purge = purged_now(now)
    return {**purge, "remove": (*SLA_FIELDS, *purge["remove"])}


Step = Callable[[dict[str, Any], datetime, Settings], Change]

# Each step of the `sla-due` index: the state a request must still be in for it, and what it does.
STEPS: dict[str, tuple[Status, Step]] = {
    "contact_reminder": (Status.MATCHED, _contact_reminder),
    "contact_deadline": (Status.MATCHED, _contact_deadline),
    "confirmation_lapsed": (
        Status.PENDING_CONFIRMATION,
        lambda item, now, settings: (
            "confirmation_lapsed",
            {"remove": SLA_FIELDS, "set_values": {"purge_at": int(now.timestamp())}},
        ),
    ),
    "consent_reminder": (
        Status.PENDING_CONSENT,
        lambda item, now, settings: ("consent_reminder", {"remove": SLA_FIELDS}),
    ),
    "invitation_reminder": (
        Status.INVITED,
        lambda item, now, settings: (
            "invitation_reminder",
            {"set_values": _due("invitation_lapsed", invitation_lapses(parse_iso(item["sla_due"])))},
        ),
    ),
    "invitation_lapsed": (
        Status.INVITED,
        lambda item, now, settings: ("invitation_lapsed", _lapsed(now)),
    ),
    "check_in": (Status.CLOSED, _check_in),
    # Once per business day until someone resolves it.
    "needs_admin_reminder": (
        Status.NEEDS_ADMIN,
        lambda item, now, settings: ("needs_admin_reminder", {"set_values": when_needs_admin(now)}),
    ),
}


def next_step(item: dict[str, Any], now: datetime, settings: Settings) -> Change | None:
    """The step due on `item` (an event of `states`) and what it changes, or None when nothing is due
    (any more)."""
    if not item.get("sla_due") or parse_iso(item["sla_due"]) > now:
        return None
    step = str(item.get("sla_step"))
    if step == "contact_reminder" and parse_iso(item.get("contact_due_at") or item["sla_due"]) <= now:
        # The sweep comes only after the deadline itself (sweeps were missed, or the clock jumped): the
        # step due now is the deadline's, and a reminder for a day gone by would only mislead.
        step = "contact_deadline"
    elif step == "invitation_reminder" and invitation_lapses(parse_iso(item["sla_due"])) <= now:
        step = "invitation_lapsed"  # as above: no reminder of an invitation that has already lapsed
    found = STEPS.get(step)
    if found is None or item.get("status") != found[0]:
        return None
    return found[1](item, now, settings)


def sweep(
    repository: RequestsRepository,
    transitions: Transitions,
    settings: Settings,
    now: datetime,
    shards: tuple[str, ...] = SHARDS,
) -> SweepReport:
    """Take every step that is due, each as one write guarded by the request's version.

    Reads only what the sparse `sla-due` index says is due (in `shards`: every deadline, or the urgent
    ones alone), so its cost does not grow with the table. Overlapping or repeated sweeps never act
    twice: the second write finds a newer version.
    """
    report = SweepReport()
    due = (request_id for shard in shards for request_id in repository.due(iso(now), shard))
    for request_id in due:
        try:
            item = repository.get(request_id)
        except NotFound:  # purged meanwhile
            continue
        report.read += 1
        decided = next_step(item, now, settings)
        if decided is None:
            report.skipped += 1
            continue
        event, change = decided
        try:
            transitions.move(
                request_id,
                version=int(item["version"]),
                current=str(item["status"]),
                at=iso(now),
                event=event,
                **change,
            )
        except Conflict:
            report.skipped += 1
            continue
        report.steps[event] += 1
    return report
