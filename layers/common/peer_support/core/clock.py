"""The one clock. Every "now" in the system comes from here, so deadlines, tests and the
local runner's time travel agree."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class AdjustableClock:
    """Real time shifted by an offset that can be advanced or set (tests, local runner)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        with self._lock:
            self._offset = when - datetime.now(UTC)
        return self.now()

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += delta
        return self.now()


class FrozenClock:
    """A clock that only moves when told to (unit tests)."""

    def __init__(self, when: datetime) -> None:
        self._now = when

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now


_clock: Clock = SystemClock()


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _clock.now()


def use(clock: Clock) -> Clock:
    """Install `clock` as the one clock; returns the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def parse_iso(value: str) -> datetime:
    """A time as the table stores it (`iso`), back to an aware datetime."""
    return datetime.fromisoformat(value)


def iso(when: datetime) -> str:
    """ISO-8601 UTC with a Z, second precision: the format stored in the table."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
