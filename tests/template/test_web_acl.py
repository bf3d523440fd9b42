"""The stack's own AWS WAF web ACL in front of the API: a per-IP rate limit on POST, AWS's common and
known-bad-inputs rule groups, CloudWatch metrics without sampled requests; and an operator's own web ACL
in its place when `WebAclArn` names one."""

from __future__ import annotations

from typing import Any

import pytest

from local_runner.template import Stack, load_template
from tests.template.test_deploy import WEB_ACL, of_type, transform

# The largest body the API takes (MAX_BODY_BYTES' default, 16 KiB): the functions answer a kind 413 past it.
MAX_BODY_BYTES = 16 * 1024
# AWSManagedRulesCommonRuleSet's SizeRestrictions_BODY blocks bodies over 8 KB.
COMMON_RULE_SET_BODY_LIMIT = 8 * 1024


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def web_acl(template: dict[str, Any]) -> dict[str, Any]:
    [acl] = [r for r in template["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    web_acl: dict[str, Any] = acl
    return web_acl


def rules(web_acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in web_acl["Properties"]["Rules"]}


def managed_groups(web_acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule
        for rule in web_acl["Properties"]["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }


def test_the_stack_makes_its_own_regional_web_acl_unless_given_one(
    template: dict[str, Any], web_acl: dict[str, Any]
) -> None:
    props = web_acl["Properties"]
    assert props["Scope"] == "REGIONAL"
    assert props["DefaultAction"] == {"Allow": {}}
    assert web_acl["Condition"] == "CreatesWebAcl"
    assert template["Conditions"]["CreatesWebAcl"] == {"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}
    assert template["Parameters"]["WebAclArn"]["Default"] == ""
    assert Stack(region="ca-central-1").condition("CreatesWebAcl")
    assert not Stack(region="ca-central-1", parameters={"WebAclArn": WEB_ACL}).condition("CreatesWebAcl")


def test_post_requests_are_limited_per_ip_address(template: dict[str, Any], web_acl: dict[str, Any]) -> None:
    [rate] = [r for r in rules(web_acl).values() if "RateBasedStatement" in r["Statement"]]
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": "WafPostRateLimit"}
    assert statement["EvaluationWindowSec"] == 300
    match = statement["ScopeDownStatement"]["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"Method": {}}
    assert (match["PositionalConstraint"], match["SearchString"]) == ("EXACTLY", "POST")
    # Blocked with a 429 of the contract's shape (its headers and body: test_gateway_responses.py)
    assert rate["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    parameter = template["Parameters"]["WafPostRateLimit"]
    assert parameter["Type"] == "Number"
    assert parameter["MinValue"] == 10  # AWS WAF's smallest rate limit
    assert 10 <= parameter["Default"] <= 1000
    assert "5 minutes" in parameter["Description"]


def test_aws_managed_rule_groups_block_what_they_match(web_acl: dict[str, Any]) -> None:
    groups = managed_groups(web_acl)
    assert set(groups) == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    for name, rule in groups.items():
        assert rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS", name
        # None: each rule of the group takes its own action (Block); Count would only watch
        assert rule["OverrideAction"] == {"None": {}}, name
    assert (
        "RuleActionOverrides"
        not in groups["AWSManagedRulesKnownBadInputsRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    )


def test_only_the_common_rule_sets_8_kb_body_limit_is_lifted(web_acl: dict[str, Any]) -> None:
    """The API takes bodies up to 16 KiB (and refuses more itself, with a kind 413): the common rule set's
    8 KB body limit would block a long request the functions accept, so that one rule only counts."""
    assert COMMON_RULE_SET_BODY_LIMIT < MAX_BODY_BYTES
    common = managed_groups(web_acl)["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    # and the web ACL inspects the whole of a body the API takes, not only its first 8 KB
    limit = web_acl["Properties"]["AssociationConfig"]["RequestBody"]["API_GATEWAY"]
    assert limit == {"DefaultSizeInspectionLimit": "KB_16"}


def test_every_rule_has_cloudwatch_metrics_and_no_sampled_requests(web_acl: dict[str, Any]) -> None:
    """Sampled requests keep each request's URL, whose path holds a link's token: none are kept."""
    configs = [web_acl["Properties"]["VisibilityConfig"]] + [
        rule["VisibilityConfig"] for rule in web_acl["Properties"]["Rules"]
    ]
    for config in configs:
        assert config["CloudWatchMetricsEnabled"] is True, config
        assert config["SampledRequestsEnabled"] is False, config
    names = [rule["VisibilityConfig"]["MetricName"] for rule in web_acl["Properties"]["Rules"]]
    assert len(set(names)) == len(names)
    priorities = [rule["Priority"] for rule in web_acl["Properties"]["Rules"]]
    assert len(set(priorities)) == len(priorities)


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return transform({})


def test_the_api_stage_is_always_behind_a_web_acl(transformed: dict[str, Any]) -> None:
    """One association, with the operator's web ACL when given, else the stack's own."""
    [(name, association)] = of_type(transformed, "AWS::WAFv2::WebACLAssociation").items()
    assert "Condition" not in association, name
    assert association["Properties"]["WebACLArn"] == {
        "Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Fn::GetAtt": ["WebAcl", "Arn"]}]
    }
    [(stage_id, stage)] = of_type(transformed, "AWS::ApiGateway::Stage").items()
    assert stage["Properties"]["StageName"] == "prod"
    api = "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}"
    stage_arn = api + "/stages/${" + stage_id + "}"
    assert association["Properties"]["ResourceArn"] == {"Fn::Sub": stage_arn}
