"""Reads `template.yaml` and creates its resources on a moto endpoint (tests and `make run`).

Tables, keys and secrets are built from the template's own definitions, never from a copy.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub`, ...)."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@cache
def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open() as file:
        loaded: dict[str, Any] = yaml.load(file, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    return loaded


def resources_of_type(kind: str, template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    template = template or load_template()
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


class ParameterError(ValueError):
    """A parameter override the template does not take: what is wrong, in a sentence."""


def parameter_overrides(text: str, template: dict[str, Any] | None = None) -> dict[str, str]:
    """Template parameters from `text` as `sam deploy --parameter-overrides` takes them: space-separated
    `Name=Value` (quoted as a shell would, for a value with spaces), or `ParameterKey=Name,ParameterValue=
    Value`; a later one wins. Each must be declared in the template and meet its constraints (allowed
    values, pattern, number and bounds, length), as CloudFormation checks them; else `ParameterError`."""
    import shlex

    declared: dict[str, Any] = (template or load_template()).get("Parameters", {})
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise ParameterError(
            f"cannot be read ({error}): give Name=Value pairs, separated by spaces"
        ) from None
    overrides: dict[str, str] = {}
    for word in words:
        long_form = re.fullmatch(r"ParameterKey=([^,]*),ParameterValue=(.*)", word, flags=re.DOTALL)
        if long_form:
            name, value = long_form.groups()
        else:
            name, equals, value = word.partition("=")
            if not equals:
                raise ParameterError(f"{word!r} is not Name=Value")
        if name not in declared:
            raise ParameterError(
                f"the template declares no parameter {name!r}; it declares: {', '.join(declared)}"
            )
        problem = _parameter_problem(declared[name], value)
        if problem:
            raise ParameterError(f"{name}: {problem}")
        overrides[name] = value
    return overrides


def _parameter_problem(declaration: dict[str, Any], value: str) -> str:
    allowed = [str(v) for v in declaration.get("AllowedValues", [])]
    if allowed and value not in allowed:
        return f"must be one of {', '.join(allowed)}"
    pattern = declaration.get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, value):
        return f"must match {pattern}"
    if declaration.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            return "must be a number"
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            return f"must be at least {declaration['MinValue']}"
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            return f"must be at most {declaration['MaxValue']}"
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        return f"must be at least {declaration['MinLength']} characters"
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        return f"must be at most {declaration['MaxLength']} characters"
    return ""


@dataclass
class Stack:
    """The template's resources as created on one endpoint: logical id → Ref value and ARN."""

    region: str
    name: str = "peer-support"
    refs: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    template: dict[str, Any] = field(default_factory=load_template)

    def resolve(self, value: Any) -> Any:
        """Resolve the intrinsics the local stack understands."""
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg
                if attribute == "Arn":
                    return self.arns[logical]
                if attribute == "StreamArn":
                    return self.arns[f"{logical}.StreamArn"]
                raise KeyError(f"{logical}.{attribute}")
            if key == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._ref(m.group(1))), arg)
            if key == "Fn::Join":
                sep, parts = arg
                resolved = self.resolve(parts)
                if isinstance(resolved, str):  # a Ref to a CommaDelimitedList
                    resolved = resolved.split(",")
                return sep.join(str(p) for p in resolved)
            if key == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.condition(condition) else when_false)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def condition(self, name: str) -> bool:
        return bool(self._evaluate(self.template["Conditions"][name]))

    def _evaluate(self, expression: Any) -> Any:
        ((key, arg),) = expression.items()
        if key == "Fn::Equals":
            left, right = (self.resolve(a) for a in arg)
            return left == right
        if key == "Fn::Not":
            return not self._evaluate(arg[0])
        if key == "Fn::And":
            return all(self._evaluate(a) for a in arg)
        if key == "Fn::Or":
            return any(self._evaluate(a) for a in arg)
        if key == "Condition":
            return self.condition(arg)
        raise KeyError(key)

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.refs:
            return self.refs[name]
        if name in self.parameters:
            return self.parameters[name]
        declared = self.template.get("Parameters", {}).get(name)
        if declared is not None:
            return str(declared.get("Default", ""))
        if "." in name:  # ${Resource.Attribute} inside !Sub
            logical, attribute = name.split(".", 1)
            return str(self.resolve({"Fn::GetAtt": [logical, attribute]}))
        raise KeyError(name)

    def function_environment(self, function: str) -> dict[str, str]:
        """The environment a function gets: the template's Globals, then its own variables."""
        globals_env = (
            self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        )
        props = self.template["Resources"][function]["Properties"]
        own = props.get("Environment", {}).get("Variables", {})
        return {key: str(self.resolve(value)) for key, value in {**globals_env, **own}.items()}


