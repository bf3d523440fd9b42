"""The SAM template: linted by cfn-lint and `sam validate --lint`, and holding what the design promises."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from local_runner.template import CREATED_LOCALLY, NOT_LOCAL, TEMPLATE, load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venv-tools" / "bin"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def tool(name: str, tools: Path = TOOLS) -> Path:
    path = tools / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: run `make tools` (aws-sam-cli and checkov live in their own environments)"
        )
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "ca-central-1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(  # noqa: S603 - our own tools, fixed arguments
        [str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_cfn_lint_passes() -> None:
    result = run(tool("cfn-lint"), TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    result = run(tool("sam"), "validate", "--lint", "--region", "ca-central-1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_passes_with_no_unexplained_skip() -> None:
    result = run(
        tool("checkov", CHECKOV.parent),
        "--file",
        TEMPLATE,
        "--framework",
        "cloudformation",
        "--compact",
        "--quiet",
        "--skip-download",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0," in result.stdout, result.stdout


def test_every_checkov_skip_gives_its_reason(template: dict[str, Any]) -> None:
    skips = [
        (name, skip)
        for name, resource in template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert skip["id"].startswith("CKV"), name
        assert len(skip.get("comment", "").split()) >= 8, f"{name} skips {skip['id']} without a reason"


# Left out by the local stack, with the reason still to be moved into local_runner.template.NOT_LOCAL (the
# local runner is being reorganised on another branch); an entry here goes once NOT_LOCAL has it.
def test_the_local_stack_creates_or_knowingly_leaves_out_every_resource_type(
    template: dict[str, Any],
) -> None:
    types = {resource["Type"] for resource in template["Resources"].values()}
    known = CREATED_LOCALLY | NOT_LOCAL.keys()
    assert types <= known, types - known


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_requests_table_as_the_design_says(template: dict[str, Any]) -> None:
    props = template["Resources"]["RequestsTable"]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "request_id", "KeyType": "HASH"}]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "purge_at", "Enabled": True}
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "DataKey"},
    }
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    indexes = {index["IndexName"]: index for index in props["GlobalSecondaryIndexes"]}
    assert [k["AttributeName"] for k in indexes["by-status"]["KeySchema"]] == ["status", "created_at"]
    assert [k["AttributeName"] for k in indexes["sla-due"]["KeySchema"]] == ["sla_open", "sla_due"]
    assert indexes["sla-due"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}


def test_every_table_is_encrypted_with_the_stack_key(template: dict[str, Any]) -> None:
    for name, table in resources_of_type("AWS::DynamoDB::Table", template).items():
        assert table["Properties"]["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "DataKey"}, name
        assert table["Properties"]["DeletionProtectionEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_key_rotates_and_region_defaults_to_canada(template: dict[str, Any]) -> None:
    assert template["Resources"]["DataKey"]["Properties"]["EnableKeyRotation"] is True
    assert template["Parameters"]["Region"]["Default"] == "ca-central-1"
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    assert template["Globals"]["Function"]["Architectures"] == ["arm64"]


def test_function_policies_name_their_resources(template: dict[str, Any]) -> None:
    for name, function in resources_of_type("AWS::Serverless::Function", template).items():
        for policy in function["Properties"]["Policies"]:
            for statement in policy["Statement"]:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                assert not any("*" in action for action in actions), name
                assert statement.get("Resource") != "*", name


def test_api_is_regional_and_throttled(template: dict[str, Any]) -> None:
    props = template["Resources"]["Api"]["Properties"]
    assert props["EndpointConfiguration"] == {"Type": "REGIONAL"}
    [setting] = props["MethodSettings"]
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}


def test_a_waiting_request_reaches_match_without_a_batching_window(template: dict[str, Any]) -> None:
    # A window holds records back up to its length when traffic is light, as a program's always is.
    events = template["Resources"]["MatchFunction"]["Properties"]["Events"]
    assert events["RequestsStream"]["Properties"]["MaximumBatchingWindowInSeconds"] == 0
