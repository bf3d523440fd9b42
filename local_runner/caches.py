"""What the handlers keep for the life of their process, as Lambda lets them: cleared wherever one process
meets more than one AWS (a fresh moto for each test, or for each benchmark)."""

from __future__ import annotations


def clear_caches() -> None:
    """Forget the cached clients, settings, secret and exactly-once sender, so the next use reads them
    afresh from the current AWS and environment."""
    from aws_lambda_powertools.utilities import parameters

    from peer_support import delivery, group_delivery, mailer, repository, settings, signing

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    signing.forget_previous_key()
    for cached in (
        settings.get_settings,
        settings.get_notify_settings,
        settings.get_group_settings,
        settings.get_group_notify_settings,
        repository.dynamodb_client,
        mailer.sesv2_client,
        delivery._exactly_once,
        group_delivery._exactly_once,
    ):
        cached.cache_clear()
