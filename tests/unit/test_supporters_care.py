"""Looking after the supporters (pure): when a training reminder is due, when the Monday digest is, and
what it lists."""

from __future__ import annotations

from datetime import UTC, date, datetime

from peer_support.supporters.care import digest, digest_week, training_reminder_due
from peer_support.supporters.notices import notices_for
from tests.unit.test_matching import supporter

TODAY = date(2026, 11, 26)


def test_the_training_reminder_is_due_from_30_days_before_through_the_day() -> None:
    assert not training_reminder_due(supporter(trained_until=date(2026, 12, 27)), TODAY)
    assert training_reminder_due(supporter(trained_until=date(2026, 12, 26)), TODAY)
    assert training_reminder_due(supporter(trained_until=TODAY), TODAY)
    assert not training_reminder_due(supporter(trained_until=date(2026, 11, 25)), TODAY)
    assert not training_reminder_due(supporter(), TODAY)


def test_the_training_reminder_is_due_once_per_date() -> None:
    reminded = supporter(trained_until=date(2026, 12, 1), training_reminded_for=date(2026, 12, 1))
    assert not training_reminder_due(reminded, TODAY)
    renewed = reminded.model_copy(update={"trained_until": date(2026, 12, 20)})
    assert training_reminder_due(renewed, TODAY)


def test_the_digest_is_due_on_monday_from_eight_pacific() -> None:
    # Monday 30 November 2026: 08:00 in Vancouver is 16:00 UTC
    assert digest_week(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) is None
    assert digest_week(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-11-30"
    assert digest_week(datetime(2026, 12, 1, 7, 59, tzinfo=UTC)) == "2026-11-30"  # still Monday there
    assert digest_week(datetime(2026, 12, 1, 16, 0, tzinfo=UTC)) is None


def test_the_digest_lists_who_needs_an_eye() -> None:
    roster = [
        supporter("s1", name="Dr. Paused", paused=True),
        supporter("s2", name="Dr. Away", away_from=date(2026, 12, 1), away_until=date(2026, 12, 5)),
        supporter("s3", name="Dr. Full", open_count=2, own_max_open=2),
        supporter("s4", name="Dr. Training", trained_until=date(2026, 12, 20)),
        supporter("s5", name="Dr. Fine", trained_until=date(2027, 6, 1)),
        supporter("s6", name="Dr. Gone", active=False, paused=True),
    ]
    sections = digest(roster, TODAY)
    assert [row["name"] for row in sections["paused"]] == ["Dr. Paused"]
    assert [row["name"] for row in sections["away"]] == ["Dr. Away"]
    assert sections["away"][0]["when"] == "Tuesday, December 1, 2026 to Saturday, December 5, 2026"
    assert [row["name"] for row in sections["at_capacity"]] == ["Dr. Full"]
    assert [(row["name"], row["lapsed"]) for row in sections["training"]] == [("Dr. Training", False)]


def test_only_a_version_bump_calls_for_a_notice() -> None:
    old = {"supporter_id": "s1", "version": 2, "open_count": 0}
    slot_taken = {**old, "open_count": 1, "last_event": "availability_changed"}
    assert notices_for({**old, "last_event": "availability_changed"}, slot_taken) == []
    imported = {**old, "version": 3, "last_event": "roster_imported"}
    assert notices_for(old, imported) == []
    saved = {**old, "version": 3, "last_event": "availability_changed", "changed": ["paused"], "paused": True}
    [notice] = notices_for(old, saved)
    assert notice.context["changes"] == [{"answer": "paused", "before": None, "after": True}]
    debrief = {**old, "version": 3, "last_event": "debrief_requested"}
    assert [(n.kind, n.role) for n in notices_for(old, debrief)] == [("debrief_requested", "admin")]
    reminder = {**old, "version": 3, "last_event": "training_reminder"}
    assert [n.role for n in notices_for(old, reminder)] == ["supporter", "admin"]
