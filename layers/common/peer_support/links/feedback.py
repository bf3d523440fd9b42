"""A new anonymous feedback link: a random nonce, the month it counts for, its expiry rounded to the
day. Nothing in it, or kept about it, names the request or the person it was sent to."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from peer_support.core.calendar import local_date
from peer_support.links.keys import signing_key
from peer_support.links.tokens import issue_feedback_link


def feedback_url(base_url: str, now: datetime, days: int) -> str:
    """The link for the program's month of `now`. It expires at midnight UTC `days` later: rounded to
    the day, so that its expiry (kept with its single-use marker) says nothing finer about when it
    was sent."""
    expires = datetime.combine((now + timedelta(days=days)).astimezone(UTC).date(), time(0), UTC)
    month = local_date(now).strftime("%Y-%m")
    token = issue_feedback_link(secrets.token_urlsafe(16), month, expires, signing_key())
    return f"{base_url}/feedback/{token}"
