"""(a, continued) What a cold start costs in all: a fresh process imports the handler and handles its
first event, against the floor of a naive handler making the same AWS calls, and (API functions)
against the same routes written the common Powertools way.

What a handler defers at import is paid by its first event, so the import alone flatters a handler that
defers much; import + first event is what the first person to reach a new instance waits for.

Every figure is the CPU time of the measured process alone: AWS is moto, in a process of its own. Each
run gets fresh events from the real flow (a new request submitted, matched, notified), so every run
takes the path a first person would, never "found again" or "already sent". The AWS calls of each path
are recorded once, in a run of its own; the floor (`import boto3`, one client per service created at
import, then those calls) and the peer replay them. A replayed conditional write is refused (its item
was written already): the call is made and answered all the same, and the refusal is caught.

The layer is measured as it is deployed: its package with bytecode, as `layers/common/Makefile` builds
it with Lambda's Python (`benchmarks.layer_bytecode` measures a layer built without it).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
REGION = "ca-central-1"
# Lambda's Init runs on a whole vCPU; an invocation at 512 MB gets 512/1769 of one (docs/PERFORMANCE.md).
INVOKE_SLOWDOWN = 1769 / 512
# The peer as it would run in Lambda: its Tracer on (the X-Ray SDK patches botocore), a trace to join.
IN_LAMBDA = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_LAMBDA_FUNCTION_NAME": "peer",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
}

_PRELUDE = """
import json, pickle, sys, time
data = pickle.loads(sys.stdin.buffer.read())
class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ca-central-1:123456789012:function:bench"
    aws_request_id = "bench-request"
    def get_remaining_time_in_millis(self):
        return 15000
def clocks():
    return time.perf_counter(), time.process_time()
def answer(result):
    if not isinstance(result, dict):
        return None
    return result.get("statusCode", len(result.get("batchItemFailures", [])))
"""
# The function (or the peer): import, first event, second event.
CHILD = (
    _PRELUDE
    + """
{record}
w0, c0 = clocks()
import importlib.util
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
w1, c1 = clocks()
module.CALLS = data["calls"]
first = answer(module.lambda_handler(data["events"][0], Context()))
w2, c2 = clocks()
{stop}
again = answer(module.lambda_handler(data["events"][1], Context()))
w3, c3 = clocks()
print(json.dumps({{"import": [w1 - w0, c1 - c0], "first": [w2 - w1, c2 - c1], "again": [w3 - w2, c3 - c2],
                  "answers": [first, again]}}))
"""
)
# Recording the AWS calls a path makes (a run of its own, never timed).
RECORD = """
import botocore.client, os
calls = []
_make = botocore.client.BaseClient._make_api_call
def _recorded(self, operation, params):
    calls.append((self.meta.service_model.service_name, operation, params))
    return _make(self, operation, params)
botocore.client.BaseClient._make_api_call = _recorded
"""
STOP_RECORDING = """
botocore.client.BaseClient._make_api_call = _make
pickle.dump(calls, open(os.environ["BENCH_CALLS"], "wb"))
"""
# The floor: a naive handler of the same calls.
FLOOR_CHILD = (
    _PRELUDE
    + """
w0, c0 = clocks()
import boto3
from botocore import xform_name
from botocore.exceptions import ClientError
clients = {}
for service, _, _ in data["calls"]:
    if service not in clients:
        clients[service] = boto3.client(service)
w1, c1 = clocks()
for service, operation, params in data["calls"]:
    try:
        getattr(clients[service], xform_name(operation))(**params)
    except ClientError:
        pass
