"""The BIPOC group in the SAM template: its own table as the design asks, kept apart from the one-to-one
requests by every function's policy, its emails from a consumer of its own, its settings parameters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_runner.template import load_template, resources_of_type


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def names_in(value: Any) -> str:
    return json.dumps(value)


def test_the_group_table_is_encrypted_recoverable_forgetting_and_streamed(template: dict[str, Any]) -> None:
    table = template["Resources"]["GroupTable"]
    props = table["Properties"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert props["KeySchema"] == [
        {"AttributeName": "session_id", "KeyType": "HASH"},
        {"AttributeName": "item_id", "KeyType": "RANGE"},
    ]
    assert props["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "DataKey"}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "purge_at", "Enabled": True}
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    [waitlist] = props["LocalSecondaryIndexes"]
    assert [k["AttributeName"] for k in waitlist["KeySchema"]] == ["session_id", "waitlist_at"]
    assert waitlist["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status", "version"]}
    [due] = props["GlobalSecondaryIndexes"]
    assert (due["IndexName"], [k["AttributeName"] for k in due["KeySchema"]]) == (
        "reminders-due",
        ["reminder", "remind_at"],
    )
    assert due["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_registrations_and_requests_never_share_a_function(template: dict[str, Any]) -> None:
    functions = resources_of_type("AWS::Serverless::Function", template)
    for name in ("GroupFunction", "GroupNotifyFunction"):
        policies = names_in(functions[name]["Properties"]["Policies"])
        assert "RequestsTable" not in policies, name
        assert "SupportersTable" not in policies, name
    group_readers = {
        name for name, f in functions.items() if "GroupTable" in names_in(f["Properties"]["Policies"])
    }
    assert group_readers == {"GroupFunction", "GroupNotifyFunction", "SlaCheckFunction", "CountFunction"}
    # The monthly counts come from the group's stream: new registrations counted, no item read or written.
    count = names_in(functions["CountFunction"]["Properties"]["Policies"])
    assert '"Resource": {"Fn::GetAtt": ["GroupTable", "Arn"]}' not in count
    sla = names_in(functions["SlaCheckFunction"]["Properties"]["Policies"])
    # The sweep reads the group's due sessions from the index only, and writes the reminder step
    assert "${GroupTable.Arn}/index/reminders-due" in sla
    assert '"Action": "dynamodb:UpdateItem", "Resource": {"Fn::GetAtt": ["GroupTable", "Arn"]}' in sla


def test_the_group_s_routes_and_consumer(template: dict[str, Any]) -> None:
    group = template["Resources"]["GroupFunction"]["Properties"]
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in group["Events"].values()}
    assert routes == {
        ("GET", "/group"),
        ("POST", "/group-registrations"),
        ("GET", "/group-registrations/{token}"),
        ("POST", "/group-registrations/{token}"),
    }
    notify = template["Resources"]["GroupNotifyFunction"]["Properties"]
    [stream] = notify["Events"].values()
    assert stream["Type"] == "DynamoDB"
    assert stream["Properties"]["Stream"] == {"Fn::GetAtt": ["GroupTable", "StreamArn"]}
    assert stream["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["Properties"]["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["GroupNotifyFailureQueue", "Arn"]
    }
    # The original notify function still reads only the Requests table's stream
    [requests] = template["Resources"]["NotifyFunction"]["Properties"]["Events"].values()
    assert requests["Properties"]["Stream"] == {"Fn::GetAtt": ["RequestsTable", "StreamArn"]}


def test_the_join_link_and_facilitator_are_configuration(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["GroupCapacity"]["Default"] == 15
    assert parameters["GroupMeetsOnHolidays"]["Default"] == "true"
    environment = template["Resources"]["GroupNotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["GROUP_JOIN_URL"] == {"Ref": "GroupJoinUrl"}
    assert environment["FACILITATOR_EMAIL"] == {"Ref": "FacilitatorEmail"}
