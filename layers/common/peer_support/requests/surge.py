"""Surge mode: above `SurgeRequestsPerHour` new requests in the last hour, a new self request waits for
its sender to confirm it from their email, so no script can spend the supporters' places. Only counts
are read and written (the counters table, handed in by the entry point)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

COUNTER = "requests_submitted"
SURGE_FLAG = "surge"
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Surge:
    held: bool = False  # the new request waits for its sender's confirmation
    starts_now: bool = False  # this request is the one that began the surge: the administrators are told


NO_SURGE = Surge()
SurgeCheck = Callable[[datetime], Surge]


class HourlyCounts(Protocol):
    def add(self, counter: str, period: str, expires_at: int) -> int: ...

    def get(self, counter: str, period: str) -> dict[str, Any] | None: ...

    def mark(self, counter: str, period: str, flag: str) -> bool: ...


def hour_of(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H")


def in_the_last_hour(this_hour: int, last_hour: int, now: datetime) -> float:
    """How many arrived in the hour up to `now`, from two clock-hour counts: all of this hour's, and the
    share of the last hour's that the window still covers (a sliding window, with no list of times)."""
    into_the_hour = (now - now.replace(minute=0, second=0, microsecond=0)) / HOUR
    return this_hour + last_hour * (1 - into_the_hour)


def surge_check(counts: HourlyCounts, threshold: int) -> SurgeCheck:
    """Counts each new request and says whether it comes in a surge (never with `threshold` 0)."""

    def check(now: datetime) -> Surge:
        if threshold <= 0:
            return NO_SURGE
        hour = hour_of(now)
        this_hour = counts.add(COUNTER, hour, int((now + 3 * HOUR).timestamp()))
        last = counts.get(COUNTER, hour_of(now - HOUR)) or {}
        if in_the_last_hour(this_hour, int(last.get("count", 0)), now) <= threshold:
            return NO_SURGE
        # One alert for a surge, however many hours it lasts: the first request over the threshold in an
        # hour that did not follow a surge.
        began = counts.mark(COUNTER, hour, SURGE_FLAG) and not last.get(SURGE_FLAG)
        return Surge(held=True, starts_now=began)

    return check
