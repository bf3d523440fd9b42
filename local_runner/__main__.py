"""`python -m local_runner`: the whole system on this machine, until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings
from datetime import datetime
from pathlib import Path

from local_runner.schedules import Scheduler, clock_route, read_clock
from local_runner.server import LocalServer
from local_runner.stack import REGION, LocalStack, free_port
from local_runner.streams import start_stream_pollers
from local_runner.template import ParameterError, parameter_overrides

DEMO_ROSTER = Path(__file__).resolve().parent.parent / "examples" / "roster.csv"


def load_demo_roster(local: LocalStack) -> None:
    """Demo Peer Supporters, so a request made on the form finds someone (fictional people)."""
    import boto3

    from peer_support.supporters.repository import SupportersRepository
    from peer_support.supporters.roster import parse_roster

    assert local.stack is not None
    entries = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    SupportersRepository(local.stack.refs["SupportersTable"], boto3.client("dynamodb")).upsert(entries)
    print(f"Loaded {len(entries)} demo Peer Supporters from {DEMO_ROSTER.name}.", flush=True)


def starting_time(text: str) -> datetime | str | None:
    """The time `NOW` (or `--now`) starts the clock at; None for the real time; or what is wrong with it."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        return f"NOW={text}: give an ISO-8601 time with its offset, such as 2026-12-24T18:00:00Z."
    return when


def main() -> int:
    parser = argparse.ArgumentParser(description="Run Physician Peer Support locally.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--now",
        default=os.environ.get("NOW", ""),
        help="start the one clock at this ISO-8601 time (with its offset) rather than the real time",
    )
    parser.add_argument(
        "--parameters",
        default=os.environ.get("PARAMETERS", ""),
        help='template parameter overrides, as sam deploy takes them: "Name=Value Name=Value"',
    )
    args = parser.parse_args()
    start_at = starting_time(args.now)
    if isinstance(start_at, str):
        print(start_at, file=sys.stderr, flush=True)
        return 2
    try:
        overrides = parameter_overrides(args.parameters)
    except ParameterError as error:
        print(f"PARAMETERS: {error}", file=sys.stderr, flush=True)
        return 2
    # Powertools warns on every invocation that adds no metric; in a terminal that is only noise.
    warnings.filterwarnings("ignore", "No application metrics to publish")

    port = args.port or free_port(args.host)
    # The stack runs in the region the template is told it is deployed in, as its rule requires.
    local = LocalStack(region=overrides.get("Region", REGION))
    if start_at is not None:
        local.clock.set(start_at)
    # Links in emails point back at this server, unless an override says otherwise.
    local.start(parameters={"PublicBaseUrl": f"http://{args.host}:{port}", **overrides})
    if overrides:
        print(f"Template parameters given: {', '.join(overrides)}", flush=True)
    load_demo_roster(local)
    start_stream_pollers(local)
    scheduler = Scheduler(local)
    local.run_in_background("schedule", scheduler)
    server = LocalServer((args.host, port), local)
    server.add_local_route("POST", "/_local/clock", clock_route(scheduler))
    server.add_local_route("GET", "/_local/clock", read_clock)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a polite kill
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    url = f"http://{args.host}:{server.server_address[1]}"
    print(f"Physician Peer Support is running at {url}", flush=True)
    for label, value in (
        ("The request form", f"{url}/"),
        ("The BIPOC group", f"{url}/group"),
        ("Every email sent", f"{url}/_local/inbox"),
        ("Its AWS, for the CLI", f"eval \"$(curl -s '{url}/_local/aws?format=sh')\""),
    ):
        print(f"  {label + ':':<22}{value}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while not stop.wait(0.5):  # wake up now and then so the signal handler gets to run
            pass
    print("Stopping…", flush=True)
    server.shutdown()
    local.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
