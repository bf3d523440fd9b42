"""API Gateway → the BIPOC group's page, `POST /group-registrations` and a registration's own link."""

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from peer_support.api.base import Api

logger = Logger()
metrics = Metrics()


@cache
def api() -> "Api":
    """The resolver and its routes, built by the first request: the import stays cheap, and the
    validating resolver with its OpenAPI models loads once, for the first event that needs it."""
    from peer_support.api.group import app

    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api().resolve(event, context)
