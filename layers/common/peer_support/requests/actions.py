"""What the holder of a signed link may do to a request, as one conditional write each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from peer_support.core import clock
from peer_support.core.errors import Conflict
from peer_support.core.fields import Modality
from peer_support.core.settings import Settings
from peer_support.links.tokens import LinkClaims
from peer_support.requests.models import Kind, Status
from peer_support.requests.reach_in import purged_now
from peer_support.requests.sla import SLA_FIELDS
from peer_support.requests.states import ACTIONS, HELD, OPEN, actions_of, transition
from peer_support.requests.transitions import Transitions

Action = Literal[
    "confirm_request",
    "acknowledge",
    "decline",
    "close",
    "confirm_consent",
    "cancel",
    "withdraw",
    "accept_invitation",
    "decline_invitation",
]


class ActionForm(BaseModel):
    """What a link's page posts: the action, and for closing a case its counts (never notes)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # only a post builds it

    action: Action
    # Checked even when absent, so closing without answers names every missing one at once.
    conversations: int | None = Field(default=None, ge=0, le=20, validate_default=True)
    modality_used: Modality | None = Field(default=None, validate_default=True)
    # On closing: the supporter would like a debrief (the administrators hear who, never which case).
    debrief_requested: bool = False

    @property
    def wants_debrief(self) -> bool:
        return self.action == "close" and self.debrief_requested

    @field_validator("conversations", "modality_used")
    @classmethod
    def _counts_to_close(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.data.get("action") == "close":
            code = "conversations_required" if info.field_name == "conversations" else "modality_required"
            raise PydanticCustomError(code, code)
        return value


class StaleAction(Conflict):
    """The link's action no longer applies: already done, the case moved, or not this holder's to take."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Done:
    action: str
    status: Status


def holds_case(claims: LinkClaims, item: dict[str, Any]) -> bool:
    """A supporter's link works only while they are the one assigned."""
    return claims.role != "supporter" or item.get("supporter_id") == claims.holder


def handed_on(claims: LinkClaims, item: dict[str, Any]) -> bool:
    """A referrer may withdraw a referral until the colleague agrees; after that it is the colleague's.
    A reach-in is the invited physician's from the start: its referrer never learns their answer."""
    if claims.role != "requester" or claims.holder != "requester":
        return False
    if item.get("kind") == Kind.REACH_IN:
        return True
    return item.get("kind") == Kind.COLLEAGUE and item["status"] != Status.PENDING_CONSENT


def referrer_of_reach_in(claims: LinkClaims, item: dict[str, Any]) -> bool:
    """A reach-in's referrer: their link, were they given one, would show nothing, not even a state."""
    return handed_on(claims, item) and item.get("kind") == Kind.REACH_IN


def allowed_actions(claims: LinkClaims, item: dict[str, Any]) -> set[str]:
    """The actions this holder may take on the request as it stands."""
    if not holds_case(claims, item) or handed_on(claims, item):
        return set()
    return {a for a in actions_of(claims.role) if transition(ACTIONS[a], item["status"]) is not None}


def _may_take(claims: LinkClaims, form: ActionForm, item: dict[str, Any]) -> tuple[str, Status]:
    """The event `form.action` causes and the state it leads to, if this holder may take it now; else
    `StaleAction` saying why."""
    if form.action not in actions_of(claims.role) or referrer_of_reach_in(claims, item):
        raise StaleAction("not_yours")
    if not holds_case(claims, item):
        raise StaleAction("moved")
    event = ACTIONS[form.action]
    if handed_on(claims, item) and item["status"] in OPEN:
        raise StaleAction("referred_on")
    target = transition(event, item["status"])
    if target is None:
        raise StaleAction("already_done" if item["status"] not in OPEN else "not_now")
    return event, target


def perform(
    claims: LinkClaims,
    form: ActionForm,
    item: dict[str, Any],
    *,
    transitions: Transitions,
    settings: Settings,
) -> Done:
    """Carry out `form.action` for the link's holder, guarded by the request's version."""
    event, target = _may_take(claims, form, item)
    now = clock.now()
    at = clock.iso(now)
    set_values: dict[str, Any] = {}
    remove: tuple[str, ...] = SLA_FIELDS
    release = None
    holder_is_assigned = item.get("supporter_id") and item["status"] in HELD
    if form.action == "confirm_request":
        remove = (*SLA_FIELDS, "purge_at")  # confirmed: kept as any request, not purged in 48 hours
    elif form.action == "acknowledge":
        set_values["contacted_at"] = at
    elif form.action == "decline":
        set_values["excluded_supporters"] = [*item.get("excluded_supporters", []), claims.holder]
        remove = (*SLA_FIELDS, "supporter_id")
        release = claims.holder
    elif form.action == "close":
        set_values.update(
            closed_at=at,
            conversations=form.conversations,
            modality_used=str(form.modality_used),
            purge_at=purge_time(now, settings),
        )
        release = claims.holder
    elif form.action == "decline_invitation":
        # No, thank you: nothing about them is kept from this moment.
        purge = purged_now(now)
        set_values, remove = purge["set_values"], (*SLA_FIELDS, *purge["remove"])
    elif form.action in ("cancel", "withdraw"):
        set_values["purge_at"] = purge_time(now, settings)
        release = item["supporter_id"] if holder_is_assigned else None
    try:
        transitions.move(
            item["request_id"],
            version=int(item["version"]),
            current=str(item["status"]),
            at=at,
            event=event,
            set_values=set_values,
            remove=remove,
            release_supporter=release,
            debrief=form.wants_debrief,
        )
    except Conflict:
        raise StaleAction("changed") from None
    return Done(form.action, target)


def purge_time(now: datetime, settings: Settings) -> int:
    """When the item, and every personal detail in it, is deleted (DynamoDB TTL, epoch seconds)."""
    return int((now + timedelta(days=settings.retention_days)).timestamp())
