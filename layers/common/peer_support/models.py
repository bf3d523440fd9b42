"""Pydantic models of what comes in (the request form) and of what is stored."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError


def _rule(code: str, field: str) -> PydanticCustomError:
    # A cross-field rule broken; `field` tells the API which answer to point at.
    return PydanticCustomError(code, code, {"field": field})


class Status(StrEnum):
    PENDING_CONSENT = "pending_consent"
    PENDING_MATCH = "pending_match"
    MATCHED = "matched"
    CONTACTED = "contacted"
    NEEDS_ADMIN = "needs_admin"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Kind(StrEnum):
    SELF = "self"
    COLLEAGUE = "colleague"


class CareerStage(StrEnum):
    PRACTICING_PHYSICIAN = "practicing_physician"
    RESIDENT = "resident"
    MEDICAL_STUDENT = "medical_student"
    OTHER = "other"


class Reason(StrEnum):
    ADVERSE_EVENT = "adverse_event"
    COMPLAINT = "complaint"
    INTERPERSONAL_CONFLICT = "interpersonal_conflict"
    LIFE_STRESSOR = "life_stressor"
    DISCRIMINATION = "discrimination"
    BURNOUT = "burnout"
    WORKPLACE_CHANGE = "workplace_change"
    WORK_LIFE_BALANCE = "work_life_balance"
    OTHER = "other"


class Modality(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


def _printable(allow_newlines: bool) -> Any:
    # A single line also refuses the Unicode line and paragraph separators (U+2028, U+2029): they end a
    # line for `str.splitlines`, and so for email headers, as CR and LF do.
    refused = {"Cc", "Cf", "Cs", "Co", "Cn"} | (set() if allow_newlines else {"Zl", "Zp"})

    def check(value: str) -> str:
        for char in value:
            if char in "\n\t" and allow_newlines:
                continue
            if unicodedata.category(char) in refused:
                raise ValueError("contains control or unassigned characters")
        return value

    return AfterValidator(check)


def said_no(answer: object) -> bool:
    """A raw yes/no answer, as JSON or a form gives it, that means no (before any validation)."""
    return answer is False or str(answer).strip().lower() in ("false", "no", "0", "off")


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


# A short single line of text: names, sites, languages. No CR/LF, so it can never reach an email header.
Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _printable(False)
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=re.compile(r"^\+?[0-9][0-9 ()\-.]{5,22}[0-9]$")),
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), _printable(True)]


class _Model(BaseModel):
    # Each model's validator is built on first use, not at import: a handler pays only for the
    # models it uses (matching never builds the request form, the API never builds the roster).
    model_config = ConfigDict(defer_build=True)


class _Input(_Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Contact(_Input):
    """How to reach a person: the requester, or the colleague being referred."""

    name: Line
    email: EmailStr = Field(max_length=254)
    phone: Phone | None = None
    preferred_contact: Literal["email", "phone"] = "email"

    @model_validator(mode="after")
    def _phone_when_preferred(self) -> Self:
        if self.preferred_contact == "phone" and not self.phone:
            raise _rule("phone_required", "phone")
        return self


class Preferences(_Input):
    shared_identity: Annotated[list[Line], AfterValidator(_unique), Field(max_length=5)] = []
    language: Line | None = None


class RequestForm(_Input):
    """A request for peer support, as the form and the JSON API send it."""

    kind: Kind
    requester: Contact
    colleague: Contact | None = None
    consent_confirmed: bool = False
    career_stage: CareerStage
    practices_in_vancouver: bool
    reasons: Annotated[list[Reason], AfterValidator(_unique), Field(min_length=1, max_length=9)]
    share_reasons: bool = False
    modalities: Annotated[list[Modality], AfterValidator(_unique), Field(min_length=1, max_length=3)]
    preferences: Preferences = Preferences()
    avoid: Annotated[list[Line], AfterValidator(_unique), Field(max_length=10)] = []
    site: Line | None = None
    urgent: bool = False
    note: Note | None = None

    @model_validator(mode="after")
    def _colleague_rules(self) -> Self:
        if self.kind is Kind.COLLEAGUE:
            if self.colleague is None:
                raise _rule("colleague_required", "colleague")
            if not self.consent_confirmed:
                raise _rule("consent_required", "consent_confirmed")
        elif self.colleague is not None:
            raise _rule("colleague_only_for_referrals", "colleague")
        return self


class SubmissionReceipt(_Model):
    """What the API answers once a request is stored."""

    reference: str = Field(examples=["PS-7K3M-9QXD"])
    status: Literal["pending_match", "pending_consent"]


class ActionTaken(_Model):
    """What the API answers once a link's action is taken: the request and the state it is now in."""

    reference: str = Field(examples=["PS-7K3M-9QXD"])
    status: Status


class ErrorBody(_Model):
    """The contract's error shape. `fields` names each field at fault; values are never echoed."""

    error: str
    detail: str
    fields: dict[str, str] = {}


SupporterId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"))
]


class RosterEntry(_Input):
    """One Peer Supporter as the program's roster lists them (CSV row or JSON object)."""

    supporter_id: SupporterId
    name: Line
    email: EmailStr = Field(max_length=254)
    phone: Phone | None = None
    active: bool = True
    modalities: Annotated[list[Modality], AfterValidator(_unique), Field(min_length=1, max_length=3)]
    max_open: int = Field(default=3, ge=0, le=50)
    sites: Annotated[list[Line], AfterValidator(_unique), Field(max_length=20)] = []
    identities: Annotated[list[Line], AfterValidator(_unique), Field(max_length=20)] = []
    languages: Annotated[list[Line], AfterValidator(_unique), Field(max_length=20)] = []
    away_until: date | None = None


class SupporterRecord(RosterEntry):
    """A supporter as stored: the roster entry plus what the system keeps up to date."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    open_count: int = Field(default=0, ge=0)
    last_assigned_at: str | None = None


# -- the BIPOC Physician Peer Support Group ------------------------------------------------------


class GroupStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class GroupRegistrationForm(_Input):
    """A registration for the group's next session, as the form and the JSON API send it.

    `identifies_as_bipoc` and `practices_in_bc` are answers, not switches: a "no" is told kindly
    where else to turn (422 `not_eligible`), and nothing is stored.
    """

    name: Line
    email: EmailStr = Field(max_length=254)
    identifies_as_bipoc: bool
    practices_in_bc: bool


class GroupReceipt(_Model):
    """What the API answers once a registration is stored (or found again for the same person)."""

    reference: str = Field(examples=["GR-7K3M-9QXD"])
    status: Literal["registered", "waitlisted"]
    session_start: str = Field(
        examples=["2026-03-09T19:15:00-07:00"],
        description="The session's start, ISO-8601 in Pacific time with its offset",
    )


class GroupCancelForm(_Model):
    """What the page behind a registration's link posts: giving up the place."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    action: Literal["cancel"]


class GroupCancelled(_Model):
    """What the API answers once a place is given up."""

    reference: str
    status: Literal["cancelled"]
