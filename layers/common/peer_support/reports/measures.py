"""What a committed change adds to the program's monthly counts, decided from the stream's old and new
images alone. Pure: no table is read, and nothing personal leaves this module, only measure names
(codes) and the month the change belongs to.

Times are kept as counts in fixed buckets (histograms), so that a median can be given later without a
single time being kept per person.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

from peer_support.core.calendar import local_date
from peer_support.core.clock import parse_iso

# The upper bounds of the buckets (the last one is open-ended).
MATCH_MINUTES = (5, 15, 30, 60, 120, 240, 480, 1440, 2880, 4320, 10080)
CONTACT_HOURS = (1, 2, 4, 8, 12, 24, 48, 72, 96, 120, 168)
HISTOGRAMS = {"time_to_match_minutes": MATCH_MINUTES, "time_to_first_contact_hours": CONTACT_HOURS}

# A code from an item becomes part of a measure's name only if it looks like a code.
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")

Tally = Counter[str]


def month_of(when: datetime) -> str:
    """`YYYY-MM`: the program's month (Vancouver time) a moment belongs to."""
    return local_date(when).strftime("%Y-%m")


def bucket(name: str, value: float) -> str:
    """The histogram measure a value falls in: `hist:<name>:le_<bound>`, or `…:le_inf`."""
    for bound in HISTOGRAMS[name]:
        if value <= bound:
            return f"hist:{name}:le_{bound}"
    return f"hist:{name}:le_inf"


def _code(prefix: str, value: object) -> list[str]:
    text = str(value)
    return [f"{prefix}{text}"] if _CODE.match(text) else []


def _submitted(new: dict[str, Any]) -> Tally:
    tally: Tally = Counter({"requests": 1})
    # Counted by whatever kind the request is (self, colleague, reach_in, …): a new kind needs no change.
    tally.update(_code("", new.get("kind")))
    if new.get("urgent"):
        tally["urgent"] += 1
    for reason in new.get("reasons") or []:
        tally.update(_code("reason:", reason))
    return tally


def _ready_at(new: dict[str, Any]) -> datetime:
    """When the request began to wait for a supporter: stored, or confirmed by its sender or (for a
    referral) by the administrator, whichever came last."""
    ready = parse_iso(new["created_at"])
    for entry in new.get("history") or []:
        if entry.get("event") in ("request_confirmed", "consent_confirmed") and entry.get("at"):
            ready = max(ready, parse_iso(str(entry["at"])))
    return ready


def _matched(old: dict[str, Any], new: dict[str, Any]) -> Tally:
    if old.get("matched_at") or not new.get("matched_at"):
        return Counter()  # a re-match (after a decline, a breach or a request to talk again)
    minutes = (parse_iso(new["matched_at"]) - _ready_at(new)).total_seconds() / 60
    return Counter({"matched": 1, bucket("time_to_match_minutes", max(minutes, 0)): 1})


def _acknowledged(old: dict[str, Any], new: dict[str, Any]) -> Tally:
    if not (new.get("contacted_at") and new.get("matched_at")):
        return Counter()
    contacted = parse_iso(new["contacted_at"])
    tally: Tally = Counter({"first_contacts": 1})
    due = old.get("contact_due_at")
    if due and contacted <= parse_iso(due):
        tally["first_contact_in_time"] += 1
    hours = (contacted - parse_iso(new["matched_at"])).total_seconds() / 3600
    tally[bucket("time_to_first_contact_hours", max(hours, 0))] += 1
    return tally


def _closed(old: dict[str, Any], new: dict[str, Any]) -> Tally:
    tally: Tally = Counter({"closed": 1})
    if new.get("conversations") is not None:
        tally.update(_code("conversations:", int(new["conversations"])))
    tally.update(_code("modality:", new.get("modality_used")))
    referred = new.get("referred_on") or []
    for code in referred:
        tally.update(_code("referred_on:", code))
    if not referred:
        tally["referred_on:none"] += 1
    return tally


# Each event (the `last_event` a change stores) and what it adds.
_EVENTS: dict[str, Any] = {
    "matched": _matched,
    "acknowledged": _acknowledged,
    "closed": _closed,
    "needs_admin": lambda old, new: Counter({"needs_admin": 1}),
    "withdrawn": lambda old, new: Counter({"withdrawn": 1}),
    "cancelled": lambda old, new: Counter({"withdrawn": 1}),
    "declined": lambda old, new: Counter({"declined": 1}),
    "reassigned": lambda old, new: Counter({"breaches": 1, "reassigned": 1}),
    "contact_overdue": lambda old, new: Counter({"breaches": 1}),
    "checked_in": lambda old, new: Counter({"check_ins": 1}),
    "follow_up_requested": lambda old, new: Counter({"follow_up_requested": 1}),
}


def request_measures(old: dict[str, Any] | None, new: dict[str, Any]) -> tuple[str, Tally] | None:
    """The month and the counts a committed change to a request adds; None when it adds nothing (no
    new version, or an event nobody counts)."""
    if not new or "version" not in new:
        return None
    if not old:  # a new item (the stream's INSERT has no old image)
        tally = _submitted(new)
        return month_of(parse_iso(new["created_at"])), tally
    if int(old.get("version", 0)) == int(new["version"]):
        return None
    rule = _EVENTS.get(str(new.get("last_event")))
    if rule is None:
        return None
    tally = rule(old, new)
    if not tally:
        return None
    return month_of(parse_iso(new.get("updated_at") or new["created_at"])), tally


def group_measures(old: dict[str, Any] | None, new: dict[str, Any]) -> tuple[str, Tally] | None:
    """A new registration for the BIPOC group counts once, in the month it came."""
    if old or new.get("kind") != "registration" or not new.get("updated_at"):
        return None
    return month_of(parse_iso(new["updated_at"])), Counter({"group_registrations": 1})


def feedback_measures(helpful: int, contacted_in_time: bool, would_recommend: bool) -> Tally:
    """What one anonymous answer adds to its month: counts only."""
    tally: Tally = Counter({"feedback_responses": 1})
    if helpful >= 4:
        tally["feedback_helpful_4_or_5"] += 1
    if contacted_in_time:
        tally["feedback_contacted_in_time"] += 1
    if would_recommend:
        tally["feedback_would_recommend"] += 1
    return tally
