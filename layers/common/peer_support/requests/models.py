"""Pydantic models of a request for 1:1 support: the form as it comes in, and what the API answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, EmailStr, Field, model_validator

from peer_support.core.fields import (
    Input,
    Line,
    Modality,
    Model,
    Note,
    Phone,
    north_american,
    rule,
    unique,
)


class Status(StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"
    PENDING_CONSENT = "pending_consent"
    PENDING_MATCH = "pending_match"
    MATCHED = "matched"
    CONTACTED = "contacted"
    NEEDS_ADMIN = "needs_admin"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    # A reach-in: the program invites a physician who did not ask.
    INVITED = "invited"
    DECLINED_INVITATION = "declined_invitation"
    INVITATION_LAPSED = "invitation_lapsed"


class Kind(StrEnum):
    SELF = "self"
    COLLEAGUE = "colleague"
    REACH_IN = "reach_in"  # a referrer asks the program to invite a colleague who has not asked


class ReachInEvent(StrEnum):
    """What a reach-in follows: kept for the administrators, never told to the physician invited."""

    ADVERSE_EVENT = "adverse_event"
    COMPLAINT = "complaint"
    LEGAL = "legal"
    OTHER = "other"


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
        if self.preferred_contact == "phone" and self.phone and north_american(self.phone) is None:
            # Who prefers phone contact also gets their reference by text message: a number SMS cannot
            # reach is worth a word now. Given for email contact, any number is kept as typed.
            raise rule("phone_not_textable", "phone")
        return self


class Preferences(Input):
    shared_identity: Annotated[list[Line], AfterValidator(unique), Field(max_length=5)] = []
    language: Line | None = None
    specialty: Line | None = None


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
    # A reach-in's own answers: what it follows, and whether the invitation may name the referrer.
    event: ReachInEvent | None = None
    share_referrer_name: bool = False

    @model_validator(mode="before")
    @classmethod
    def _reach_in_defaults(cls, data: Any) -> Any:
        """A reach-in's physician has not said what they would like: every way of talking is open to them,
        and what it follows stands for their reasons (never shown to their supporter)."""
        if not isinstance(data, dict) or data.get("kind") != Kind.REACH_IN:
            return data
        event = data.get("event")
        reason = event if event in (Reason.ADVERSE_EVENT, Reason.COMPLAINT) else Reason.OTHER
        defaults: dict[str, Any] = {"modalities": [m.value for m in Modality], "reasons": [str(reason)]}
        given = {k: v for k, v in data.items() if not (k in defaults and v in (None, "", []))}
        # What a referrer says brings someone who did not ask is never shown to that person's supporter.
        return {**defaults, **given, "share_reasons": False}

    @model_validator(mode="after")
    def _colleague_rules(self) -> Self:
        if self.kind in (Kind.COLLEAGUE, Kind.REACH_IN):
            if self.colleague is None:
                raise rule("colleague_required", "colleague")
        elif self.colleague is not None:
            raise rule("colleague_only_for_referrals", "colleague")
        if self.kind is Kind.COLLEAGUE and not self.consent_confirmed:
            raise rule("consent_required", "consent_confirmed")
        if self.kind is Kind.REACH_IN:
            return self._reach_in_rules()
        if self.event is not None or self.share_referrer_name:
            raise rule("event_only_for_reach_in", "event")
        return self

    def _reach_in_rules(self) -> Self:
        if self.event is None:
            raise rule("event_required", "event")
        assert self.colleague is not None
        if str(self.colleague.email).casefold() == str(self.requester.email).casefold():
            # The referrer asks for someone else: for themself, the request is their own.
            raise rule("referrer_is_colleague", "colleague.email")
        return self


class SubmissionReceipt(Model):
    """What the API answers once a request is stored."""

    reference: str = Field(examples=["PS-7K3M-9QXD"])
    status: Literal[
        "pending_confirmation",
        "pending_consent",
        "pending_match",
        "matched",
        "contacted",
        "needs_admin",
        "invited",
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
