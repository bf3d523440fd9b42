"""Matching as pure functions: every hard filter, every preference, and properties that always hold."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peer_support.requests import matching
from peer_support.requests.matching import normalise, rank_candidates
from peer_support.supporters.models import SupporterRecord

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # Thursday 12:00 in Vancouver


def supporter(supporter_id: str = "s1", **overrides: Any) -> SupporterRecord:
    data: dict[str, Any] = {
        "supporter_id": supporter_id,
        "name": f"Dr. {supporter_id.title()} Example",
        "email": f"{supporter_id}@example.org",
        "modalities": ["phone", "video", "in_person"],
        "max_open": 3,
        **overrides,
    }
    return SupporterRecord.model_validate(data)


def request(**overrides: Any) -> dict[str, Any]:
    return {
        "request_id": "PS-AAAA-BBBB",
        "status": "pending_match",
        "version": 1,
        "kind": "self",
        "requester": {"name": "Dr. Ann Lee", "email": "ann@example.org"},
        "modalities": ["video"],
        "preferences": {"shared_identity": []},
        "avoid": [],
        "excluded_supporters": [],
        **overrides,
    }


def left_out(item: dict[str, Any], candidate: SupporterRecord) -> str | None:
    ranking = rank_candidates(item, [candidate], NOW)
    return ranking.left_out.get(candidate.supporter_id)


def test_a_free_supporter_is_a_candidate() -> None:
    assert rank_candidates(request(), [supporter()], NOW).candidates == [supporter()]


@pytest.mark.parametrize(
    ("item", "candidate", "code"),
    [
        (request(), supporter(active=False), matching.INACTIVE),
        (request(), supporter(away_until=date(2026, 11, 26)), matching.AWAY),
        (request(), supporter(open_count=3, max_open=3), matching.AT_CAPACITY),
        (request(), supporter(max_open=0), matching.AT_CAPACITY),
        (
            request(modalities=["in_person"]),
            supporter(modalities=["phone", "video"]),
            matching.NO_SHARED_MODALITY,
        ),
        (request(excluded_supporters=["s1"]), supporter(), matching.EXCLUDED),
        (request(site="St. Paul's Hospital"), supporter(sites=["st pauls hospital"]), matching.SAME_SITE),
        (request(avoid=["Dr Zoe O'Brien"]), supporter(name="Zoë OBRIEN"), matching.AVOIDED),
        (request(avoid=["zoë o’brien"]), supporter(name="Dr. Zoe O'Brien"), matching.AVOIDED),  # noqa: RUF001 - a typographic apostrophe, on purpose
        (request(), supporter(name="Ann Lee"), matching.IS_PARTICIPANT),
        (request(), supporter(email="ANN@example.org"), matching.IS_PARTICIPANT),
        (
            request(kind="colleague", colleague={"name": "Dr. Sam Roy", "email": "sam@example.org"}),
            supporter(name="Sam Roy"),
            matching.IS_PARTICIPANT,
        ),
    ],
)
def test_hard_filters(item: dict[str, Any], candidate: SupporterRecord, code: str) -> None:
    assert left_out(item, candidate) == code


def test_back_the_day_after_away_until() -> None:
    assert left_out(request(), supporter(away_until=date(2026, 11, 25))) is None
    # 23:30 on the 25th in Vancouver is still the 25th there, though the 26th in UTC.
    late = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)
    assert rank_candidates(request(), [supporter(away_until=date(2026, 11, 25))], late).candidates == []


def test_shared_identity_is_preferred_over_load() -> None:
    shares = supporter("a", identities=["Woman in Surgery"], open_count=2)
    idle = supporter("b")
    item = request(preferences={"shared_identity": ["woman in surgery"]})
    assert [s.supporter_id for s in rank_candidates(item, [idle, shares], NOW).candidates] == ["a", "b"]


def test_language_is_preferred_after_identity() -> None:
    speaks = supporter("a", languages=["Français"], open_count=1)
    idle = supporter("b", languages=["English"])
    item = request(preferences={"language": "francais"})
    assert [s.supporter_id for s in rank_candidates(item, [idle, speaks], NOW).candidates] == ["a", "b"]


def test_then_lowest_load_then_least_recently_assigned() -> None:
    busy = supporter("a", open_count=2)
    recent = supporter("b", open_count=1, last_assigned_at="2026-11-20T10:00:00Z")
    earlier = supporter("c", open_count=1, last_assigned_at="2026-11-01T10:00:00Z")
    never = supporter("d", open_count=1)
    ranked = rank_candidates(request(), [busy, recent, earlier, never], NOW).candidates
    assert [s.supporter_id for s in ranked] == ["d", "c", "b", "a"]


def test_reasons_are_codes_counted_without_names() -> None:
    ranking = rank_candidates(
        request(site="VGH"),
        [supporter("a", active=False), supporter("b", sites=["VGH"]), supporter("c", active=False)],
        NOW,
    )
    assert ranking.reasons() == {"inactive": 2, "same_site": 1}
    assert "Example" not in str(ranking.reasons())


def test_normalise() -> None:
    assert normalise("  Dr. Zoë  O'Brien-Nguyễn ") == "zoe obriennguyen"
    assert normalise("DOCTOR Émile") == "emile"


names = st.sampled_from(["Ann Lee", "Zoë O'Brien", "Sam Roy", "Kofi Mensah", "Ada Lovelace"])
sites = st.sampled_from(["VGH", "St. Paul's", "BC Children's", "MSJ"])
modality = st.sampled_from(["in_person", "phone", "video"])

supporters = st.builds(
    lambda i, name, active, mods, max_open, used, site_list, away: supporter(
        f"s{i}",
        name=name,
        active=active,
        modalities=mods,
        max_open=max_open,
        open_count=min(used, 60),
        sites=site_list,
        away_until=away,
    ),
    st.integers(0, 10_000),
    names,
    st.booleans(),
    st.lists(modality, min_size=1, max_size=3, unique=True),
    st.integers(0, 4),
    st.integers(0, 5),
    st.lists(sites, max_size=2, unique=True),
    st.one_of(st.none(), st.dates(date(2026, 11, 1), date(2026, 12, 31))),
)
requests = st.builds(
    lambda name, mods, site, avoid, excluded: request(
        requester={"name": name, "email": "x@example.org"},
        modalities=mods,
        site=site,
        avoid=avoid,
        excluded_supporters=excluded,
    ),
    names,
    st.lists(modality, min_size=1, max_size=3, unique=True),
    st.one_of(st.none(), sites),
    st.lists(names, max_size=2),
    st.lists(st.integers(0, 50).map(lambda i: f"s{i}"), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(item=requests, roster=st.lists(supporters, max_size=12, unique_by=lambda s: s.supporter_id))
def test_no_candidate_ever_breaks_a_hard_filter(item: dict[str, Any], roster: list[SupporterRecord]) -> None:
    ranking = rank_candidates(item, roster, NOW)
    assert len(ranking.candidates) + len(ranking.left_out) == len(roster)
    for s in ranking.candidates:
        assert s.active
        assert s.open_count < s.max_open
        assert s.away_until is None or s.away_until < date(2026, 11, 26)
        assert set(item["modalities"]) & {m.value for m in s.modalities}
        assert s.supporter_id not in item["excluded_supporters"]
        assert not item.get("site") or normalise(item["site"]) not in {normalise(x) for x in s.sites}
        assert normalise(s.name) not in {normalise(n) for n in item["avoid"]}
        assert normalise(s.name) != normalise(item["requester"]["name"])
