"""The `count` stream consumer's one step: a committed change becomes the month's counts, once.

Only the stream's images are read (never a table of personal data), and only codes and a month are
written. The marker that keeps a redelivered record from counting twice is named by a keyed hash of
the item's key and version, so it names no one; it expires within a week.
"""

from __future__ import annotations

from typing import Any

from peer_support.reports.measures import Tally, group_measures, request_measures
from peer_support.reports.monthly import MonthlyCounters, keyed_marker

# The dashboard's metrics of what was counted (counts of codes only, as the table holds them).
METRICS = {
    "check_ins": "CheckInsSent",
    "follow_up_requested": "FollowUpsRequested",
    "referred_on:physician_health_program": "ReferredOnPhysicianHealthProgram",
    "referred_on:employee_assistance": "ReferredOnEmployeeAssistance",
    "referred_on:own_physician": "ReferredOnOwnPhysician",
    "referred_on:other_professional": "ReferredOnOtherProfessional",
    "referred_on:none": "ReferredOnNone",
}


def count_change(
    old: dict[str, Any] | None, new: dict[str, Any], counters: MonthlyCounters, key: bytes, now: int
) -> Tally | None:
    """Add what the change counts for to its month; what it added now (None: nothing, or counted before)."""
    if "request_id" in new:
        decided = request_measures(old, new)
        subject: tuple[object, ...] = ("request", new["request_id"])
    elif "session_id" in new and "item_id" in new:
        decided = group_measures(old, new)
        subject = ("group", new["session_id"], new["item_id"])
    else:
        return None
    if decided is None:
        return None
    month, tally = decided
    marker = keyed_marker(key, "counted", *subject, new.get("version", 0))
    return tally if counters.count_once(marker, month, dict(tally), now) else None
