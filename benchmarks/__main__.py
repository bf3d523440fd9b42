"""`make bench`: every figure, side by side in one run; printed, and written to benchmarks/results.json."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    aws_calls,
    bench_matching,
    cold_import,
    cost,
    first_call,
    layer_bytecode,
    load,
    sweep_cost,
    urgent_page,
)

RESULTS = Path(__file__).resolve().parent / "results.json"


def main() -> int:
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    sections = [
        ("(a) cold import of every handler", "cold_import", cold_import.main),
        ("(a) import + first event of every handler", "first_call", first_call.main),
        (
            "(a) the layer as Lambda loads it: with and without bytecode",
            "layer_bytecode",
            layer_bytecode.main,
        ),
        ("(b) AWS calls per path", "aws_calls", aws_calls.main),
        ("(c) SLA sweep cost against table size", "sweep_cost", sweep_cost.main),
        ("(d) matching CPU over 1,000 supporters", "matching", bench_matching.main),
        ("(e) load on the local stack", "load", load.main),
        ("(f) urgent submit to SMS page on the local stack", "urgent_page", urgent_page.main),
    ]
    for title, key, run in sections:
        print(f"\n== {title} ==", flush=True)
        results[key] = run()
    print("\n== (g) what a program pays a month ==", flush=True)
    results["cost"] = cost.main(results["aws_calls"], results["first_call"])
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(
        f"\nWritten to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
