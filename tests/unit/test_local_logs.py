"""Two functions in one process, as the local runner runs them: each line carries its own function's
service and invocation keys, whichever service the logger that wrote it was built with."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from aws_lambda_powertools import Logger

from local_runner import logs


@pytest.fixture
def buffer() -> Iterator[io.StringIO]:
    previous = logging.getLoggerClass()
    logs.install()
    try:
        yield io.StringIO()
    finally:
        logging.setLoggerClass(previous)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_each_line_is_the_running_functions(buffer: io.StringIO) -> None:
    # A shared module imported first while the last function's service was set, as `make run` imports them.
    package = Logger(service="ut_group_notify", stream=buffer)
    # Each function's handler builds its own logger, with its own service.
    submit = Logger(service="ut_submit_request", stream=buffer)
    match = Logger(service="ut_match", stream=buffer)

    with logs.running("ut_submit_request"):
        submit.append_keys(function_name="SubmitRequestFunction", correlation_id="api-1")
        package.info("request stored")
    with logs.running("ut_match"):
        match.append_keys(function_name="MatchFunction")
        package.info("request matched")
        match.info("batch done")
    package.info("outside any function")

    stored, matched, done, outside = lines(buffer)
    assert (stored["service"], stored["function_name"], stored["correlation_id"]) == (
        "ut_submit_request",
        "SubmitRequestFunction",
        "api-1",
    )
    assert (matched["service"], matched["function_name"]) == ("ut_match", "MatchFunction")
    assert "correlation_id" not in matched
    assert (done["service"], done["message"]) == ("ut_match", "batch done")
    assert outside["service"] == "ut_group_notify"


def test_a_logger_built_before_install_is_handed_on_too(buffer: io.StringIO) -> None:
    logging.setLoggerClass(logging.Logger)
    early = Logger(service="ut_early", stream=buffer)
    own = Logger(service="ut_own", stream=buffer)
    logs.install()

    with logs.running("ut_own"):
        early.info("from a module imported early")

    [line] = lines(buffer)
    assert line["service"] == "ut_own"
    assert own.name == "ut_own"
