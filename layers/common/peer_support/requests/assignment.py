"""Assigning a Peer Supporter to a request that waits for one."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from peer_support.core import clock
from peer_support.core.errors import Conflict
from peer_support.core.settings import Settings
from peer_support.requests.matching import AT_CAPACITY, rank_candidates
from peer_support.requests.models import Status
from peer_support.requests.sla import when_matched, when_needs_admin
from peer_support.requests.transitions import Transitions
from peer_support.supporters.models import SupporterRecord
from peer_support.supporters.slots import SupporterFull

logger = Logger()
metrics = Metrics()

NO_SUPPORTER = "no_supporter_available"


class Supporters(Protocol):
    """Where the roster is read from (the supporters' repository, wired in by the entry point)."""

    def all(self) -> list[SupporterRecord]: ...


class Roster(Supporters, Protocol):
    def took(self, supporter_id: str, at: str) -> None: ...


class RosterSnapshot:
    """The roster read once for a batch of requests, kept current with the slots the batch takes.

    A batch of ten requests costs one roster read instead of ten. What others change meanwhile is seen
    at the next batch: a slot they took shows up as `SupporterFull` on our conditional write, and the
    next candidate is tried, so a stale count can never overfill anyone.
    """

    def __init__(self, repository: Supporters) -> None:
        self._repository = repository
        self._records: list[SupporterRecord] | None = None

    def all(self) -> list[SupporterRecord]:
        if self._records is None:
            self._records = self._repository.all()
        return self._records

    def took(self, supporter_id: str, at: str) -> None:
        """One more open case for `supporter_id`, as the transaction just wrote it."""
        self._records = [
            s.model_copy(update={"open_count": s.open_count + 1, "last_assigned_at": at})
            if s.supporter_id == supporter_id
            else s
            for s in self.all()
        ]


class Outcome(StrEnum):
    MATCHED = "matched"
    NEEDS_ADMIN = "needs_admin"
    UNCHANGED = "unchanged"  # not waiting for a match (any more): a redelivery, or someone acted first


def assign_supporter(
    item: dict[str, Any], *, roster: Roster, transitions: Transitions, settings: Settings
) -> Outcome:
    """Match the request in `item` (its latest stream image) to the best free supporter.

    Each try is one transaction guarded by the request's version, so a record delivered twice,
    or a request that moved on, changes nothing. If the chosen supporter's last slot went to
    someone else first, the next candidate is tried. With nobody left the request goes to
    `needs_admin`, recording why each supporter was left out (codes, never names).
    """
    request_id, version = item["request_id"], int(item["version"])
    if item.get("status") != Status.PENDING_MATCH:
        return Outcome.UNCHANGED
    now = clock.now()
    at = clock.iso(now)
    ranking = rank_candidates(item, roster.all(), now)
    for candidate in ranking.candidates:
        try:
            deadline = when_matched(now, bool(item.get("urgent")), settings)
            # Urgent with nobody on call today: matched all the same, and the administrators are told.
            fallback = {"on_call_fallback": ranking.nobody_on_call} if item.get("urgent") else {}
            transitions.assign(request_id, version, candidate.supporter_id, at, {**deadline, **fallback})
        except SupporterFull:
            ranking.left_out[candidate.supporter_id] = AT_CAPACITY
            continue
        except Conflict:
            return Outcome.UNCHANGED
        roster.took(candidate.supporter_id, at)
        logger.info(
            "request matched", extra={"reference": request_id, "supporter_id": candidate.supporter_id}
        )
        metrics.add_metric(name="RequestsMatched", unit=MetricUnit.Count, value=1)
        if item.get("created_at") and not item.get("matched_at"):
            waited = now - clock.parse_iso(str(item["created_at"]))
            metrics.add_metric(
                name="TimeToMatch", unit=MetricUnit.Seconds, value=max(waited.total_seconds(), 0)
            )
        return Outcome.MATCHED

    reasons = ranking.reasons()
    try:
        transitions.move(
            request_id,
            version=version,
            current=Status.PENDING_MATCH,
            at=at,
            event="needs_admin",
            set_values={"needs_admin_reason": NO_SUPPORTER, "left_out": reasons, **when_needs_admin(now)},
            detail={"reason": NO_SUPPORTER, "left_out": reasons},
        )
    except Conflict:
        return Outcome.UNCHANGED
    logger.warning("no supporter available", extra={"reference": request_id, "left_out": reasons})
    metrics.add_metric(name="NeedsAdmin", unit=MetricUnit.Count, value=1)
    return Outcome.NEEDS_ADMIN
