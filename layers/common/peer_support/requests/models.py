"""Pydantic models of a request for 1:1 support: the form as it comes in, and what the API answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, EmailStr, Field, model_validator

from peer_support.core.fields import Input, Line, Modality, Model, Note, Phone, rule, unique


class Status(StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"
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


class ReferredOn(StrEnum):
    """Where a supporter connected the person next, with their agreement (counts and codes only)."""

    PHYSICIAN_HEALTH_PROGRAM = "physician_health_program"
    EMPLOYEE_ASSISTANCE = "employee_assistance"
    OWN_PHYSICIAN = "own_physician"
    OTHER_PROFESSIONAL = "other_professional"


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


class Contact(Input):
    """How to reach a person: the requester, or the colleague being referred."""

    name: Line
    email: EmailStr = Field(max_length=254)
    phone: Phone | None = None
    preferred_contact: Literal["email", "phone"] = "email"

    @model_validator(mode="after")
    def _phone_when_preferred(self) -> Self:
        if self.preferred_contact == "phone" and not self.phone:
            raise rule("phone_required", "phone")
        return self


class Preferences(Input):
    shared_identity: Annotated[list[Line], AfterValidator(unique), Field(max_length=5)] = []
    language: Line | None = None


class RequestForm(Input):
    """A request for peer support, as the form and the JSON API send it."""

    kind: Kind
    requester: Contact
    colleague: Contact | None = None
    consent_confirmed: bool = False
    career_stage: CareerStage
    practices_in_vancouver: bool
    reasons: Annotated[list[Reason], AfterValidator(unique), Field(min_length=1, max_length=9)]
    share_reasons: bool = False
    modalities: Annotated[list[Modality], AfterValidator(unique), Field(min_length=1, max_length=3)]
    preferences: Preferences = Preferences()
    avoid: Annotated[list[Line], AfterValidator(unique), Field(max_length=10)] = []
    site: Line | None = None
    urgent: bool = False
    note: Note | None = None

    @model_validator(mode="after")
    def _colleague_rules(self) -> Self:
        if self.kind is Kind.COLLEAGUE:
            if self.colleague is None:
                raise rule("colleague_required", "colleague")
            if not self.consent_confirmed:
                raise rule("consent_required", "consent_confirmed")
        elif self.colleague is not None:
            raise rule("colleague_only_for_referrals", "colleague")
        return self


class SubmissionReceipt(Model):
    """What the API answers once a request is stored."""

    reference: str = Field(examples=["PS-7K3M-9QXD"])
    status: Literal[
        "pending_confirmation", "pending_consent", "pending_match", "matched", "contacted", "needs_admin"
    ] = Field(
        description=(
            "The request's state. A sender who already has an open request is answered with that request "
            "and its state: one open request per person."
        )
    )


class ActionTaken(Model):
    """What the API answers once a link's action is taken: the request and the state it is now in."""

    reference: str = Field(examples=["PS-7K3M-9QXD"])
    status: Status