w2, c2 = clocks()
print(json.dumps({"import": [w1 - w0, c1 - c0], "first": [w2 - w1, c2 - c1]}))
"""
)

REQUEST: dict[str, Any] = {
    "kind": "self",
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
}


def api_event(
    method: str, path: str, resource: str, body: Any = None, accept: str = "text/html"
) -> dict[str, Any]:
    from local_runner.apigw import proxy_event

    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "Accept": accept} if data else {"Accept": accept}
    params = {"token": path.rsplit("/", 1)[-1]} if resource == "/actions/{token}" else None
    return proxy_event(method, path, headers, data, resource, params)


def invoke_quietly(function: str, event: dict[str, Any]) -> Any:
    """Run `function` in this process to make the next event, quietly (the measured children keep their
    output, as in Lambda)."""
    from benchmarks import harness
    from local_runner.lambdas import invoke

    with harness.quietly():
        return invoke(function, event, REGION)


class Flow:
    """Fresh first events from the real flow, every one new: submissions from a new address each, their
    stream records, the links their emails carry, group registrations."""

    def __init__(self, stack: Any, endpoint_url: str) -> None:
        from local_runner.streams import StreamReader

        self.endpoint_url = endpoint_url
        self.readers = {
            f: StreamReader.of(stack, f) for f in ("MatchFunction", "NotifyFunction", "GroupNotifyFunction")
        }
        self.count = 0

    def _address(self) -> str:
        self.count += 1
        return f"bench.{os.getpid()}.{self.count}@example.org"

    def submission(self, accept: str = "text/html") -> dict[str, Any]:
        body = {**REQUEST, "requester": {"name": "Dr. Bench Mark", "email": self._address()}}
        return api_event("POST", "/requests", "/requests", body, accept)

    def submitted(self) -> list[dict[str, Any]]:
        """A new request stored: its INSERT, as `match` gets it."""
        self.readers["MatchFunction"].records()  # what earlier runs left (their children's submissions)
        self.reference = json.loads(
            invoke_quietly("SubmitRequestFunction", self.submission("application/json"))["body"]
        )["reference"]
        self.readers["NotifyFunction"].records()  # its confirmation email is not what is measured
        return self.readers["MatchFunction"].records()

    def matched(self) -> list[dict[str, Any]]:
        """A new request matched: the MODIFY to `matched`, as `notify` gets it (two emails)."""
        invoke_quietly("MatchFunction", {"Records": self.submitted()})
        return self.readers["NotifyFunction"].records()[-1:]

    def link(self) -> str:
        """The supporter's signed link to a new request's case page, from the email that carried it."""
        from local_runner.aws import SENT_EMAILS

        invoke_quietly("NotifyFunction", {"Records": self.matched()})
        with urllib.request.urlopen(f"{self.endpoint_url}{SENT_EMAILS}?region={REGION}") as response:  # noqa: S310
            emails = [e.replace("=\n", "") for e in json.loads(response.read())]
        mine = [e for e in emails if self.reference in e and "To: bench." not in e]
        found = re.search(r"/actions/([A-Za-z0-9_.=-]+)", mine[-1])
        assert found, "no link in the supporter's email"
        return found.group(1)

    def registration(self) -> dict[str, Any]:
        body = {
            "name": "Dr. Bench Mark",
            "email": self._address(),
            "identifies_as_bipoc": True,
            "practices_in_bc": True,
        }
        return api_event("POST", "/group-registrations", "/group-registrations", body)

    def registered(self) -> list[dict[str, Any]]:
        self.readers["GroupNotifyFunction"].records()  # what earlier runs left (their registrations)
        invoke_quietly("GroupFunction", self.registration())
        return self.readers["GroupNotifyFunction"].records()

    def paths(self) -> dict[str, tuple[str, bool, Callable[[], dict[str, Any]]]]:
        """Every path measured: its function, whether the peer serves it, and a maker of fresh events."""

        def action(method: str) -> dict[str, Any]:
            token = self.link()
            body = {"action": "acknowledge"} if method == "POST" else None
            return api_event(method, f"/actions/{token}", "/actions/{token}", body)

        return {
            "submit_request POST /requests": ("SubmitRequestFunction", True, self.submission),
            "actions GET /actions/{token}": ("ActionsFunction", True, lambda: action("GET")),
            "actions POST /actions/{token}": ("ActionsFunction", True, lambda: action("POST")),
            "group GET /group": ("GroupFunction", True, lambda: api_event("GET", "/group", "/group")),
            "group POST /group-registrations": ("GroupFunction", True, self.registration),
            "match (1 INSERT)": ("MatchFunction", False, lambda: {"Records": self.submitted()}),
            "notify (a match: 2 emails)": ("NotifyFunction", False, lambda: {"Records": self.matched()}),
            "group_notify (1 registration)": (
                "GroupNotifyFunction",
                False,
                lambda: {"Records": self.registered()},
            ),
            "sla_check (one sweep)": ("SlaCheckFunction", False, dict),
        }


def _run(script: str, env: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, input=pickle.dumps(data), capture_output=True, cwd=ROOT
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode()[-3000:])
    measured: dict[str, Any] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    return measured


def _ms(samples: list[dict[str, Any]], part: str) -> float:
    return round(statistics.median(s[part][1] for s in samples) * 1000, 1)


def record_calls(script_path: str, env: dict[str, str], events: list[dict[str, Any]]) -> list[Any]:
    """The AWS calls the first event of a fresh process makes, in order."""
    with tempfile.NamedTemporaryFile(suffix=".pickle") as out:
        script = CHILD.format(path=script_path, record=RECORD, stop=STOP_RECORDING)
        _run(script, {**env, "BENCH_CALLS": out.name}, {"events": events, "calls": []})
        calls: list[Any] = pickle.loads(Path(out.name).read_bytes())  # noqa: S301 - written just now, by us
    return calls


def main(runs: int = RUNS, root: Path = ROOT, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Import + first event of every path under `root` (default: this checkout), against its floor and
    (API functions) the common Powertools way; `only` the paths whose names start so, if given."""
    from local_runner.caches import clear_caches
    from local_runner.stack import _start_aws, free_port
    from local_runner.template import create_stack, resources_of_type

    clear_caches()  # clients made for another AWS, if this process measured before
    port = free_port()
    aws = _start_aws(port)
    endpoint_url = f"http://127.0.0.1:{port}"
    saved = dict(os.environ)
    shipped = tempfile.TemporaryDirectory()
    try:
        layer = as_shipped(root, Path(shipped.name))
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint_url,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto takes any credentials
            AWS_DEFAULT_REGION=REGION,
            POWERTOOLS_METRICS_NAMESPACE="PhysicianPeerSupport",
        )
        stack = create_stack(
            region=REGION,
            endpoint_url=endpoint_url,
            # The surge check runs on every submission (its hourly count is part of the path), but at its
            # highest threshold, so that the benchmark's own submissions are never held as a surge.
            parameters={"PublicBaseUrl": "http://x", "SurgeRequestsPerHour": "10000"},
        )
        functions = resources_of_type("AWS::Serverless::Function")
        for function in functions:
            os.environ.update(stack.function_environment(function))
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        _load_roster(stack)
        flow = Flow(stack, endpoint_url)
        base = {**os.environ, "PYTHONPATH": str(layer), "PYTHONDONTWRITEBYTECODE": "1"}
        envs = {
            f: {**base, **stack.function_environment(f), "POWERTOOLS_LOG_LEVEL": "WARNING"} for f in functions
        }
        return _measure(flow, functions, envs, root, layer, runs, only)
    finally:
        shipped.cleanup()
        os.environ.clear()
        os.environ.update(saved)
        aws.terminate()
        aws.wait(timeout=10)


