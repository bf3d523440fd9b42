"""assign_supporter against an in-memory store that enforces the same conditions as DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from peer_support.core import clock
from peer_support.core.errors import Conflict
from peer_support.core.settings import Settings
from peer_support.requests.assignment import Outcome, RosterSnapshot, assign_supporter
from peer_support.requests.states import transition
from peer_support.supporters.models import SupporterRecord
from peer_support.supporters.slots import SupporterFull

SETTINGS = Settings.from_env({"REQUESTS_TABLE": "r", "SUPPORTERS_TABLE": "s", "LINK_SECRET_ARN": "arn"})


class Store:
    """Requests and supporters with the conditions the real transaction checks."""

    def __init__(self, roster: list[SupporterRecord]) -> None:
        self.supporters = {s.supporter_id: s.model_copy() for s in roster}
        self.requests: dict[str, dict[str, Any]] = {}
        self.snapshot = [s.model_copy() for s in roster]  # what every match read: the worst interleaving

    def all(self) -> list[SupporterRecord]:
        return self.snapshot

    def took(self, supporter_id: str, at: str) -> None:
        pass  # the snapshot never learns: every match decides on the oldest counts

    def assign(
        self, request_id: str, version: int, supporter_id: str, at: str, set_values: dict[str, Any]
    ) -> None:
        request = self.requests[request_id]
        if request["version"] != version or request["status"] != "pending_match":
            raise Conflict()
        supporter = self.supporters[supporter_id]
        if supporter.open_count >= supporter.max_open or not supporter.active:
            raise SupporterFull(supporter_id)
        supporter.open_count += 1
        request.update(status="matched", version=version + 1, supporter_id=supporter_id)

    def move(self, request_id: str, **kwargs: Any) -> None:
        request = self.requests[request_id]
        if request["version"] != kwargs["version"] or request["status"] != kwargs["current"]:
            raise Conflict()
        target = transition(kwargs["event"], kwargs["current"])
        assert target is not None, kwargs
        request.update(status=target, version=kwargs["version"] + 1)


supporters = st.builds(
    lambda i, max_open, used, active: SupporterRecord(
        supporter_id=f"s{i}",
        name=f"Dr. S{i}",
        email=f"s{i}@example.org",
        modalities=["video"],
        max_open=max_open,
        open_count=min(used, max_open),
        active=active,
    ),
    st.integers(0, 30),
    st.integers(0, 3),
    st.integers(0, 3),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    roster=st.lists(supporters, max_size=6, unique_by=lambda s: s.supporter_id),
    requests=st.integers(0, 15),
    redeliveries=st.integers(0, 3),
)
def test_capacity_is_never_exceeded(roster: list[SupporterRecord], requests: int, redeliveries: int) -> None:
    previous = clock.use(clock.FrozenClock(datetime(2026, 11, 26, 20, tzinfo=UTC)))
    try:
        store = Store(roster)
        items = []
        for i in range(requests):
            item = {
                "request_id": f"r{i}",
                "status": "pending_match",
                "version": 1,
                "modalities": ["video"],
                "requester": {"name": f"Dr. R{i}", "email": f"r{i}@example.org"},
            }
            store.requests[f"r{i}"] = dict(item)
            items.append(item)
        outcomes = [
            assign_supporter(item, roster=store, transitions=store, settings=SETTINGS)  # type: ignore[arg-type]
            for item in items
        ]
        # Every record delivered again changes nothing.
        for item in items[:redeliveries]:
            again = assign_supporter(item, roster=store, transitions=store, settings=SETTINGS)  # type: ignore[arg-type]
            assert again is Outcome.UNCHANGED

        for supporter in store.supporters.values():
            assert supporter.open_count <= supporter.max_open
        free = sum(max(s.max_open - s.open_count, 0) for s in roster if s.active)
        assert outcomes.count(Outcome.MATCHED) == min(requests, free)
        assert outcomes.count(Outcome.NEEDS_ADMIN) == requests - min(requests, free)
    finally:
        clock.use(previous)


class CountingRepository:
    """A roster that counts its reads."""

    def __init__(self, roster: list[SupporterRecord]) -> None:
        self.roster = roster
        self.reads = 0

    def all(self) -> list[SupporterRecord]:
        self.reads += 1
        return [s.model_copy() for s in self.roster]


def test_a_batch_reads_the_roster_once_and_sees_its_own_assignments() -> None:
    # Given two free supporters, the one assigned longest ago first in line
    roster = [
        SupporterRecord(
            supporter_id=f"s{i}",
            name=f"Dr. S{i}",
            email=f"s{i}@example.org",
            modalities=["video"],
            max_open=3,
            last_assigned_at=f"2026-11-2{i}T10:00:00Z",
        )
        for i in (1, 2)
    ]
    repository = CountingRepository(roster)
    store = Store(roster)
    snapshot = RosterSnapshot(repository)
    previous = clock.use(clock.FrozenClock(datetime(2026, 11, 26, 20, tzinfo=UTC)))
    try:
        # When a batch of two requests is matched
        for i in range(2):
            item = {"request_id": f"r{i}", "status": "pending_match", "version": 1, "modalities": ["video"]}
            store.requests[f"r{i}"] = dict(item)
            assign_supporter(item, roster=snapshot, transitions=store, settings=SETTINGS)  # type: ignore[arg-type]
    finally:
        clock.use(previous)

    # Then the roster was read once, and the second request went to the other supporter
    assert repository.reads == 1
    assert [store.requests[f"r{i}"]["supporter_id"] for i in range(2)] == ["s1", "s2"]
    assert [s.open_count for s in snapshot.all()] == [1, 1]
