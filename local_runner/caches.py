"""What the handlers keep for the life of their process, as Lambda lets them: cleared wherever one process
meets more than one AWS (a fresh moto for each test, or for each benchmark)."""

from __future__ import annotations


def clear_caches() -> None:
    """Forget the cached clients, settings, secret and exactly-once senders, so the next use reads them
    afresh from the current AWS and environment."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    from peer_support.core import dynamodb, settings
    from peer_support.group import delivery as group_delivery
    from peer_support.group import settings as group_settings
    from peer_support.links import keys
    from peer_support.notifications import email, sms
    from peer_support.notifications import settings as notify_settings
    from peer_support.reports import monthly_email
    from peer_support.reports import settings as report_settings
    from peer_support.requests import delivery
    from peer_support.supporters import delivery as supporters_delivery

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    # The provider itself too: its client was made for the AWS of its time (`keys.use_the_shared_session`).
    DEFAULT_PROVIDERS.pop("secrets", None)
    keys.forget_previous_key()
    for cached in (
        settings.get_settings,
        settings.get_intake_settings,
        notify_settings.get_notify_settings,
        group_settings.get_group_settings,
        group_settings.get_group_notify_settings,
        dynamodb.dynamodb_client,
        email.sesv2_client,
        sms.sns_client,
        report_settings.get_count_settings,
        report_settings.get_report_email_settings,
    ):
        cached.cache_clear()
    delivery.sender.forget()
    group_delivery.sender.forget()
    supporters_delivery.sender.forget()
    supporters_delivery.digest_sender.forget()
    monthly_email.sender.forget()
