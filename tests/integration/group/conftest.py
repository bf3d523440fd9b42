"""Fixtures for the BIPOC group under moto: the template's resources, the group's own caches cleared,
and the one clock frozen at a known moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.integration.group.helpers import GroupPipeline

# Thursday 5 March 2026, 10:00 in Vancouver: the next session is Monday 9 March, the first after the
# switch to daylight time.
THURSDAY = datetime(2026, 3, 5, 10, 0, tzinfo=TIME_ZONE)


def _clear_group_caches() -> None:
    from peer_support.group import delivery as group_delivery
    from peer_support.group import settings

    for cached in (settings.get_group_settings, settings.get_group_notify_settings):
        cached.cache_clear()
    group_delivery.sender.forget()


@pytest.fixture
def group_stack(stack: Any) -> Iterator[Any]:
    """The stack, with the group's settings and email sender read afresh for this test's AWS."""
    _clear_group_caches()
    yield stack
    _clear_group_caches()


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    frozen_clock = clock.FrozenClock(THURSDAY)
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


@pytest.fixture
def pipeline(group_stack: Any) -> GroupPipeline:
    return GroupPipeline(group_stack)
