"""Settings: one pydantic model, read once from the environment.

A missing required setting fails at start-up with its name; nothing falls back silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class MissingSetting(RuntimeError):
    """A required environment variable is absent or invalid."""


class Settings(BaseModel):
    # Built on first use: each function reads one of these models, and builds only that one.
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)

    requests_table: str = Field(alias="REQUESTS_TABLE", min_length=1)
    supporters_table: str = Field(alias="SUPPORTERS_TABLE", min_length=1)
    link_secret_arn: str = Field(alias="LINK_SECRET_ARN", min_length=1)
    program_name: str = Field(alias="PROGRAM_NAME", default="Physician Peer Support")
    max_body_bytes: int = Field(alias="MAX_BODY_BYTES", default=16 * 1024, gt=0)
    contact_days: int = Field(alias="CONTACT_BUSINESS_DAYS", default=2, ge=1, le=10)
    urgent_contact_days: int = Field(alias="URGENT_CONTACT_BUSINESS_DAYS", default=1, ge=1, le=10)
    consent_days: int = Field(alias="CONSENT_BUSINESS_DAYS", default=1, ge=1, le=10)
    reassign_on_breach: bool = Field(alias="REASSIGN_ON_BREACH", default=True)
    retention_days: int = Field(alias="RETENTION_DAYS", default=30, ge=1, le=3650)
    link_ttl_days: int = Field(alias="LINK_TTL_DAYS", default=30, ge=1, le=365)

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read the settings from `environ` (default: the process environment)."""
        try:
            return cls.model_validate(dict(os.environ if environ is None else environ))
        except ValidationError as exc:
            names = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
            raise MissingSetting(f"missing or invalid setting(s): {', '.join(names)}") from None


class NotifySettings(Settings):
    """What the `notify` function needs on top: who sends, who administers, where links point."""

    sender_email: str = Field(alias="SENDER_EMAIL", min_length=3)
    admin_emails: tuple[str, ...] = Field(alias="ADMIN_EMAILS", min_length=1)
    public_base_url: str = Field(alias="PUBLIC_BASE_URL", pattern=r"^https?://")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    configuration_set: str | None = Field(alias="SES_CONFIGURATION_SET", default=None)

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return tuple(a.strip() for a in value.split(",") if a.strip()) if isinstance(value, str) else value

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


@lru_cache(maxsize=1)
def get_notify_settings() -> NotifySettings:
    return NotifySettings.from_env()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings.from_env()


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
