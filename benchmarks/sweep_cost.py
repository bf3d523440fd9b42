"""(c) What one SLA sweep reads against the size of the table: 10 items due among N."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.harness import CallCounter, moto_stack, quietly

DUE = 10


def fill(table: str, size: int, now: datetime) -> None:
    from peer_support.core import clock
    from peer_support.core.dynamodb import dynamodb_client, to_item

    client = dynamodb_client()
    batch: list[dict[str, Any]] = []
    for i in range(size):
        record: dict[str, Any] = {
            "request_id": f"PS-{i:06d}",
            "status": "matched",
            "version": 2,
            "created_at": "2026-11-20T00:00:00Z",
            "supporter_id": "s1",
            "contact_due_at": "2026-12-30T00:00:00Z",
            "history": [],
        }
        if i < DUE or i % 3 == 0:  # a third of the rest have a deadline running, not yet due
            when = now - timedelta(minutes=5) if i < DUE else now + timedelta(days=2)
            record.update(sla_open="open", sla_due=clock.iso(when), sla_step="contact_reminder")
        batch.append({"PutRequest": {"Item": to_item(record)}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={table: batch})


def main(sizes: tuple[int, ...] = (1_000, 10_000, 50_000)) -> list[dict[str, int]]:
    from local_runner.lambdas import invoke
    from peer_support.core import clock

    rows = []
    now = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    previous = clock.use(clock.FrozenClock(now))
    try:
        for size in sizes:
            with moto_stack() as stack:
                counter = CallCounter()
                fill(stack.refs["RequestsTable"], size, now)
                items_before = counter.items_read
                with counter.measure() as calls, quietly():
                    summary = invoke("SlaCheckFunction", {})
                row = {
                    "table_items": size,
                    "due": DUE,
                    "items_read": summary["read"],
                    "items_returned_by_dynamodb": counter.items_read - items_before,
                    "scans": calls["dynamodb:Scan"],
                    "steps": sum(summary["steps"].values()),
                }
                rows.append(row)
                print(
                    f"N={size:>6}: due {DUE}, items read {row['items_read']}, "
                    f"items DynamoDB returned {row['items_returned_by_dynamodb']}, scans {row['scans']}"
                )
    finally:
        clock.use(previous)
    return rows


if __name__ == "__main__":
    main()
