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
    # What a text message comes from, where the destination's rules allow it: a sender ID (letters, as
    # some countries show) and an origination number (a long code or toll-free number, which Canada and
    # the US require). Empty: SNS picks from the account's.
    sms_sender_id: str | None = Field(alias="SMS_SENDER_ID", default=None, pattern=r"^[A-Za-z0-9-]{1,11}$")
    sms_origination_number: str | None = Field(
        alias="SMS_ORIGINATION_NUMBER", default=None, pattern=r"^\+[1-9][0-9]{6,14}$"
    )

    @field_validator("sms_sender_id", "sms_origination_number", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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
