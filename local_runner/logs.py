"""Each function's log lines as its own Lambda instance writes them, though the local runner runs every
function in one process.

A Powertools `Logger` writes through the standard logger named after its service, which it reads from
`POWERTOOLS_SERVICE_NAME` when it is built; every `Logger` of a service shares that logger, its handler
and its formatter, and `inject_lambda_context` adds the invocation's keys (`function_name`,
`function_request_id`, `cold_start`, `correlation_id`) to that formatter. In Lambda a process holds one
function, so the package's module-level `Logger()`s and the handler's own share one service. Here they are
built once, whenever a module is first imported, with whichever service was set then: their lines would
carry that service and none of the invocation's keys.

So, while a function runs (`running`), every line from a Powertools logger of another service is handed
to the function's own logger instead, and formatted as the function's lines are in Lambda.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# The service of the function running on this thread (each invocation runs on the thread that asked).
_running: ContextVar[str | None] = ContextVar("running_service", default=None)
# What Powertools marks the standard logger of a service with once it has set it up.
_POWERTOOLS = "powertools_handler"


class _FunctionLogger(logging.Logger):
    """A standard logger that, while a function runs, hands a Powertools line to that function's own."""

    def callHandlers(self, record: logging.LogRecord) -> None:
        service = _running.get()
        if service and service != self.name and hasattr(self, _POWERTOOLS):
            own = logging.Logger.manager.loggerDict.get(service)
            if isinstance(own, logging.Logger) and hasattr(own, _POWERTOOLS):
                own.callHandlers(record)
                return
        super().callHandlers(record)


def install() -> None:
    """Make every standard logger built from now on one that can hand its lines on; call it before any
    handler is imported (the local stack does, when it starts)."""
    if logging.getLoggerClass() is logging.Logger:
        logging.setLoggerClass(_FunctionLogger)
    # Powertools loggers built before this (by a handler imported earlier) become able to, too.
    for existing in list(logging.Logger.manager.loggerDict.values()):
        if type(existing) is logging.Logger and hasattr(existing, _POWERTOOLS):
            existing.__class__ = _FunctionLogger


@contextmanager
def running(service: str) -> Iterator[None]:
    """While the block runs on this thread, Powertools lines are `service`'s."""
    token = _running.set(service)
    try:
        yield
    finally:
        _running.reset(token)
