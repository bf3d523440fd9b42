"""What the functions that count and report read on top of the base settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from peer_support.core.settings import Settings
from peer_support.notifications.settings import NotifySettings


class CountSettings(Settings):
    """Where the monthly counts live, and where the markers that keep each count single are kept."""

    counters_table: str = Field(alias="COUNTERS_TABLE", min_length=1)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    # Counts from 1 to one below this are hidden in reports; medians and shares need this many cases.
    report_min_count: int = Field(alias="REPORT_MIN_COUNT", default=5, ge=3, le=100)
    # How long the administrators' report link keeps working.
    report_link_days: int = Field(alias="REPORT_LINK_DAYS", default=45, ge=1, le=365)


class ReportEmailSettings(CountSettings, NotifySettings):
    """The monthly email to the administrators: who sends it, where its link points."""


@lru_cache(maxsize=1)
def get_count_settings() -> CountSettings:
    return CountSettings.from_env()


@lru_cache(maxsize=1)
def get_report_email_settings() -> ReportEmailSettings:
    return ReportEmailSettings.from_env()
