"""What the BIPOC group's functions read on top of the base settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from peer_support.core.settings import Settings
from peer_support.notifications.settings import NotifySettings


class GroupSettings(Settings):
    """What the BIPOC group's functions need on top: its own table, a session's capacity, and whether
    a statutory-holiday Monday still holds the session."""

    group_table: str = Field(alias="GROUP_TABLE", min_length=1)
    group_capacity: int = Field(alias="GROUP_CAPACITY", default=15, ge=1, le=500)
    group_meets_on_holidays: bool = Field(alias="GROUP_MEETS_ON_HOLIDAYS", default=True)


class GroupNotifySettings(GroupSettings, NotifySettings):
    """The group's emails: who facilitates, and how registrants join (never written in code)."""

    facilitator_email: str = Field(alias="FACILITATOR_EMAIL", min_length=3)
    group_join_url: str = Field(alias="GROUP_JOIN_URL", pattern=r"^https://\S+$")


@lru_cache(maxsize=1)
def get_group_settings() -> GroupSettings:
    return GroupSettings.from_env()


@lru_cache(maxsize=1)
def get_group_notify_settings() -> GroupNotifySettings:
    return GroupNotifySettings.from_env()
