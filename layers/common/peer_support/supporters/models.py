"""Pydantic models of a Peer Supporter: as the roster lists them, and as the table keeps them."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, EmailStr, Field, StringConstraints

from peer_support.core.fields import Input, Line, Modality, Phone, unique

SupporterId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"))
]

# The days of the week, as the roster's `on_call` column spells them.
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Day = Annotated[Weekday, BeforeValidator(_lower)]


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


class SupporterRecord(RosterEntry):
    """A supporter as stored: the roster entry plus what the system keeps up to date."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    open_count: int = Field(default=0, ge=0)
    last_assigned_at: str | None = None
