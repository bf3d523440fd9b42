"""Anonymous feedback: a link that names no one, used once, whose answers only add to a month's counts.

The link carries a random nonce, the month it counts for and its expiry, signed with the stack's
secret. What keeps it single-use is a keyed hash of the nonce (in the Idempotency table, gone when the
link expires), never the answers: those are added to the month's counts and kept nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from peer_support.core.errors import Conflict
from peer_support.links.keys import previous_signing_key, signing_key
from peer_support.links.tokens import FeedbackClaims, InvalidLink, verify_feedback_link
from peer_support.reports.measures import feedback_measures
from peer_support.reports.monthly import MonthlyCounters, keyed_marker


class FeedbackForm(BaseModel):
    """The three questions. Nothing else is taken: no free text, nothing that could name anyone."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    helpful: int = Field(ge=1, le=5, description="How helpful was it, from 1 (not at all) to 5 (very)")
    contacted_in_time: bool = Field(description="Were you contacted soon enough?")
    would_recommend: bool = Field(description="Would you recommend peer support to a colleague?")


class FeedbackUsed(Conflict):
    """This link's answers were received already."""


def verify(token: str, now: datetime) -> tuple[FeedbackClaims, bytes]:
    """The claims of a genuine feedback link, and the key it was signed with (which names its marker,
    so that a rotation in between cannot make it usable twice). Raises `InvalidLink`."""
    try:
        key = signing_key()
        return verify_feedback_link(token, key, now), key
    except InvalidLink:
        previous = previous_signing_key()
        if previous is None:
            raise
        return verify_feedback_link(token, previous, now), previous


def record(
    claims: FeedbackClaims, key: bytes, form: FeedbackForm, counters: MonthlyCounters
) -> dict[str, Any]:
    """Use the link once, then add its answers to its month. Raises `FeedbackUsed` the second time.

    Used first, counted second: should the second step fail, an answer is lost, never counted twice."""
    if not counters.spend(keyed_marker(key, "feedback", claims.nonce), claims.expires):
        raise FeedbackUsed("feedback already received")
    counters.add(
        claims.month, dict(feedback_measures(form.helpful, form.contacted_in_time, form.would_recommend))
    )
    return {"status": "received"}
