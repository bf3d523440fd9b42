"""The template's part of the program's counts and report: the counts' table, who may touch it, the
parameters, the dashboard's widgets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_runner.template import load_template, resources_of_type


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_the_monthly_counts_live_in_an_encrypted_recoverable_table_without_a_stream(
    template: dict[str, Any],
) -> None:
    table = template["Resources"]["CountersTable"]["Properties"]
    assert table["SSESpecification"]["SSEType"] == "KMS"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert "StreamSpecification" not in table
    assert template["Outputs"]["CountersTableName"]["Value"] == {"Ref": "CountersTable"}


def test_the_parameters_and_their_defaults(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["FollowUpDays"]["Default"] == 10
    assert parameters["ReportMinCount"]["Default"] == 5
    assert parameters["ReportMinCount"]["MinValue"] == 3  # "<2" would say the count is 1
    assert template["Globals"]["Function"]["Environment"]["Variables"]["FOLLOW_UP_DAYS"] == {
        "Ref": "FollowUpDays"
    }


def test_the_report_and_the_counting_never_touch_a_request_or_a_person(template: dict[str, Any]) -> None:
    functions = resources_of_type("AWS::Serverless::Function", template)
    for name in ("ReportsFunction", "CountFunction"):
        policies = json.dumps(functions[name]["Properties"]["Policies"])
        assert '["RequestsTable", "Arn"]' not in policies, name
        assert "SupportersTable" not in policies, name
        assert "ses:" not in policies, name
    reports = functions["ReportsFunction"]["Properties"]
    routes = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in reports["Events"].values()}
    assert routes == {
        ("GET", "/reports/{token}"),
        ("GET", "/feedback/{token}"),
        ("POST", "/feedback/{token}"),
    }
    count = functions["CountFunction"]["Properties"]["Events"]
    assert {e["Properties"]["Stream"]["Fn::GetAtt"][0] for e in count.values()} == {
        "RequestsTable",
        "GroupTable",
    }


def test_the_dashboard_shows_follow_ups_referrals_and_feedback(template: dict[str, Any]) -> None:
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for metric in (
        "CheckInsSent",
        "FollowUpsRequested",
        "ReferredOnPhysicianHealthProgram",
        "FeedbackReceived",
    ):
        assert f'"{metric}"' in body, metric
    assert "${CountFailureAlarm.Arn}" in body
