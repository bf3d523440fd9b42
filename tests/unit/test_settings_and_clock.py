from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from peer_support.core import clock
from peer_support.core.settings import MissingSetting, Settings


def test_settings_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"REQUESTS_TABLE": " requests ", "SUPPORTERS_TABLE": "supporters", "LINK_SECRET_ARN": "arn:secret"}
    )
    assert settings.requests_table == "requests"
    assert settings.max_body_bytes == 16 * 1024


def test_a_missing_setting_fails_by_name() -> None:
    with pytest.raises(MissingSetting, match="LINK_SECRET_ARN") as caught:
        Settings.from_env({"REQUESTS_TABLE": "requests", "SUPPORTERS_TABLE": "supporters"})
    assert "REQUESTS_TABLE" not in str(caught.value)


def test_adjustable_clock_moves_when_told() -> None:
    adjustable = clock.AdjustableClock()
    start = adjustable.now()
    later = adjustable.advance(timedelta(hours=50))
    assert timedelta(hours=50) <= later - start < timedelta(hours=50, seconds=5)
    target = datetime(2027, 1, 1, 17, 0, tzinfo=UTC)
    assert abs(adjustable.set(target) - target) < timedelta(seconds=1)
    with pytest.raises(ValueError, match="aware"):
        adjustable.set(datetime(2027, 1, 1))


def test_one_clock_is_injectable() -> None:
    frozen = clock.FrozenClock(datetime(2026, 12, 25, 8, 0, tzinfo=UTC))
    previous = clock.use(frozen)
    try:
        assert clock.now() == frozen.now()
        assert clock.iso(clock.now()) == "2026-12-25T08:00:00Z"
    finally:
        clock.use(previous)
