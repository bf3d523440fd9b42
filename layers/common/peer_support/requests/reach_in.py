"""A reach-in: the program invites a physician who did not ask, at a referrer's request. What its
answers and its silence do to the stored item: a "no, thank you" and a lapsed invitation keep no personal
data from that moment (the TTL then deletes what is left: the reference, its kind, states and times)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# Everything a request holds about a person or in their words: removed in the same conditional write
# that declines or lets the invitation lapse. What stays is only what the program counts.
PERSONAL_FIELDS = (
    "requester",
    "colleague",
    # (`requester_key` too, which every move out of the open states removes: see `transition_update`)
    "submission_hash",  # a digest of the answers, names and addresses among them
    "note",
    "avoid",
    "site",
    "preferences",
    "event",
    "reasons",
    "share_reasons",
    "share_referrer_name",
    "career_stage",
    "modalities",
    "practices_in_vancouver",
)


def purged_now(now: datetime) -> dict[str, Any]:
    """The change that forgets the people of a reach-in at once: `set_values` and `remove` for
    `Transitions.move`, with the item itself due for deletion now."""
    return {"set_values": {"purge_at": int(now.timestamp())}, "remove": PERSONAL_FIELDS}


def addressed(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The item a notice about this change is addressed from: a declined invitation's kind note goes
    to the physician whose address the same change removed, so it comes from the stream's old image
    (held in memory for the send, never written back)."""
    if old is None or new.get("last_event") != "invitation_declined":
        return new
    return {**new, "colleague": old.get("colleague")}