def as_shipped(root: Path, into: Path) -> Path:
    """The layer's package under `root` as a layer built with Lambda's Python holds it: its templates
    compiled, and bytecode that never checks its source, as `layers/common/Makefile` builds them. The
    peer's module likewise, so that both are measured as deployed. The functions' own one-line modules
    compile, as in Lambda. (A checkout from before the templates were compiled gets none.)"""
    # Not the checkout's own bytecode: compileall keeps a cached file whose timestamp still matches.
    package = root / "layers" / "common" / "peer_support"
    shutil.copytree(package, into / "peer_support", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "benchmarks" / "peer_handler.py", into)
    # This Python stands in for Lambda's, as the makefile compiles with whichever it is given.
    layer = ROOT / "layers" / "common"
    subprocess.run(
        [
            *("make", "-s", "-C", str(layer), "bytecode", f"PACKAGES={into}"),
            *(f"PYTHON={sys.executable}", f"LAMBDA_PYTHON={sys.executable}"),
        ],
        check=True,
        capture_output=True,
    )
    return into


def _measure(
    flow: Flow,
    functions: dict[str, Any],
    envs: dict[str, dict[str, str]],
    root: Path,
    layer: Path,
    runs: int,
    only: tuple[str, ...] = (),
) -> dict[str, Any]:
    rows: dict[str, Any] = {"runs": runs}
    columns = ("floor", 6), ("import", 7), ("1st", 6), ("total", 6), ("x floor", 8), ("2nd", 5), ("peer", 6)
    header = f"{'path':34} " + " ".join(f"{c:>{w}}" for c, w in columns) + f" {'peer/ours':>9} {'@512MB':>7}"
    print(f"{header}   (CPU ms, medians of {runs})", flush=True)
    peer_path = str(layer / "peer_handler.py")
    for name, (function, has_peer, make) in flow.paths().items():
        if only and not name.startswith(only):
            continue
        env = envs[function]
        path = str(root / functions[function]["Properties"]["CodeUri"] / "app.py")
        calls = record_calls(path, env, [make(), make()])
        script = CHILD.format(path=path, record="", stop="")
        peer_env = {**env, **IN_LAMBDA, "POWERTOOLS_SERVICE_NAME": "peer"}
        floor, ours, peer = [], [], []
        for _ in range(runs):
            floor.append(_run(FLOOR_CHILD, env, {"calls": calls}))
            ours.append(_run(script, env, {"events": [make(), make()], "calls": []}))
            if has_peer:
                peer.append(
                    _run(
                        CHILD.format(path=peer_path, record="", stop=""),
                        peer_env,
                        {"events": [make(), make()], "calls": calls},
                    )
                )
        answers = Counter(str(a) for s in ours for a in s["answers"])
        row: dict[str, Any] = {
            "function": function,
            "calls": dict(Counter(f"{s}:{op}" for s, op, _ in calls)),
            "floor": round(statistics.median((f["import"][1] + f["first"][1]) for f in floor) * 1000, 1),
            "import": _ms(ours, "import"),
            "first": _ms(ours, "first"),
            "total": round(statistics.median((s["import"][1] + s["first"][1]) for s in ours) * 1000, 1),
            "again": _ms(ours, "again"),
            "answers": dict(answers),
        }
        row["ratio"] = round(row["total"] / row["floor"], 2)
        # What a real cold start at 512 MB would take in CPU-bound time: Init at one vCPU, Invoke slower.
        row["lambda_ms"] = round(row["import"] + row["first"] * INVOKE_SLOWDOWN)
        floor_lambda = statistics.median(
            (f["import"][1] + f["first"][1] * INVOKE_SLOWDOWN) * 1000 for f in floor
        )
        row["lambda_ratio"] = round(row["lambda_ms"] / floor_lambda, 2)
        if peer:
            row["peer"] = round(statistics.median((s["import"][1] + s["first"][1]) for s in peer) * 1000, 1)
            row["peer_ratio"] = round(row["peer"] / row["total"], 2)
        rows[name] = row
        peer_text = f"{row['peer']:>6.0f} {row['peer_ratio']:>9.2f}" if peer else f"{'—':>6} {'—':>9}"
        print(
            f"{name:34} {row['floor']:>6.0f} {row['import']:>7.0f} {row['first']:>6.0f} {row['total']:>6.0f} "
            f"{row['ratio']:>8.2f} {row['again']:>5.0f} {peer_text} {row['lambda_ratio']:>7.2f}",
            flush=True,
        )
    return rows


def _load_roster(stack: Any) -> None:
    """Enough supporters, each with room for many cases, that every run finds one free."""
    import boto3

    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    entries = [
        RosterEntry.model_validate(
            {
                "supporter_id": f"bench-{i:02}",
                "name": f"Dr. Supporter {i}",
                "email": f"supporter{i}@example.org",
                "modalities": ["video", "phone", "in_person"],
                "max_open": 50,
            }
        )
        for i in range(10)
    ]
    SupportersRepository(stack.refs["SupportersTable"], boto3.client("dynamodb")).upsert(entries)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Cold start: import + first event, against the floor.")
    parser.add_argument("checkout", nargs="?", type=Path, default=ROOT, help="whose handlers (default: this)")
    parser.add_argument("--only", nargs="+", default=(), metavar="PATH", help="paths whose names start so")
    arguments = parser.parse_args()
    main(root=arguments.checkout.resolve(), only=tuple(arguments.only))
