"""What the notifying functions read on top of the base settings: who sends, who administers, where
links point, and where sent messages are remembered."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator

from peer_support.core.settings import Settings


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
