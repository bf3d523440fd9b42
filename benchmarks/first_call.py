"""(a, continued) What a cold start costs in all: a fresh process imports the handler, then handles a
typical first event against AWS (moto, in a process of its own), then the same event once more.

What a handler defers at import is paid by its first event, so the import alone flatters a handler that
defers much; import + first event is what the first person to reach a new instance waits for.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.cold_import import FLOOR, LOAD

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
REGION = "ca-central-1"

CHILD = """
import json, sys, time
event = json.loads(sys.stdin.read())
class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:bench"
    aws_request_id = "bench-request"
    def get_remaining_time_in_millis(self):
        return 15000
def clocks():
    return time.perf_counter(), time.process_time()
w0, c0 = clocks()
{load}
w1, c1 = clocks()
module.lambda_handler(event, Context())
w2, c2 = clocks()
module.lambda_handler(event, Context())
w3, c3 = clocks()
print(json.dumps({{"import": [w1 - w0, c1 - c0], "first": [w2 - w1, c2 - c1], "again": [w3 - w2, c3 - c2]}}))
"""
FLOOR_CHILD = """
import json, time
w0, c0 = time.perf_counter(), time.process_time()
{floor}
w1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({{"import": [w1 - w0, c1 - c0]}}))
"""


def _events(stack: Any, endpoint_url: str) -> dict[str, dict[str, Any]]:
    """A typical first event for every function, from the real flow: a request submitted, matched and
    notified (its supporter's link), and a group registration."""
    from local_runner.apigw import proxy_event
    from local_runner.lambdas import invoke
    from local_runner.streams import StreamReader

    def api(method: str, path: str, resource: str, body: Any = None, **params: str) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        headers = (
            {"Content-Type": "application/json", "Accept": "text/html"} if data else {"Accept": "text/html"}
        )
        return proxy_event(method, path, headers, data, resource, params or None)

    request = {
        "kind": "self",
        "requester": {"name": "Dr. Bench Mark", "email": "bench.mark@example.org"},
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "reasons": ["burnout"],
        "modalities": ["video"],
    }
    events: dict[str, dict[str, Any]] = {
        "SubmitRequestFunction": api("POST", "/requests", "/requests", request),
        "GroupFunction": api("GET", "/group", "/group"),
        "SlaCheckFunction": {},
    }
    match, notify = StreamReader.of(stack, "MatchFunction"), StreamReader.of(stack, "NotifyFunction")
    invoke("SubmitRequestFunction", events["SubmitRequestFunction"], REGION)
    events["MatchFunction"] = {"Records": match.records()}
    invoke("MatchFunction", events["MatchFunction"], REGION)
    records = notify.records()
    events["NotifyFunction"] = {"Records": records[-1:]}  # the match: emails to the supporter and requester
    invoke("NotifyFunction", {"Records": records}, REGION)
    token = _first_link(endpoint_url)
    events["ActionsFunction"] = api("GET", f"/actions/{token}", "/actions/{token}", token=token)
    group = StreamReader.of(stack, "GroupNotifyFunction")
    registration = {
        "name": "Dr. Bench Mark",
        "email": "bench.mark@example.org",
        "identifies_as_bipoc": True,
        "practices_in_bc": True,
    }
    invoke("GroupFunction", api("POST", "/group-registrations", "/group-registrations", registration), REGION)
    events["GroupNotifyFunction"] = {"Records": group.records()}
    return events


def _first_link(endpoint_url: str) -> str:
    import urllib.request

    from local_runner.aws import SENT_EMAILS

    with urllib.request.urlopen(f"{endpoint_url}{SENT_EMAILS}?region={REGION}") as response:  # noqa: S310
        raw = "\n".join(json.loads(response.read()))
    found = re.search(r"/actions/([A-Za-z0-9_.=-]+)", raw.replace("=\n", ""))
    assert found, "no link in the emails sent"
    return found.group(1)


def _run(script: str, env: dict[str, str], stdin: str = "{}") -> dict[str, list[float]]:
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, input=stdin, capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    measured: dict[str, list[float]] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def main(runs: int = RUNS, root: Path = ROOT) -> dict[str, Any]:
    """Import, first event and second event of every handler under `root` (default: this checkout)."""
    from local_runner.stack import _start_aws, free_port
    from local_runner.template import create_stack, resources_of_type

    port = free_port()
    aws = _start_aws(port)
    endpoint_url = f"http://127.0.0.1:{port}"
    saved = dict(os.environ)
    try:
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint_url,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto takes any credentials
            AWS_DEFAULT_REGION=REGION,
            POWERTOOLS_LOG_LEVEL="WARNING",
            POWERTOOLS_METRICS_NAMESPACE="PhysicianPeerSupport",
        )
        stack = create_stack(
            region=REGION, endpoint_url=endpoint_url, parameters={"PublicBaseUrl": "http://x"}
        )
        functions = resources_of_type("AWS::Serverless::Function")
        for function in functions:
            os.environ.update(stack.function_environment(function))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        _load_roster(stack)
        events = _events(stack, endpoint_url)
        base = {**os.environ, "PYTHONPATH": str(root / "layers" / "common"), "PYTHONDONTWRITEBYTECODE": "1"}
        rows: dict[str, Any] = {}
        print(f"{'function':24} {'import':>8} {'1st event':>10} {'total':>8} {'2nd event':>10}   (CPU ms)")
        floor = [_run(FLOOR_CHILD.format(floor=FLOOR), base)["import"][1] * 1000 for _ in range(runs)]
        rows["floor_cpu_ms"] = round(statistics.median(floor), 1)
        print(f"{'floor: boto3 + client':24} {rows['floor_cpu_ms']:>8.1f}")
        for function, resource in functions.items():
            path = root / resource["Properties"]["CodeUri"] / "app.py"
            env = {**base, **stack.function_environment(function), "POWERTOOLS_LOG_LEVEL": "WARNING"}
            script = CHILD.format(load=LOAD.format(path=str(path)))
            samples = [_run(script, env, json.dumps(events[function])) for _ in range(runs)]
            row = {
                part: round(statistics.median(s[part][1] for s in samples) * 1000, 1)
                for part in ("import", "first", "again")
            }
            row["total"] = round(row["import"] + row["first"], 1)
            row["total_ratio"] = round(row["total"] / rows["floor_cpu_ms"], 2)
            rows[function] = row
            print(
                f"{function:24} {row['import']:>8.1f} {row['first']:>10.1f} {row['total']:>8.1f} "
                f"{row['again']:>10.1f}"
            )
        return rows
    finally:
        os.environ.clear()
        os.environ.update(saved)
        aws.terminate()
        aws.wait(timeout=10)


def _load_roster(stack: Any) -> None:
    import boto3

    from local_runner.__main__ import DEMO_ROSTER
    from peer_support.supporters.repository import SupportersRepository
    from peer_support.supporters.roster import parse_roster

    entries = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    SupportersRepository(stack.refs["SupportersTable"], boto3.client("dynamodb")).upsert(entries)


if __name__ == "__main__":
    main(root=Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT)
