"""The template deploys: aws-sam-translator turns it into CloudFormation, as the service's own transform
does, and moto's CloudFormation creates the stack. What moto leaves out (resource types it does not
model, properties it drops) is asserted on the transformed template instead."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_runner.template import ACCOUNT_ID, TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
TOOLS_PYTHON = ROOT / ".venv-tools" / "bin" / "python"
REGION = "ca-central-1"
STACK = "peer-support"
ARTIFACTS = "peer-support-artifacts"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/peer-support-administrators"
WEB_ACL = f"arn:aws:wafv2:{REGION}:{ACCOUNT_ID}:regional/webacl/peer-support/0f1e2d3c"
PARAMETERS = {
    "AdminRoleArn": ADMIN_ROLE,
    "WebAclArn": WEB_ACL,
    "AdminEmails": "program-admin@example.org,second-admin@example.org",
}
FUNCTIONS = {
    "SubmitRequestFunction",
    "MatchFunction",
    "NotifyFunction",
    "ActionsFunction",
    "SlaCheckFunction",
    "GroupFunction",
    "GroupNotifyFunction",
    "CountFunction",
    "ReportsFunction",
}
QUEUES = {
    "MatchFailureQueue",
    "NotifyFailureQueue",
    "GroupNotifyFailureQueue",
    "SlaCheckDeadLetterQueue",
    "CountFailureQueue",
}
TABLES = {"RequestsTable", "SupportersTable", "GroupTable", "IdempotencyTable", "CountersTable"}
# Resource types moto's CloudFormation does not create (the API's deployment is taken out, see for_moto).
MOTO_LACKS = {
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::CloudWatch::Alarm",
    "AWS::Scheduler::Schedule",
    "AWS::SecretsManager::Secret",
    "AWS::SES::ConfigurationSet",
    "AWS::SES::EmailIdentity",
    "AWS::SNS::TopicPolicy",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
}


def transform(parameters: dict[str, str]) -> dict[str, Any]:
    if not TOOLS_PYTHON.exists():
        pytest.fail(
            f"{TOOLS_PYTHON} is missing: run `make tools` (aws-sam-translator comes with aws-sam-cli)"
        )
    args = [
        str(TOOLS_PYTHON),
        "tools/sam_transform.py",
        str(TEMPLATE),
        "--code",
        f"s3://{ARTIFACTS}/code.zip",
    ]
    for name, value in parameters.items():
        args += ["--parameter", f"{name}={value}"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    transformed: dict[str, Any] = json.loads(result.stdout)
    return transformed


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return transform(PARAMETERS)


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def code_zip() -> bytes:
    """A deployment package as `sam build` makes one: the handler at the archive's root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(ROOT / "functions" / "match" / "app.py", "app.py")
    return buffer.getvalue()


def for_moto(transformed: dict[str, Any]) -> dict[str, Any]:
    """The transformed template less what moto's CloudFormation cannot take, each asserted below instead.

    - The API's deployment: moto ignores the OpenAPI body SAM puts on the RestApi, so it sees no methods.
    - The dashboard's alarm widget: moto does not model alarms, so `${Alarm.Arn}` is spelt out as the ARN
      an alarm of that name has; the alarms themselves are then made through the CloudWatch API.
    """
    template: dict[str, Any] = json.loads(json.dumps(transformed))
    for name in of_type(template, "AWS::ApiGateway::Deployment"):
        del template["Resources"][name]
    dashboard = template["Resources"]["Dashboard"]["Properties"]
    body = dashboard["DashboardBody"]["Fn::Sub"]
    for name in of_type(template, "AWS::CloudWatch::Alarm"):
        body = body.replace(
            f"${{{name}.Arn}}",
            f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{name}",
        )
    dashboard["DashboardBody"]["Fn::Sub"] = body
    return template


class Resolver:
    """Resolves the intrinsics alarms use against the created stack's resources."""

    def __init__(self, deployed: dict[str, Any]) -> None:
        self.deployed = deployed

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            assert attribute == "QueueName", attribute
            return physical(self.deployed, logical).rsplit("/", 1)[1]
        if set(value) == {"Fn::Sub"}:
            return re.sub(r"\$\{([^}]+)\}", lambda m: self.ref(m.group(1)), value["Fn::Sub"])
        return {k: self(v) for k, v in value.items()}

    def ref(self, name: str) -> Any:
        # A parameter (an alarm's threshold) stands at its default, as the stack was created.
        parameter = self.deployed.get("parameters", {}).get(name)
        if parameter is not None and "Default" in parameter:
            return parameter["Default"]
        return {"AWS::StackName": STACK}.get(name) or physical(self.deployed, name)


