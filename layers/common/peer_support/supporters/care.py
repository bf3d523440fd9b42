"""Looking after the supporters (pure): whose training reminder is due, and the administrators' weekly
view of who is paused, away, at capacity, or whose training lapses within the month."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from peer_support.core.calendar import human_day
from peer_support.core.program import (
    SUPPORTERS_DIGEST_AT,
    SUPPORTERS_DIGEST_WEEKDAY,
    TIME_ZONE,
    TRAINING_REMINDER_DAYS,
)
from peer_support.supporters.models import SupporterRecord

REMINDER_WINDOW = timedelta(days=TRAINING_REMINDER_DAYS)


def training_reminder_due(supporter: SupporterRecord, today: date) -> bool:
    """From `TRAINING_REMINDER_DAYS` before `trained_until` through that day, once per date."""
    until = supporter.trained_until
    if until is None or not supporter.active or supporter.training_reminded_for == until:
        return False
    return until - REMINDER_WINDOW <= today <= until


def digest_week(now: datetime) -> str | None:
    """The week whose digest is due now (its Monday's date), or None: on the Monday from 08:00 Pacific
    until the day ends. A sweep that missed the whole Monday leaves that week's digest unsent."""
    local = now.astimezone(TIME_ZONE)
    if local.weekday() != SUPPORTERS_DIGEST_WEEKDAY or local.time() < SUPPORTERS_DIGEST_AT:
        return None
    return local.date().isoformat()


def _away_text(supporter: SupporterRecord, today: date) -> str | None:
    if supporter.away_until is None or supporter.away_until < today:
        return None
    start = supporter.away_from if supporter.away_from and supporter.away_from > today else today
    return f"{human_day(start)} to {human_day(supporter.away_until)}"


def digest(roster: Iterable[SupporterRecord], today: date) -> dict[str, list[dict[str, Any]]]:
    """Active supporters by what needs an eye: paused, away (now or later), at capacity, training lapsing
    within `TRAINING_REMINDER_DAYS` (or lapsed). Names for the administrators, in name order."""
    sections: dict[str, list[dict[str, Any]]] = {"paused": [], "away": [], "at_capacity": [], "training": []}
    for supporter in sorted(roster, key=lambda s: (s.name.casefold(), s.supporter_id)):
        if not supporter.active:
            continue
        row = {"name": supporter.name, "open_count": supporter.open_count, "limit": supporter.open_limit}
        if supporter.paused:
            sections["paused"].append(row)
        if (away := _away_text(supporter, today)) is not None:
            sections["away"].append({**row, "when": away})
        if supporter.open_count >= supporter.open_limit:
            sections["at_capacity"].append(row)
        until = supporter.trained_until
        if until is not None and until <= today + REMINDER_WINDOW:
            sections["training"].append({**row, "until": human_day(until), "lapsed": until < today})
    return sections
