"""(f) From an urgent `POST /requests` to its supporter's SMS page on the local stack (`make run`, as
`local_runner.launch` starts it): the time until the page is listed on `GET /_local/sms`.

`.venv/bin/python -m benchmarks.urgent_page`
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from typing import Any

RUNS = 10


def _call(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


def main(runs: int = RUNS) -> dict[str, Any]:
    from local_runner.launch import launched
    from peer_support.supporters.models import WEEKDAYS

    with launched({"POWERTOOLS_LOG_LEVEL": "WARNING", "PARAMETERS": "SurgeRequestsPerHour=0"}) as url:
        # Supporters on call every day with a phone and room for every run: this measures the path.
        roster = [
            {
                "supporter_id": f"page-{i}",
                "name": f"Dr. Page {i}",
                "email": f"page{i}@example.org",
                "phone": f"604 555 01{i:02d}",
                "modalities": ["phone"],
                "max_open": 50,
                "on_call": list(WEEKDAYS),
            }
            for i in range(3)
        ]
        _call("PUT", f"{url}/_local/supporters", roster)
        seconds: list[float] = []
        for i in range(runs):
            body = {
                "kind": "self",
                "requester": {"name": f"Dr. Timing {i}", "email": f"timing{i}@example.org"},
                "career_stage": "practicing_physician",
                "practices_in_vancouver": True,
                "reasons": ["adverse_event"],
                "modalities": ["phone"],
                "urgent": True,
            }
            start = time.monotonic()
            reference = _call("POST", f"{url}/requests", body)["reference"]
            while not any(reference in sms["text"] for sms in _call("GET", f"{url}/_local/sms")):
                if time.monotonic() - start > 30:
                    raise RuntimeError(f"no SMS page for {reference} within 30 s")
                time.sleep(0.02)
            seconds.append(time.monotonic() - start)
    result = {
        "runs": runs,
        "median_s": round(statistics.median(seconds), 2),
        "max_s": round(max(seconds), 2),
        "min_s": round(min(seconds), 2),
    }
    print(
        f"urgent submit to SMS page: median {result['median_s']} s, min {result['min_s']} s, "
        f"max {result['max_s']} s over {runs}"
    )
    return result


if __name__ == "__main__":
    main()
