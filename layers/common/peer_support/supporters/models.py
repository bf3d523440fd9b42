"""Pydantic models of a Peer Supporter: as the roster lists them, and as the table keeps them."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from peer_support.core.fields import Input, Line, Modality, Phone, rule, unique

SupporterId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"))
]

# The days of the week, as the roster's `on_call` column spells them.
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Day = Annotated[Weekday, BeforeValidator(_lower)]


def check_away_dates(away_from: date | None, away_until: date | None) -> None:
    """Time away that starts on a day needs its last day too, on or after the first."""
    if away_from is not None and away_until is None:
        raise rule("away_until_required", "away_until")
    if away_from is not None and away_until is not None and away_until < away_from:
        raise rule("away_until_before_away_from", "away_until")


class RosterEntry(Input):
    """One Peer Supporter as the program's roster lists them (CSV row or JSON object)."""

    supporter_id: SupporterId
    name: Line
    email: EmailStr = Field(max_length=254)
    phone: Phone | None = None
    active: bool = True
    modalities: Annotated[list[Modality], AfterValidator(unique), Field(min_length=1, max_length=3)]
    max_open: int = Field(default=3, ge=0, le=50)
    sites: Annotated[list[Line], AfterValidator(unique), Field(max_length=20)] = []
    identities: Annotated[list[Line], AfterValidator(unique), Field(max_length=20)] = []
    languages: Annotated[list[Line], AfterValidator(unique), Field(max_length=20)] = []
    away_until: date | None = None
    # The days this supporter may be paged for urgent requests.
    on_call: Annotated[list[Day], AfterValidator(unique), Field(max_length=7)] = []
    # Time away that starts later: not matched from `away_from` through `away_until`.
    away_from: date | None = None
    paused: bool = False
    # The last day their peer-support training is current: not matched from the day after.
    trained_until: date | None = None
    specialties: Annotated[list[Line], AfterValidator(unique), Field(max_length=20)] = []

    @model_validator(mode="after")
    def _away_dates(self) -> Self:
        check_away_dates(self.away_from, self.away_until)
        return self


# What a supporter may set for themself on their own page. A roster import keeps each of these as the
# supporter left it, unless the roster gives it a value (the roster wins then). `max_open` is not among
# them: the roster's is the administrator's cap, and the supporter's own lives beside it (`own_max_open`).
SELF_SET = ("away_from", "away_until", "on_call", "paused")


class SupporterRecord(RosterEntry):
    """A supporter as stored: the roster entry plus what the system keeps up to date."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    open_count: int = Field(default=0, ge=0)
    last_assigned_at: str | None = None
    # Bumped by every change a person makes (the supporter's own page, a roster import): a page saved from
    # a version that is no longer current is refused, never merged.
    version: int = 0
    # The most open cases the supporter wants at once, set on their own page: at most the roster's
    # `max_open` (the administrator's cap); absent, the cap itself.
    own_max_open: int | None = Field(default=None, ge=1, le=50)
    # The `trained_until` date whose reminder was sent: one reminder per date.
    training_reminded_for: date | None = None

    @property
    def open_limit(self) -> int:
        """The most open cases this supporter takes: their own choice, never above the cap."""
        return self.max_open if self.own_max_open is None else min(self.own_max_open, self.max_open)


def given_by_roster(entry: RosterEntry) -> set[str]:
    """The fields a roster entry sets: all but the self-set ones it leaves blank. Time away is one
    answer, so a roster that gives either away date gives both."""
    given = set(entry.model_fields_set)
    if given & {"away_from", "away_until"}:
        given |= {"away_from", "away_until"}
    return set(RosterEntry.model_fields) - (set(SELF_SET) - given)
