"""(e) Load on the local stack: 300 submissions from 16 concurrent clients; submit latency, and how
long until every request is matched."""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SUBMISSIONS = 300
CLIENTS = 16


def _call(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def main(submissions: int = SUBMISSIONS, clients: int = CLIENTS) -> dict[str, Any]:
    from local_runner.launch import launched

    with launched({"POWERTOOLS_LOG_LEVEL": "WARNING"}) as url:
        # Enough supporters for everyone: this measures the path, not the roster.
        roster = [
            {
                "supporter_id": f"load-{i}",
                "name": f"Dr. Load {i}",
                "email": f"load{i}@example.org",
                "modalities": ["video"],
                "max_open": 50,
            }
            for i in range(10)
        ]
        _call("PUT", f"{url}/_local/supporters", roster)
        submitted: dict[str, float] = {}
        latencies: list[float] = []
        lock = threading.Lock()

        def submit(i: int) -> None:
            body = {
                "kind": "self",
                "requester": {"name": f"Dr. Load Test {i}", "email": f"load.test{i}@example.org"},
                "career_stage": "practicing_physician",
                "practices_in_vancouver": True,
                "reasons": ["burnout"],
                "modalities": ["video"],
            }
            started = time.perf_counter()
            receipt = _call("POST", f"{url}/requests", body)
            done = time.perf_counter()
            with lock:
                latencies.append((done - started) * 1000)
                submitted[receipt["reference"]] = done

        began = time.perf_counter()
        matched_at: dict[str, float] = {}
        stop = threading.Event()

        def watch() -> None:
            # Reads only the references still waiting: reading whole items 5 times a second would load
            # the stack under test more than the test does.
            while not stop.is_set():
                with lock:
                    stored = list(submitted)  # each stored before it was answered, so before this read
                waiting = set(_call("GET", f"{url}/_local/pending-match"))
                now = time.perf_counter()  # seen after the read: never earlier than the match itself
                for reference in stored:
                    if reference not in waiting and reference not in matched_at:
                        matched_at[reference] = now
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(submit, range(submissions)))
        deadline = time.perf_counter() + 60
        while len([r for r in submitted if r in matched_at]) < submissions and time.perf_counter() < deadline:
            time.sleep(0.1)
        stop.set()
        watcher.join()
        items = {i["request_id"]: i for i in _call("GET", f"{url}/_local/requests")}
    to_match = sorted((matched_at[r] - t) * 1000 for r, t in submitted.items() if r in matched_at)
    result = {
        "submissions": submissions,
        "clients": clients,
        "stored": len(items),
        "matched": sum(1 for i in items.values() if i["status"] == "matched"),
        "submit_p50_ms": round(statistics.median(latencies), 1),
        "submit_p95_ms": round(statistics.quantiles(latencies, n=20)[18], 1),
        "submit_to_matched_p50_ms": round(statistics.median(to_match), 1) if to_match else None,
        "submit_to_matched_p95_ms": round(statistics.quantiles(to_match, n=20)[18], 1)
        if len(to_match) > 1
        else None,
        "all_matched_after_s": round(max(matched_at.values(), default=began) - began, 2),
    }
    print(
        f"{submissions} submissions from {clients} clients: "
        f"stored {result['stored']}, matched {result['matched']}; "
        f"submit p50 {result['submit_p50_ms']} ms, p95 {result['submit_p95_ms']} ms; submit→matched "
        f"p50 {result['submit_to_matched_p50_ms']} ms, p95 {result['submit_to_matched_p95_ms']} ms; "
        f"all matched after {result['all_matched_after_s']} s"
    )
    return result


if __name__ == "__main__":
    main()
