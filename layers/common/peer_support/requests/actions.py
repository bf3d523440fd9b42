"""What the holder of a signed link may do to a request, as one conditional write each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from peer_support.core import clock
from peer_support.core.errors import Conflict
from peer_support.core.fields import Modality, unique
from peer_support.core.settings import Settings
from peer_support.links.tokens import LinkClaims
from peer_support.requests.models import Kind, ReferredOn, Status
from peer_support.requests.reach_in import purged_now
from peer_support.requests.sla import SLA_FIELDS, when_closed
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
    "talk_again",
]


class ActionForm(BaseModel):
    """What a link's page posts: the action, and for closing a case its counts (never notes)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # only a post builds it

    action: Action
    # Checked even when absent, so closing without answers names every missing one at once.
    conversations: int | None = Field(default=None, ge=0, le=20, validate_default=True)
    modality_used: Modality | None = Field(default=None, validate_default=True)
    # Where the supporter connected the person next (with their agreement): codes only, none by default.
    referred_on: Annotated[list[ReferredOn], AfterValidator(unique), Field(max_length=4)] = []

    @field_validator("referred_on", mode="before")
    @classmethod
    def _none_alone(cls, value: object) -> object:
        # The form's "None of these" box sends `none`: alone it is the empty list; with a place it is a slip.
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and "none" in value:
            if len(value) > 1:
                raise PydanticCustomError("referred_on_none_alone", "referred_on_none_alone")
            return []
        return value

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


def may_talk_again(item: dict[str, Any]) -> bool:
    """Once, after the check-in: the person may ask to talk again."""
    return bool(item.get("checked_in_at")) and not item.get("followed_up_at")


def allowed_actions(claims: LinkClaims, item: dict[str, Any]) -> set[str]:
    """The actions this holder may take on the request as it stands."""
    if not holds_case(claims, item) or handed_on(claims, item):
        return set()
    allowed = {a for a in actions_of(claims.role) if transition(ACTIONS[a], item["status"]) is not None}
    return allowed if may_talk_again(item) else allowed - {"talk_again"}


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
    if target is None or (form.action == "talk_again" and not may_talk_again(item)):
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
    set_values, remove, release = _changes(claims, form, item, now, settings)
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


def _changes(
    claims: LinkClaims, form: ActionForm, item: dict[str, Any], now: datetime, settings: Settings
) -> tuple[dict[str, Any], tuple[str, ...], str | None]:
    """What the action sets and removes on the request, and whose slot it gives back."""
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
            referred_on=[str(code) for code in form.referred_on],
            purge_at=purge_time(now, settings),
        )
        if not item.get("checked_in_at"):
            # One check-in per request, and the personal data is kept until it has gone, and longer.
            set_values.update(when_closed(now, settings))
            remove = ()
        release = claims.holder
    elif form.action == "talk_again":
        # The same request again, offered first to the supporter who closed it; kept until it ends anew.
        set_values["followed_up_at"] = at
        if item.get("supporter_id"):
            set_values["follow_up_of"] = item["supporter_id"]
        remove = (*SLA_FIELDS, "purge_at", "supporter_id")
    elif form.action == "decline_invitation":
        # No, thank you: nothing about them is kept from this moment.
        purge = purged_now(now)
        set_values, remove = purge["set_values"], (*SLA_FIELDS, *purge["remove"])
    elif form.action in ("cancel", "withdraw"):
        set_values["purge_at"] = purge_time(now, settings)
        release = item["supporter_id"] if holder_is_assigned else None
    return set_values, remove, release


def purge_time(now: datetime, settings: Settings) -> int:
    """When the item, and every personal detail in it, is deleted (DynamoDB TTL, epoch seconds)."""
    return int((now + timedelta(days=settings.retention_days)).timestamp())
