"""(a) Cold import of every handler, each in a fresh process with its template's environment,
against the floor of `import boto3` plus one client. Medians of several runs, as ratios."""

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
TIMER = """
import time
_t = time.perf_counter()
{body}
print((time.perf_counter() - _t) * 1000)
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


def timed(body: str, env: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", TIMER.format(body=body)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(result.stdout.strip().splitlines()[-1])


def median_ms(body: str, env: dict[str, str], runs: int = RUNS) -> float:
    timed(body, env)  # warm the file cache so every candidate is measured alike
    return statistics.median(timed(body, env) for _ in range(runs))


def main(runs: int = RUNS) -> dict[str, Any]:
    from local_runner.template import load_template, resources_of_type

    base = environment(None)
    floor = median_ms(FLOOR, base, runs)
    rows: dict[str, Any] = {"floor_ms": round(floor, 1)}
    candidates: dict[str, tuple[str, dict[str, str]]] = {
        "reference handler (common way)": (
            LOAD.format(path=str(ROOT / "benchmarks" / "reference_handler.py")),
            {**base, "POWERTOOLS_SERVICE_NAME": "ref"},
        ),
        "pydantic with one model": (PYDANTIC_ONE_MODEL, base),
    }
    template = load_template()
    for function, resource in resources_of_type("AWS::Serverless::Function", template).items():
        props = resource["Properties"]
        path = ROOT / props["CodeUri"] / "app.py"
        candidates[function] = (LOAD.format(path=str(path)), environment(function))
    print(f"{'import':34} {'median ms':>10} {'x floor':>8}")
    print(f"{'floor: boto3 + one client':34} {floor:>10.1f} {1.0:>8.2f}")
    for name, (body, env) in candidates.items():
        ms = median_ms(body, env, runs)
        rows[name] = {"median_ms": round(ms, 1), "ratio": round(ms / floor, 2)}
        print(f"{name:34} {ms:>10.1f} {ms / floor:>8.2f}")
    return rows


if __name__ == "__main__":
    main()
