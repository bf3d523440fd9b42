"""`GET /_local/aws`: how to reach the local stack's AWS (moto) from a shell, as the README's commands do.

moto takes any credentials, but the AWS CLI and boto3 refuse to send a request without some; and real
ones must never be sent to a local endpoint. So the answer gives the endpoint, dummy credentials and
the region, and the stack's outputs as the deployed stack names them (`RequestsTableName`, ...):
`GET /_local/aws?format=sh` gives them as lines to paste into (or `eval` in) a shell, which also define
the `output` function the operator's guide uses, so its commands work on the local stack as written.
"""

from __future__ import annotations

import re
import shlex
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from local_runner.server import Reply, json_reply

if TYPE_CHECKING:
    from local_runner.server import LocalApp, LocalRequest
    from local_runner.stack import LocalStack

# The local stack's dummy credentials (moto checks none): the same as its own functions use.
ACCESS_KEY_ID = "local"
SECRET_ACCESS_KEY = "local"  # noqa: S105 - not a secret: moto takes any credentials
TABLES = ("RequestsTable", "SupportersTable", "GroupTable", "IdempotencyTable")
# API Gateway's address, in the template's outputs; locally the routes are served at the root.
_API_URL = re.compile(r"https://\$\{Api\}\.execute-api\.\$\{AWS::Region\}\.amazonaws\.com/prod")


def environment(local: LocalStack) -> dict[str, str]:
    """What the AWS CLI and boto3 need to talk to the local stack's AWS, and nothing else."""
    return {
        "AWS_ENDPOINT_URL": local.endpoint_url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": local.region,
        "AWS_REGION": local.region,
    }


def outputs(local: LocalStack, base_url: str) -> dict[str, str]:
    """The template's outputs that mean something locally, by their names in the deployed stack."""
    assert local.stack is not None
    found: dict[str, str] = {}
    for name, output in local.stack.template.get("Outputs", {}).items():
        value: Any = output["Value"]
        if (
            isinstance(value, dict)
            and isinstance(value.get("Fn::Sub"), str)
            and _API_URL.match(value["Fn::Sub"])
        ):
            value = {"Fn::Sub": _API_URL.sub(base_url, value["Fn::Sub"])}
        try:
            found[name] = str(local.stack.resolve(value))
        except KeyError:  # a resource only AWS has (the alarm topic, the dashboard)
            continue
    return found


def shell(local: LocalStack, base_url: str) -> str:
    """Lines for a POSIX shell: the environment above, and `output NAME` for the stack's outputs."""
    cases = "".join(
        f"    {name}) echo {shlex.quote(value)} ;;\n" for name, value in outputs(local, base_url).items()
    )
    exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in environment(local).items())
    return (
        f"# The local stack's AWS (moto) at {local.endpoint_url}, for the AWS CLI and boto3:\n"
        f"#   eval \"$(curl -s '{base_url}/_local/aws?format=sh')\"\n"
        "# This shell then talks to the local stack, never to AWS: open another one for AWS.\n"
        "unset AWS_PROFILE AWS_SESSION_TOKEN\n"
        f"{exports}"
        "output() {\n"
        '  case "$1" in\n'
        f"{cases}"
        '    *) echo "the local stack has no output $1" >&2; return 1 ;;\n'
        "  esac\n"
        "}\n"
    )


def aws_route(app: LocalApp, request: LocalRequest) -> Reply:
    """Where the stack's AWS answers, with the environment to reach it: JSON, or `?format=sh`."""
    local = app.local
    assert local.stack is not None
    if request.param("format") == "sh":
        return Reply(HTTPStatus.OK, shell(local, request.base_url).encode(), "text/plain; charset=utf-8")
    return json_reply(
        HTTPStatus.OK,
        {
            "endpoint_url": local.endpoint_url,
            "region": local.region,
            **{_snake(name): local.stack.refs[name] for name in TABLES if name in local.stack.refs},
            "environment": environment(local),
            "outputs": outputs(local, request.base_url),
            "shell": f"{request.base_url}/_local/aws?format=sh",
        },
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
