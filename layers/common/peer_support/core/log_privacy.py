"""What Powertools' own debug lines may say. They reach the logs when `POWERTOOLS_DEBUG` is on or the
function's application log level is DEBUG, and two of them quote data as it came in: the event
handler prints a route's arguments (a request form: names, emails, phones, notes) and the batch
processor prints a failed record's exception message (botocore's quote the values they refuse). Those
two keep their line, without the data."""

from __future__ import annotations

import logging
from collections.abc import Callable

# Logger name → (the line's opening, what the line becomes).
_WITHHELD: dict[str, tuple[str, Callable[[str], str]]] = {
    "aws_lambda_powertools.event_handler.api_gateway": (
        "Calling API Route Handler",
        lambda _: "Calling API Route Handler (its arguments are withheld)",
    ),
    "aws_lambda_powertools.utilities.batch.base": (
        "Record processing exception: ",
        # "<class 'X'>:message" → "<class 'X'>": the type says what failed, the message may quote a person.
        lambda line: line.split(">:", 1)[0] + ">",
    ),
}


class _Withhold(logging.Filter):
    def __init__(self, opening: str, rewrite: Callable[[str], str]) -> None:
        super().__init__()
        self.opening = opening
        self.rewrite = rewrite

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(self.opening):
            record.msg, record.args = self.rewrite(message), ()
        return True


def withhold_personal_data() -> None:
    """Install the rewrites on Powertools' loggers (once, however often it is called)."""
    for name, (opening, rewrite) in _WITHHELD.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Withhold) for f in logger.filters):
            logger.addFilter(_Withhold(opening, rewrite))
