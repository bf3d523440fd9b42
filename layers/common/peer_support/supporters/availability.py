"""A supporter's own availability, as their page's form sets it: time away, how many cases at once (up
to the administrator's cap), the days on call, and a pause. What a save changes, and its one write."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, model_validator

from peer_support.core.errors import DomainError
from peer_support.core.fields import Input, unique
from peer_support.supporters.models import Day, SupporterRecord, check_away_dates

# The answers of the form, in the order the administrators' email lists what changed.
ANSWERS = ("away_from", "away_until", "max_open", "on_call", "paused")


class AvailabilityForm(Input):
    """What a supporter's page posts: the whole of their availability, and the version it was read at."""

    version: int = Field(ge=0, le=10**9)
    away_from: date | None = None
    away_until: date | None = None
    max_open: int = Field(ge=1, le=50)
    on_call: Annotated[list[Day], AfterValidator(unique)] = Field(default_factory=list, max_length=7)
    paused: bool = False

    @model_validator(mode="after")
    def _away_dates(self) -> Self:
        check_away_dates(self.away_from, self.away_until)
        return self


class AboveCap(DomainError):
    """More cases at once than the administrator's cap allows: the form again, nothing written."""

    def __init__(self, cap: int) -> None:
        super().__init__("max_open above the cap")
        self.cap = cap


def shown(record: SupporterRecord) -> dict[str, Any]:
    """The form's answers as the supporter's record stands: what the page shows and a save compares."""
    return {
        "version": record.version,
        "away_from": record.away_from.isoformat() if record.away_from else None,
        "away_until": record.away_until.isoformat() if record.away_until else None,
        "max_open": record.open_limit,
        "on_call": list(record.on_call),
        "paused": record.paused,
    }


def changes(record: SupporterRecord, form: AvailabilityForm) -> tuple[dict[str, Any], list[str]]:
    """The attributes a save writes, and the answers it changes (none: nothing to write).

    `max_open` is stored as `own_max_open`, beside the roster's `max_open` (the cap), and only when the
    supporter changes it: a save about time away does not fix their limit at today's cap."""
    if form.max_open > record.max_open:
        raise AboveCap(record.max_open)
    before = shown(record)
    after = form.model_dump(mode="json", exclude={"version"})
    changed = [answer for answer in ANSWERS if before[answer] != after[answer]]
    values: dict[str, Any] = {
        answer: after[answer]
        for answer in ("away_from", "away_until", "on_call", "paused")
        if answer in changed
    }
    if "max_open" in changed:
        values["own_max_open"] = form.max_open
    return values, changed
