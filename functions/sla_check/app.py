"""EventBridge Scheduler (every 15 minutes) → the deadline steps that are due."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from peer_support.jobs import handle_sla_check

logger = Logger()
metrics = Metrics()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_sla_check(event, context)