def table_definition(logical_id: str, stack: Stack) -> dict[str, Any]:
    """`create_table` arguments from the template's definition of `logical_id`."""
    props = stack.template["Resources"][logical_id]["Properties"]
    definition: dict[str, Any] = {
        "TableName": f"{stack.name}-{logical_id}",
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
        if key in props:
            definition[key] = stack.resolve(props[key])
    if "StreamSpecification" in definition:
        definition["StreamSpecification"] = {"StreamEnabled": True, **definition["StreamSpecification"]}
    if "SSESpecification" in props:
        sse = stack.resolve(props["SSESpecification"])
        definition["SSESpecification"] = {
            "Enabled": sse["SSEEnabled"],
            "SSEType": sse["SSEType"],
            "KMSMasterKeyId": sse["KMSMasterKeyId"],
        }
    if "DeletionProtectionEnabled" in props:
        definition["DeletionProtectionEnabled"] = props["DeletionProtectionEnabled"]
    return definition


# What the local stack does not create, and why: each is seen only in the AWS console, or works only in
# AWS. Every other resource type of the template is created by `create_stack`.
NOT_LOCAL = {
    "AWS::KMS::Alias": "the key is used by its id",
    "AWS::Serverless::LayerVersion": "the layer's package is imported from the source tree",
    "AWS::Serverless::Api": "the local runner serves the functions' API events itself",
    "AWS::Serverless::Function": "the local runner calls the handlers in process",
    "AWS::IAM::Role": "moto does not enforce IAM",
    "AWS::Logs::LogGroup": "logs go to the terminal",
    "AWS::CloudWatch::Alarm": "alarms watch metrics only AWS collects",
    "AWS::CloudWatch::Dashboard": "a console page",
    "AWS::SNS::Topic": "only alarms publish to it",
    "AWS::SNS::TopicPolicy": "only alarms publish to it",
    "AWS::ApiGateway::Account": "an account-wide setting for access logs",
    "AWS::WAFv2::WebACLAssociation": "a web ACL filters only API Gateway's traffic",
    "AWS::WAFv2::WebACL": "a web ACL filters only API Gateway's traffic",
}

# API Gateway's own status for each response the template may restyle (when it sets no StatusCode).
GATEWAY_STATUSES = {"MISSING_AUTHENTICATION_TOKEN": 403, "INTEGRATION_FAILURE": 502, "DEFAULT_5XX": 502}


def gateway_response(kind: str, template: dict[str, Any] | None = None) -> tuple[int, dict[str, str], bytes]:
    """API Gateway's own answer of `kind` (an unknown route, a failed function) as the template's
    `GatewayResponses` restyle it: its status, headers and JSON body."""
    api = next(iter(resources_of_type("AWS::Serverless::Api", template).values()))
    responses = api["Properties"].get("GatewayResponses", {})
    response = responses.get(kind) or responses.get(
        "DEFAULT_5XX" if kind in GATEWAY_STATUSES else "DEFAULT_4XX"
    )
    headers = {
        name: str(value).removeprefix("'").removesuffix("'")
        for name, value in response.get("ResponseParameters", {}).get("Headers", {}).items()
    }
    status = int(response.get("StatusCode", GATEWAY_STATUSES.get(kind, 400)))
    body = response.get("ResponseTemplates", {}).get("application/json", "{}")
    return status, headers, str(body).encode()


CREATED_LOCALLY = {
    "AWS::KMS::Key",
    "AWS::SecretsManager::Secret",
    "AWS::SQS::Queue",
    "AWS::SES::ConfigurationSet",
    "AWS::SES::EmailIdentity",
    "AWS::DynamoDB::Table",
}


def create_stack(
    region: str = "ca-central-1",
    endpoint_url: str | None = None,
    name: str = "peer-support",
    parameters: dict[str, str] | None = None,
) -> Stack:
    """Create the template's keys, secrets, queues, SES configuration sets and identities, and tables on an
    AWS endpoint (moto): the types in CREATED_LOCALLY; NOT_LOCAL says why each other type is left out."""
    stack = Stack(region=region, name=name, parameters=dict(parameters or {}))
    session = boto3.session.Session(region_name=region)

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)  # type: ignore[call-overload]

    for logical in resources_of_type("AWS::KMS::Key"):
        key = client("kms").create_key(Description=logical)["KeyMetadata"]
        stack.refs[logical], stack.arns[logical] = key["KeyId"], key["Arn"]

    for logical, resource in resources_of_type("AWS::SecretsManager::Secret").items():
        props = resource["Properties"]
        length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 32))
        value = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))
        created = client("secretsmanager").create_secret(
            Name=f"{name}-{logical}",
            SecretString=value,
            KmsKeyId=stack.resolve(props.get("KmsKeyId", {"Ref": ""})),
        )
        stack.refs[logical] = stack.arns[logical] = created["ARN"]

    for logical in resources_of_type("AWS::SQS::Queue"):
        url = client("sqs").create_queue(QueueName=f"{name}-{logical}")["QueueUrl"]
        arn = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        stack.refs[logical], stack.arns[logical] = url, arn

    for logical in resources_of_type("AWS::SES::ConfigurationSet"):
        # The functions name it when they send; moto keeps it (its delivery options do nothing locally).
        client("sesv2").create_configuration_set(ConfigurationSetName=f"{name}-{logical}")
        stack.refs[logical] = f"{name}-{logical}"

    for resource in resources_of_type("AWS::SES::EmailIdentity").values():
        client("sesv2").create_email_identity(
            EmailIdentity=stack.resolve(resource["Properties"]["EmailIdentity"])
        )

    dynamodb = client("dynamodb")
    for logical, resource in resources_of_type("AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        description = dynamodb.create_table(**table_definition(logical, stack))["TableDescription"]
        stack.refs[logical] = description["TableName"]
        stack.arns[logical] = description["TableArn"]
        if "LatestStreamArn" in description:
            stack.arns[f"{logical}.StreamArn"] = description["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=description["TableName"], TimeToLiveSpecification=ttl)
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr:
            dynamodb.update_continuous_backups(
                TableName=description["TableName"], PointInTimeRecoverySpecification=pitr
            )
    return stack


def api_routes(template: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """(method, path template, function logical id) for every API event in the template."""
    routes = []
    for logical, resource in resources_of_type("AWS::Serverless::Function", template).items():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                routes.append((event["Properties"]["Method"].upper(), event["Properties"]["Path"], logical))
    return routes
