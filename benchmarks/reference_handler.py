"""A handler written the common way, measured beside ours: Logger, Metrics, Tracer, a validating
REST resolver, Powertools idempotency and a pydantic model, all imported at the top."""

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, EmailStr

logger = Logger()
metrics = Metrics()
tracer = Tracer()
app = APIGatewayRestResolver(enable_validation=True)
table = boto3.resource("dynamodb").Table("requests")
persistence = DynamoDBPersistenceLayer(table_name="idempotency")


class Request(BaseModel):
    name: str
    email: EmailStr


@app.post("/requests")
def create(request: Request) -> dict[str, str]:
    table.put_item(Item=request.model_dump())
    return {"status": "ok"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@idempotent(persistence_store=persistence)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
