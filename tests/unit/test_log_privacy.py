"""Powertools' own debug lines keep what they say about a call, without a person's data."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from botocore.exceptions import ParamValidationError
from pydantic import BaseModel

from local_runner.lambdas import LambdaContext
from peer_support.core.log_privacy import withhold_personal_data
from tests.conftest import api_event

ADDRESS = "zq.private@example.org"


class Contact(BaseModel):
    name: str
    email: str


@pytest.fixture
def powertools_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Powertools' package loggers at DEBUG, as `POWERTOOLS_DEBUG` or a DEBUG log level would set them."""
    withhold_personal_data()
    caplog.set_level(logging.DEBUG, logger="aws_lambda_powertools")
    return caplog


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def test_a_route_call_is_logged_without_its_arguments(powertools_debug: pytest.LogCaptureFixture) -> None:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.post("/contacts")
    def add(contact: Annotated[Contact, Body(embed=False)]) -> dict[str, str]:
        return {"ok": "yes"}

    event = api_event("POST", "/contacts", json.dumps({"name": "Zephyrine Quillfeather", "email": ADDRESS}))
    assert app.resolve(event, LambdaContext(function_name="contacts"))["statusCode"] == 200  # type: ignore[arg-type]

    lines = logged(powertools_debug)
    assert "Calling API Route Handler (its arguments are withheld)" in lines
    assert "Quillfeather" not in lines
    assert ADDRESS not in lines


def test_a_failed_record_is_logged_by_its_exception_type_only(
    powertools_debug: pytest.LogCaptureFixture,
) -> None:
    def send(record: Any) -> None:
        raise ParamValidationError(report=f"Invalid length for parameter ToAddresses[0], value: {ADDRESS}")

    record = {"eventID": "1", "eventName": "INSERT", "dynamodb": {"SequenceNumber": "1", "Keys": {}}}
    answer = process_partial_response(
        event={"Records": [record]},
        record_handler=send,
        processor=BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False),
        context=None,
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "1"}]}

    lines = logged(powertools_debug)
    assert "Record processing exception: <class 'botocore.exceptions.ParamValidationError'>" in lines
    assert ADDRESS not in lines


def test_installing_twice_adds_one_filter() -> None:
    withhold_personal_data()
    withhold_personal_data()
    assert len(logging.getLogger("aws_lambda_powertools.event_handler.api_gateway").filters) == 1
