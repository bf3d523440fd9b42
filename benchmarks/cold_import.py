"""(a) Cold import of every handler, each in a fresh process with its template's environment,
against the floor of `import boto3` plus one client. Medians of several runs, as ratios.

Each candidate's runs alternate with runs of the floor, so a machine that gets busier or quieter
during the benchmark moves both alike. The ratio is taken on CPU time, which other processes on the
machine barely move; wall time is reported beside it."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7

# Each snippet runs in a fresh interpreter and prints how long its imports took, in milliseconds.
FLOOR = "import boto3; boto3.client('dynamodb')"
PYDANTIC_ONE_MODEL = (
    "import boto3; boto3.client('dynamodb'); import pydantic\nclass M(pydantic.BaseModel):\n    a: str"
)
# The least the product's stack asks of an API function: the floor, Powertools' validating resolver, one
# route with a one-field body model, and one request resolved (so its validation is built). Nothing of
# ours: what no API function can go below (docs/PERFORMANCE.md, "What reaching the targets would take").
LEAST_STACK = """import boto3; boto3.client('dynamodb')
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import BaseModel
app = APIGatewayRestResolver(enable_validation=True)
class Body(BaseModel):
    name: str
@app.post('/requests')
def create(body: Body) -> dict:
    return {'name': body.name}
event = {'httpMethod': 'POST', 'path': '/requests', 'resource': '/requests', 'body': '{"name": "x"}',
    'headers': {'Content-Type': 'application/json'}, 'multiValueHeaders': {}, 'isBase64Encoded': False,
    'queryStringParameters': None, 'multiValueQueryStringParameters': None, 'pathParameters': None,
    'stageVariables': None,
    'requestContext': {'requestId': 'r', 'stage': 'prod', 'resourcePath': '/requests'}}
assert app.resolve(event, None)['statusCode'] == 200
"""
TIMER = """
import time
_t, _c = time.perf_counter(), time.process_time()
{body}
print((time.perf_counter() - _t) * 1000, (time.process_time() - _c) * 1000)
"""
LOAD = """
import importlib.util
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""


def environment(function: str | None) -> dict[str, str]:
    """The function's environment as the template gives it, with placeholder resource names."""
    from local_runner.template import Stack, load_template

    stack = Stack(region="ca-central-1", parameters={"PublicBaseUrl": "https://peer-support.example.org"})
    for logical, resource in load_template()["Resources"].items():
        stack.refs[logical] = f"bench-{logical}"
        stack.arns[logical] = f"arn:aws:service:ca-central-1:123456789012:{logical}"
        if resource["Type"] == "AWS::DynamoDB::Table":
            stack.arns[f"{logical}.StreamArn"] = f"{stack.arns[logical]}/stream/x"
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "ca-central-1",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "PYTHONPATH": str(ROOT / "layers" / "common"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if function:
        env.update(stack.function_environment(function))
    return env


def timed(body: str, env: dict[str, str], python: str = sys.executable) -> tuple[float, float]:
    """Wall and CPU milliseconds of `body` in a fresh interpreter (this one's Python, or `python`)."""
    result = subprocess.run(
        [python, "-c", TIMER.format(body=body)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    wall, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def against_floor(body: str, env: dict[str, str], floor_env: dict[str, str], runs: int) -> dict[str, float]:
    """Medians of `body` and of the floor, measured in turn, and their ratios."""
    timed(body, env)  # warm the file cache so every candidate is measured alike
    samples = [(timed(FLOOR, floor_env), timed(body, env)) for _ in range(runs)]
    floor_wall = statistics.median(f[0] for f, _ in samples)
    floor_cpu = statistics.median(f[1] for f, _ in samples)
    wall = statistics.median(c[0] for _, c in samples)
    cpu = statistics.median(c[1] for _, c in samples)
    return {
        "cpu_ms": round(cpu, 1),
        "ratio": round(cpu / floor_cpu, 2),
        "wall_ms": round(wall, 1),
        "wall_ratio": round(wall / floor_wall, 2),
        "floor_cpu_ms": round(floor_cpu, 1),
    }


def main(runs: int = RUNS) -> dict[str, Any]:
    from local_runner.template import load_template, resources_of_type

    base = environment(None)
    timed(FLOOR, base)
    floor = [timed(FLOOR, base) for _ in range(runs)]
    rows: dict[str, Any] = {
        "floor_cpu_ms": round(statistics.median(c for _, c in floor), 1),
        "floor_wall_ms": round(statistics.median(w for w, _ in floor), 1),
    }
    candidates: dict[str, tuple[str, dict[str, str]]] = {
        "reference handler (common way)": (
            LOAD.format(path=str(ROOT / "benchmarks" / "reference_handler.py")),
            {**base, "POWERTOOLS_SERVICE_NAME": "ref"},
        ),
        "pydantic with one model": (PYDANTIC_ONE_MODEL, base),
        "the least of the stack (resolver)": (LEAST_STACK, base),
    }
    template = load_template()
    for function, resource in resources_of_type("AWS::Serverless::Function", template).items():
        props = resource["Properties"]
        path = ROOT / props["CodeUri"] / "app.py"
        candidates[function] = (LOAD.format(path=str(path)), environment(function))
    print(f"{'import':34} {'CPU ms':>8} {'x floor':>8} {'wall ms':>8} {'x floor':>8}")
    floor_row = f"{rows['floor_cpu_ms']:>8.1f} {1.0:>8.2f} {rows['floor_wall_ms']:>8.1f}"
    print(f"{'floor: boto3 + one client':34} {floor_row}")
    for name, (body, env) in candidates.items():
        row = against_floor(body, env, base, runs)
        rows[name] = row
        cpu, wall = (
            f"{row['cpu_ms']:>8.1f} {row['ratio']:>8.2f}",
            f"{row['wall_ms']:>8.1f} {row['wall_ratio']:>8.2f}",
        )
        print(f"{name:34} {cpu} {wall}")
    return rows


if __name__ == "__main__":
    main()
