"""Transform `template.yaml` into plain CloudFormation with aws-sam-translator, as CloudFormation would.

Runs in `.venv-tools` (aws-sam-translator comes with aws-sam-cli there; it pins a pydantic older than the
layer's, so it cannot share `.venv`). The deploy test uses it:

    .venv-tools/bin/python tools/sam_transform.py template.yaml --code s3://bucket/code.zip \
        --parameter AdminRoleArn=arn:aws:iam::123456789012:role/admins > transformed.json

`--code` stands in for every function's CodeUri and the layer's ContentUri, as `sam package` would put
the uploaded artifacts' locations there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template names AWS managed policies by ARN only, so no IAM look-up is ever needed."""

    def load(self) -> dict[str, str]:
        return {}


def packaged(template: dict[str, Any], code: str) -> dict[str, Any]:
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = code
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = code
    return template


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", type=Path)
    parser.add_argument("--code", required=True, help="the S3 URI standing in for every code location")
    parser.add_argument("--parameter", action="append", default=[], help="Name=Value, repeatable")
    parser.add_argument("--region", default="ca-central-1")
    parser.add_argument("--account", default="123456789012")
    args = parser.parse_args(argv)
    parameters: dict[str, Any] = dict(p.split("=", 1) for p in args.parameter)
    parameters.update(
        {
            "AWS::Region": args.region,
            "AWS::AccountId": args.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
    )
    os.environ["AWS_DEFAULT_REGION"] = args.region  # the translator asks boto3 for the region
    template = packaged(yaml_parse(args.template.read_text()), args.code)
    json.dump(transform(template, parameters, NoManagedPolicies()), sys.stdout, indent=1)


if __name__ == "__main__":
    main()
