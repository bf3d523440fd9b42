"""The Lambda handler of every function, made by one of two factories: `rest_handler` for the three
that serve API routes, `event_handler` for the stream consumers and the schedule. Each function's own
`app.py` is the one line that names what it runs."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from peer_support.entrypoints.api.resolver import Api

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def rest_handler(routes: str) -> Handler:
    """The handler of the resolver `app` in the module `routes`, built by the first request: the import
    stays cheap, and the validating resolver with its OpenAPI models loads once, for the first event."""
    from aws_lambda_powertools.logging import correlation_paths  # only the API's handlers correlate by it

    logger = Logger()
    metrics = Metrics()

    @cache
    def api() -> Api:
        app: Api = importlib.import_module(routes).app
        return app

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return api().resolve(event, context)

    return lambda_handler


def event_handler(module: str, function: str) -> Handler:
    """The handler that passes each event (a stream batch, a schedule's tick) to `function` of `module`,
    with the Lambda context logged and the metrics flushed."""
    logger = Logger()
    metrics = Metrics()
    handle: Handler = getattr(importlib.import_module(module), function)

    @logger.inject_lambda_context
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return handle(event, context)

    return lambda_handler
