"""The API functions written the common Powertools way, measured beside ours on the same first events:
Logger, Metrics and Tracer, the validating REST resolver, a pydantic model for each body,
`boto3.resource` and `Table.put_item`, all set up at import. Each route makes the AWS calls our
function made on the same path (`CALLS`, set by the benchmark before the first event), and answers
in JSON."""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeDeserializer
from botocore import xform_name
from botocore.exceptions import ClientError
from pydantic import BaseModel, EmailStr

logger = Logger()
metrics = Metrics()
tracer = Tracer()
app = APIGatewayRestResolver(enable_validation=True)
dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(os.environ.get("REQUESTS_TABLE", "requests"))
CALLS: list[tuple[str, str, dict[str, Any]]] = []
_clients: dict[str, Any] = {"dynamodb": dynamodb.meta.client}
_deserializer = TypeDeserializer()


class Person(BaseModel):
    name: str
    email: EmailStr


class RequestBody(BaseModel):
    kind: str
    requester: Person
    career_stage: str
    practices_in_vancouver: bool
    reasons: list[str]
    modalities: list[str]


class ActionBody(BaseModel):
    action: str


class Registration(BaseModel):
    name: str
    email: EmailStr
    identifies_as_bipoc: bool
    practices_in_bc: bool


# The parameters the resource's client takes as plain Python values (it serialises them itself).
_VALUES = frozenset({"Item", "Key", "ExpressionAttributeValues", "ExclusiveStartKey"})


def _high_level(params: Any) -> Any:
    """Low-level parameters (`{"S": "x"}`) as `boto3.resource` takes them (`"x"`)."""
    if isinstance(params, list):
        return [_high_level(value) for value in params]
    if not isinstance(params, dict):
        return params
    return {
        key: {k: _deserializer.deserialize(v) for k, v in value.items()}
        if key in _VALUES
        else _high_level(value)
        for key, value in params.items()
    }


def same_calls() -> dict[str, str]:
    """The AWS calls of our function's path: a `PutItem` through `Table.put_item`, the rest through the
    resource's client (or a client of their own service)."""
    for service, operation, params in CALLS:
        try:
            if service == "dynamodb":
                params = _high_level(params)
            if service == "dynamodb" and operation == "PutItem":
                name = params.pop("TableName")
                (table if name == table.name else dynamodb.Table(name)).put_item(**params)
                continue
            if service not in _clients:
                _clients[service] = boto3.client(service)  # type: ignore[call-overload]
            getattr(_clients[service], xform_name(operation))(**params)
        except ClientError:
            pass  # a conditional write refused: the call was made all the same
    return {"status": "ok"}


@app.post("/requests")
def create(request: RequestBody) -> dict[str, str]:
    return same_calls()


@app.get("/actions/<token>")
def show(token: str) -> dict[str, str]:
    return same_calls()


@app.post("/actions/<token>")
def act(token: str, action: ActionBody) -> dict[str, str]:
    return same_calls()


@app.get("/group")
def group() -> dict[str, str]:
    return same_calls()


@app.post("/group-registrations")
def register(registration: Registration) -> dict[str, str]:
    return same_calls()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
