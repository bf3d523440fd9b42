"""Which notices a committed change to a supporter calls for (pure): a change they made to their own
availability, a debrief they asked for on closing a case, a training reminder that came due. A roster
import and a case taken or given back call for none."""

from __future__ import annotations

from typing import Any

from peer_support.notifications.notice import Notice

# The answers of the supporter's own page as the supporter's item stores them.
STORED = {
    "away_from": "away_from",
    "away_until": "away_until",
    "max_open": "own_max_open",
    "on_call": "on_call",
    "paused": "paused",
}
EVENTS = ("availability_changed", "debrief_requested", "training_reminder")


def what_changed(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Each answer the supporter changed, as it was and as it is (for the administrators' email)."""
    rows = []
    for answer in new.get("changed") or ():
        attribute = STORED.get(str(answer))
        if attribute is None:
            continue
        before, after = old.get(attribute), new.get(attribute)
        if answer == "max_open":
            before = before if before is not None else old.get("max_open")
            after = after if after is not None else new.get("max_open")
        rows.append({"answer": answer, "before": before, "after": after})
    return rows


def notices_for(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Notice]:
    """The notices for a change from `old` to `new` (the item's stream images); none unless the change
    bumped the version (a slot taken or given back does not)."""
    if old is None or int(new.get("version", 0)) == int(old.get("version", 0)):
        return []
    event = new.get("last_event")
    if event == "availability_changed":
        return [Notice("availability_changed", "admin", {"changes": what_changed(old, new)})]
    if event == "debrief_requested":
        return [Notice("debrief_requested", "admin")]
    if event == "training_reminder":
        return [Notice("training_reminder", "supporter"), Notice("training_reminder_admin", "admin")]
    return []
