"""A supporter's own availability as matching and the form read it (pure): time away from a later day,
a pause, their own limit under the administrator's cap, training dates and a requested specialty."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from peer_support.requests import matching
from peer_support.requests.matching import rank_candidates
from peer_support.supporters.availability import AboveCap, AvailabilityForm, changes, shown
from peer_support.supporters.models import RosterEntry, SupporterRecord
from tests.unit.test_matching import request, supporter

# Thursday 26 November 2026, noon in Vancouver; the next Monday is 30 November.
THURSDAY = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
NEXT_MONDAY = date(2026, 11, 30)


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 20, 0, tzinfo=UTC)


def matched(candidate: SupporterRecord, when: datetime, **item: Any) -> bool:
    return rank_candidates(request(**item), [candidate], when).candidates == [candidate]


def test_away_from_next_monday_is_matched_until_sunday_and_not_from_monday() -> None:
    # Given a supporter away from next Monday for a week
    away = supporter(away_from=NEXT_MONDAY, away_until=NEXT_MONDAY + timedelta(days=6))
    # Then they are matched every day until Sunday, and from Monday are left out as away
    for day in (date(2026, 11, 26), date(2026, 11, 28), date(2026, 11, 29)):
        assert matched(away, at_noon(day)), day
    for day in (NEXT_MONDAY, NEXT_MONDAY + timedelta(days=6)):
        assert rank_candidates(request(), [away], at_noon(day)).left_out == {"s1": matching.AWAY}
    # And back the day after the last day away
    assert matched(away, at_noon(NEXT_MONDAY + timedelta(days=7)))


def test_a_paused_supporter_is_never_matched_while_paused() -> None:
    paused = supporter(paused=True)
    for days in range(0, 60, 7):
        ranking = rank_candidates(request(), [paused], THURSDAY + timedelta(days=days))
        assert ranking.left_out == {"s1": matching.PAUSED}
    assert matched(supporter(paused=False), THURSDAY)


def test_their_own_lower_limit_stops_new_cases_until_below_it() -> None:
    # Given the cap is 3 and they chose 1 while holding 2
    busy = supporter(max_open=3, own_max_open=1, open_count=2)
    assert busy.open_limit == 1
    assert rank_candidates(request(), [busy], THURSDAY).left_out == {"s1": matching.AT_CAPACITY}
    assert rank_candidates(request(), [busy.model_copy(update={"open_count": 1})], THURSDAY).candidates == []
    assert matched(busy.model_copy(update={"open_count": 0}), THURSDAY)


def test_the_cap_wins_over_a_higher_own_limit() -> None:
    # An administrator lowered the cap below what the supporter once chose
    assert supporter(max_open=2, own_max_open=4).open_limit == 2


def test_matching_stops_the_day_after_trained_until() -> None:
    trained = supporter(trained_until=date(2026, 11, 29))
    assert matched(trained, at_noon(date(2026, 11, 29)))
    ranking = rank_candidates(request(), [trained], at_noon(date(2026, 11, 30)))
    assert ranking.left_out == {"s1": matching.TRAINING_LAPSED}
    assert ranking.reasons() == {"training_lapsed": 1}


def test_a_specialty_preference_is_honoured_like_a_language() -> None:
    # Given two supporters, the one with the specialty assigned more recently
    other = supporter("s1", last_assigned_at="2026-11-01T00:00:00Z")
    surgeon = supporter(
        "s2",
        specialties=["Chirurgie générale", "Emergency Medicine"],
        last_assigned_at="2026-11-20T00:00:00Z",
    )
    item = {"preferences": {"specialty": "  chirurgie GENERALE."}}
    ranking = rank_candidates(request(**item), [other, surgeon], THURSDAY)
    assert [s.supporter_id for s in ranking.candidates] == ["s2", "s1"]


def test_a_specialty_nobody_has_is_ignored() -> None:
    first = supporter("s1", specialties=["Psychiatry"])
    second = supporter("s2", last_assigned_at="2026-11-20T00:00:00Z")
    ranking = rank_candidates(request(preferences={"specialty": "Dermatology"}), [second, first], THURSDAY)
    assert [s.supporter_id for s in ranking.candidates] == ["s1", "s2"]


def test_specialty_comes_after_shared_identity_and_language() -> None:
    speaks = supporter("s1", languages=["Punjabi"])
    specialist = supporter("s2", specialties=["Surgery"])
    item = {"preferences": {"language": "punjabi", "specialty": "surgery"}}
    ranking = rank_candidates(request(**item), [specialist, speaks], THURSDAY)
    assert [s.supporter_id for s in ranking.candidates] == ["s1", "s2"]


def record(**overrides: Any) -> SupporterRecord:
    return supporter(max_open=3, version=4, **overrides)


def form(**answers: Any) -> AvailabilityForm:
    return AvailabilityForm.model_validate({**shown(record()), **answers})


def test_a_save_writes_only_what_changed() -> None:
    values, changed = changes(record(), form(paused=True, on_call=["sat", "sun"]))
    assert changed == ["on_call", "paused"]
    assert values == {"on_call": ["sat", "sun"], "paused": True}


def test_max_open_is_kept_beside_the_cap_only_when_changed() -> None:
    assert changes(record(), form(away_from="2026-12-21", away_until="2027-01-04"))[0] == {
        "away_from": "2026-12-21",
        "away_until": "2027-01-04",
    }
    assert changes(record(), form(max_open=1)) == ({"own_max_open": 1}, ["max_open"])


def test_max_open_above_the_cap_is_refused() -> None:
    with pytest.raises(AboveCap) as refused:
        changes(record(), form(max_open=4))
    assert refused.value.cap == 3


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"away_from": "2026-12-21", "away_until": "2026-12-20"}, "away_until"),
        ({"away_from": "2026-12-21", "away_until": None}, "away_until"),
        ({"on_call": ["mon", "someday"]}, "on_call"),
        ({"max_open": 0}, "max_open"),
        ({"away_until": "soon"}, "away_until"),
    ],
)
def test_bad_answers_are_refused_by_field(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        form(**answers)
    located = {str(e.get("ctx", {}).get("field") or e["loc"][0]) for e in refused.value.errors()}
    assert field in located


def test_the_roster_refuses_away_until_before_away_from() -> None:
    with pytest.raises(ValidationError):
        RosterEntry.model_validate(
            {
                "supporter_id": "s1",
                "name": "Dr. A",
                "email": "a@example.org",
                "modalities": ["video"],
                "away_from": "2026-12-21",
                "away_until": "2026-12-01",
            }
        )
