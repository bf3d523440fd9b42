"""Settings: one pydantic model per function, read once from the environment. The base here holds what
every function reads; the notifications and the group add their own on top.

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
    # An urgent request's first contact is due this many minutes after its match, counted in urgent hours.
    urgent_contact_minutes: int = Field(alias="URGENT_CONTACT_MINUTES", default=120, ge=15, le=720)
    consent_days: int = Field(alias="CONSENT_BUSINESS_DAYS", default=1, ge=1, le=10)
    reassign_on_breach: bool = Field(alias="REASSIGN_ON_BREACH", default=True)
    retention_days: int = Field(alias="RETENTION_DAYS", default=30, ge=1, le=3650)
    link_ttl_days: int = Field(alias="LINK_TTL_DAYS", default=30, ge=1, le=365)
    follow_up_days: int = Field(alias="FOLLOW_UP_DAYS", default=10, ge=1, le=60)

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


class IntakeSettings(Settings):
    """What `submit_request` reads on top: the counters, and above how many new requests an hour a
    new self request waits for its sender's confirmation (0: never)."""

    counters_table: str = Field(alias="COUNTERS_TABLE", min_length=1)
    surge_requests_per_hour: int = Field(alias="SURGE_REQUESTS_PER_HOUR", default=20, ge=0, le=10000)


@lru_cache(maxsize=1)
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings.from_env()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings.from_env()