def create_stack(transformed: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    """The transformed stack created by moto's CloudFormation (inside `mock_aws`), with the code it
    names uploaded first: the stack, its resources by logical id, and the session."""
    session = boto3.session.Session(region_name=REGION)
    s3 = session.client("s3")
    s3.create_bucket(Bucket=ARTIFACTS, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=ARTIFACTS, Key="code.zip", Body=code_zip())
    cloudformation = session.client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(for_moto(transformed)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    [stack] = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
    resources = {
        r["LogicalResourceId"]: r
        for r in cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
        if r["LogicalResourceId"]  # moto lists one nameless entry of its own
    }
    return {
        "stack": stack,
        "resources": resources,
        "session": session,
        "parameters": transformed.get("Parameters", {}),
    }


@pytest.fixture(scope="module")
def deployed(transformed: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The stack created by moto's CloudFormation: its resources by logical id, and the clients."""
    from moto import mock_aws

    with mock_aws():
        created = create_stack(transformed, PARAMETERS)
        session = created["session"]
        cloudwatch = session.client("cloudwatch")
        resolve = Resolver(created)
        for name, alarm in of_type(transformed, "AWS::CloudWatch::Alarm").items():
            cloudwatch.put_metric_alarm(AlarmName=name, **resolve(alarm["Properties"]))
        yield created


def test_the_stack_deploys_with_every_default() -> None:
    """No administrators' role and no web ACL, and each function's concurrency reserved by default."""
    from moto import mock_aws

    with mock_aws():
        created = create_stack(transform({}), {})
        assert created["stack"]["StackStatus"] == "CREATE_COMPLETE"
        assert created["resources"].keys() >= FUNCTIONS | TABLES | QUEUES
        lambda_ = created["session"].client("lambda")
        for function in FUNCTIONS:
            concurrency = lambda_.get_function_concurrency(FunctionName=physical(created, function))
            assert concurrency["ReservedConcurrentExecutions"] == 10, function


def physical(deployed: dict[str, Any], logical: str) -> str:
    value: str = deployed["resources"][logical]["PhysicalResourceId"]
    return value


def test_the_stack_is_created(deployed: dict[str, Any], transformed: dict[str, Any]) -> None:
    assert deployed["stack"]["StackStatus"] == "CREATE_COMPLETE"
    resources = deployed["resources"]
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in resources.values())
    expected = FUNCTIONS | QUEUES | TABLES | {"DataKey", "AlarmTopic", "Dashboard", "Api"}
    assert expected <= resources.keys(), expected - resources.keys()
    # Every other resource came up; what moto does not model is checked on the template below
    left_out = {name: r["Type"] for name, r in transformed["Resources"].items() if name not in resources}
    assert set(left_out.values()) <= MOTO_LACKS, left_out
    assert len(resources) == len(transformed["Resources"]) - len(left_out)


def test_tables_are_created_with_their_streams_and_indexes(deployed: dict[str, Any]) -> None:
    # moto's CloudFormation drops SSESpecification: the stack key is asserted in test_template.py
    dynamodb = deployed["session"].client("dynamodb")
    for table in TABLES:
        assert (
            dynamodb.describe_table(TableName=physical(deployed, table))["Table"]["TableStatus"] == "ACTIVE"
        )
    requests = dynamodb.describe_table(TableName=physical(deployed, "RequestsTable"))["Table"]
    assert requests["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert {i["IndexName"] for i in requests["GlobalSecondaryIndexes"]} == {
        "by-status",
        "sla-due",
        "by-requester",
    }
    group = dynamodb.describe_table(TableName=physical(deployed, "GroupTable"))["Table"]
    assert [i["IndexName"] for i in group["LocalSecondaryIndexes"]] == ["waitlist"]


def test_failure_queues_are_encrypted_with_the_stack_key(deployed: dict[str, Any]) -> None:
    sqs = deployed["session"].client("sqs")
    key_id = physical(deployed, "DataKey")
    for queue in QUEUES:
        attributes = sqs.get_queue_attributes(QueueUrl=physical(deployed, queue), AttributeNames=["All"])
        assert attributes["Attributes"]["KmsMasterKeyId"] == key_id, queue
        assert attributes["Attributes"]["MessageRetentionPeriod"] == "1209600", queue


def test_functions_get_their_environment(deployed: dict[str, Any]) -> None:
    lambda_ = deployed["session"].client("lambda")
    for function in FUNCTIONS:
        configuration = lambda_.get_function_configuration(FunctionName=physical(deployed, function))
        assert configuration["Runtime"] == "python3.13", function
        assert (
            configuration["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
            == "PhysicianPeerSupport"
        )
        variables = configuration["Environment"]["Variables"]
        assert variables["REQUESTS_TABLE"] == physical(deployed, "RequestsTable"), function
        assert variables["POWERTOOLS_SERVICE_NAME"], function


def test_functions_are_traced_and_capped(transformed: dict[str, Any]) -> None:
    # moto's CloudFormation drops TracingConfig and Architectures
    for name in FUNCTIONS:
        function = transformed["Resources"][name]["Properties"]
        assert function["TracingConfig"] == {"Mode": "Active"}, name
        assert function["Architectures"] == ["arm64"], name
        assert function["KmsKeyArn"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name
        assert function["ReservedConcurrentExecutions"]["Fn::If"][0] == "HasFunctionConcurrency", name


def test_the_link_signing_secret_is_generated_and_encrypted(transformed: dict[str, Any]) -> None:
    # moto's CloudFormation does not model Secrets Manager
    secret = transformed["Resources"]["LinkSigningSecret"]["Properties"]
    assert secret["KmsKeyId"] == {"Ref": "DataKey"}
    assert secret["GenerateSecretString"]["PasswordLength"] >= 64


def test_alarm_topic_is_encrypted(deployed: dict[str, Any]) -> None:
    sns = deployed["session"].client("sns")
    attributes = sns.get_topic_attributes(TopicArn=physical(deployed, "AlarmTopic"))["Attributes"]
    assert attributes["KmsMasterKeyId"] == physical(deployed, "DataKey")


def test_log_groups_keep_logs_for_the_retention_period(deployed: dict[str, Any]) -> None:
    logs = deployed["session"].client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    access = groups[f"/aws/apigateway/{STACK}-access"]
    assert access["retentionInDays"] == 90
    for function in FUNCTIONS:
        assert groups[f"/aws/lambda/{physical(deployed, function)}"]["retentionInDays"] == 90, function


def test_the_dashboard_shows_what_administrators_follow(deployed: dict[str, Any]) -> None:
    cloudwatch = deployed["session"].client("cloudwatch")
    body = json.loads(cloudwatch.get_dashboard(DashboardName=f"{STACK}-admin")["DashboardBody"])
    shown = json.dumps(body)
    for metric in (
        "RequestsSubmitted",
        "TimeToMatch",
        "TimeToFirstContact",
        "ContactBreaches",
        "NeedsAdminBacklog",
        "ApproximateNumberOfMessagesVisible",
    ):
        assert metric in shown, metric
    queues = {
        m[3]
        for w in body["widgets"]
        for m in w["properties"].get("metrics", [])
        if m[:2] == ["AWS/SQS", "ApproximateNumberOfMessagesVisible"]
    }
    sqs = deployed["session"].client("sqs")
    assert queues == {
        sqs.get_queue_attributes(QueueUrl=physical(deployed, q), AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ].rsplit(":", 1)[1]
        for q in QUEUES
    }


def test_alarms_are_accepted_by_cloudwatch_and_go_to_the_topic(
    deployed: dict[str, Any], transformed: dict[str, Any]
) -> None:
    alarms = deployed["session"].client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert {a["AlarmName"] for a in alarms} == set(of_type(transformed, "AWS::CloudWatch::Alarm"))
    for alarm in alarms:
        assert alarm["AlarmActions"] == [physical(deployed, "AlarmTopic")], alarm["AlarmName"]
    [api] = [a for a in alarms if a["AlarmName"] == "Api5xxAlarm"]
    assert {d["Name"]: d["Value"] for d in api["Dimensions"]} == {"ApiName": f"{STACK}-api", "Stage": "prod"}
    rest_api = deployed["session"].client("apigateway").get_rest_api(restApiId=physical(deployed, "Api"))
    assert rest_api["name"] == f"{STACK}-api"


# What moto drops or does not model, on the transformed template.


def test_key_policy_grants_roles_by_path_through_services(transformed: dict[str, Any]) -> None:
    statements = {
        s["Sid"]: s
        for s in transformed["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
        if "Sid" in s
    }
    conditional = [
        s
        for s in transformed["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
        if "Fn::If" in s
    ]
    [[condition, admins, none]] = [s["Fn::If"] for s in conditional]
    assert (condition, none) == ("HasAdminRole", {"Ref": "AWS::NoValue"})
    assert admins["Principal"] == {"AWS": {"Ref": "AdminRoleArn"}}
    assert "kms:ViaService" in admins["Condition"]["StringEquals"]
    roles = statements["StackRolesThroughServices"]
    assert roles["Condition"]["ArnLike"]["aws:PrincipalArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}/*"
    }
    assert len(roles["Condition"]["StringEquals"]["kms:ViaService"]) == 3
    assert not any("*" in action for action in roles["Action"])
    assert statements["CloudWatchLogsGroups"]["Principal"] == {
        "Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}
    }
    # Every role of the stack is under the path the key policy names
    for name, role in of_type(transformed, "AWS::IAM::Role").items():
        assert role["Properties"]["Path"] == {"Fn::Sub": "/${AWS::StackName}/"}, name


def test_function_roles_name_only_what_they_use(transformed: dict[str, Any]) -> None:
    for name, role in of_type(transformed, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                assert not any(a.endswith("*") for a in actions), (name, actions)
                assert statement.get("Resource") != "*", (name, actions)


def test_stream_readers_read_only_their_own_stream(transformed: dict[str, Any]) -> None:
    """SAM's managed policies are logs, X-Ray, and for a stream event AWSLambdaDynamoDBExecutionRole, whose
    stream reads on every table each stream reader denies outside its own stream."""
    aws = "arn:aws:iam::aws:policy/"
    basic = {f"{aws}service-role/AWSLambdaBasicExecutionRole", f"{aws}AWSXrayWriteOnlyAccess"}
    streams = {
        "MatchFunction": "RequestsTable",
        "NotifyFunction": "RequestsTable",
        "GroupNotifyFunction": "GroupTable",
        "CountFunction": ["RequestsTable", "GroupTable"],  # the counts come from both
    }
    for function in FUNCTIONS:
        role = transformed["Resources"][f"{function}Role"]["Properties"]
        managed = set(role["ManagedPolicyArns"])
        if function not in streams:
            assert managed == basic, function
            continue
        assert managed == basic | {f"{aws}service-role/AWSLambdaDynamoDBExecutionRole"}, function
        statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
        [deny] = [s for s in statements if s["Effect"] == "Deny"]
        assert set(deny["Action"]) == {
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
        }
        own = streams[function]
        expected = (
            [{"Fn::GetAtt": [t, "StreamArn"]} for t in own]
            if isinstance(own, list)
            else {"Fn::GetAtt": [own, "StreamArn"]}
        )
        assert deny["NotResource"] == expected, function


def test_every_alarm_tells_the_administrators(transformed: dict[str, Any]) -> None:
    alarms = of_type(transformed, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 15
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    watched = json.dumps(alarms)
    for metric in ("Errors", "Throttles", "ContactBreaches", "NeedsAdminBacklog", "5XXError"):
        assert f'"{metric}"' in watched, metric
    [subscription] = transformed["Resources"]["AlarmTopic"]["Properties"]["Subscription"]
    assert subscription == {"Protocol": "email", "Endpoint": {"Fn::Select": [0, {"Ref": "AdminEmails"}]}}


def test_api_access_logs_hold_no_body_query_string_or_path(transformed: dict[str, Any]) -> None:
    [stage] = of_type(transformed, "AWS::ApiGateway::Stage").values()
    setting = stage["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fields = json.loads(setting["Format"])
    assert fields["resourcePath"] == "$context.resourcePath"
    for leak in ("body", "querystring", "$context.path", "sourceIp", "identity"):
        assert all(leak.lower() not in value.lower() for value in fields.values()), leak


def test_the_web_acl_guards_the_api_stage_when_given(transformed: dict[str, Any]) -> None:
    # The stack's own web ACL otherwise: tests/template/test_web_acl.py
    association = transformed["Resources"]["ApiWebAcl"]
    assert association["Properties"]["WebACLArn"]["Fn::If"][:2] == ["HasWebAcl", {"Ref": "WebAclArn"}]
    assert "/restapis/${Api}/stages/" in association["Properties"]["ResourceArn"]["Fn::Sub"]


def test_every_log_group_is_encrypted_and_kept_for_a_while(transformed: dict[str, Any]) -> None:
    for name, group in of_type(transformed, "AWS::Logs::LogGroup").items():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_emails_go_through_the_configuration_set(transformed: dict[str, Any]) -> None:
    configuration = transformed["Resources"]["EmailConfigurationSet"]["Properties"]
    assert configuration["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}
    for name in ("NotifyFunction", "GroupNotifyFunction"):
        variables = transformed["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": "EmailConfigurationSet"}, name
    identity = transformed["Resources"]["SenderIdentity"]["Properties"]
    assert identity["ConfigurationSetAttributes"] == {
        "ConfigurationSetName": {"Ref": "EmailConfigurationSet"}
    }


def test_the_sla_sweep_has_a_dead_letter_queue(transformed: dict[str, Any]) -> None:
    function = transformed["Resources"]["SlaCheckFunction"]["Properties"]
    assert function["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["SlaCheckDeadLetterQueue", "Arn"]}}
    schedules = of_type(transformed, "AWS::Scheduler::Schedule")
    # Every deadline each quarter hour, and the urgent ones alone every 5 minutes, into the same queue.
    expressions = {
        s["Properties"]["ScheduleExpression"]: s["Properties"]["Target"] for s in schedules.values()
    }
    assert set(expressions) == {"rate(15 minutes)", "rate(5 minutes)"}
    for target in expressions.values():
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["SlaCheckDeadLetterQueue", "Arn"]}}
    assert json.loads(expressions["rate(5 minutes)"]["Input"]) == {"sweep": "urgent"}


def test_the_api_has_one_stage_and_it_is_the_guarded_one(transformed: dict[str, Any]) -> None:
    # SAM's default extra stage, "Stage", would serve the functions outside the WAF, throttles and logs.
    for deployment in of_type(transformed, "AWS::ApiGateway::Deployment").values():
        assert "StageName" not in deployment["Properties"]
    [stage] = of_type(transformed, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["StageName"] == "prod"


def test_any_recipient_identity_only_while_in_the_ses_sandbox(transformed: dict[str, Any]) -> None:
    for function in ("NotifyFunction", "GroupNotifyFunction"):
        role = transformed["Resources"][f"{function}Role"]["Properties"]
        statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
        [send] = [s for s in statements if "ses:SendEmail" in s["Action"]]
        wide = [r for r in send["Resource"] if "identity/*" in json.dumps(r)]
        assert wide == [
            {
                "Fn::If": [
                    "InSesSandbox",
                    {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"},
                    {"Ref": "AWS::NoValue"},
                ]
            }
        ], function
    assert transformed["Parameters"]["SesSandbox"]["Default"] == "false"


def test_the_account_wide_api_logging_role_outlives_the_stack(transformed: dict[str, Any]) -> None:
    role = transformed["Resources"]["ApiGatewayLogsRole"]
    assert (role["DeletionPolicy"], role["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_only_notify_may_text_and_only_phone_numbers(transformed: dict[str, Any]) -> None:
    """Direct SMS has no topic: the one `sns:Publish` is allowed on anything but an SNS resource."""
    publishing = {}
    for name, role in of_type(transformed, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                if any(a.startswith("sns:") for a in actions):
                    publishing[name] = statement
    assert publishing == {
        "NotifyFunctionRole": {
            "Effect": "Allow",
            "Action": "sns:Publish",
            "NotResource": {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"},
        }
    }
    variables = transformed["Resources"]["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["SMS_SENDER_ID"] == {"Ref": "SmsSenderId"}
    assert variables["SMS_ORIGINATION_NUMBER"] == {"Ref": "SmsOriginationNumber"}
    spend = transformed["Resources"]["SmsSpendAlarm"]["Properties"]
    assert (spend["Namespace"], spend["MetricName"]) == ("AWS/SNS", "SMSMonthToDateSpentUSD")
    assert spend["Threshold"] == {"Ref": "SmsMonthlySpendAlarmUsd"}
