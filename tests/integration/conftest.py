"""The Requests table's stream consumers, fed the records their event source mappings would hand them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from local_runner.streams import StreamReader
from local_runner.template import Stack


class Pipeline:
    """Both tables' stream consumers run to quiescence, as their event source mappings would run them."""

    def __init__(self, stack: Stack) -> None:
        consumers = ("MatchFunction", "NotifyFunction", "SupporterNotifyFunction")
        self.readers = {name: StreamReader.of(stack, name) for name in consumers}
        self.region = stack.region

    def run(self, rounds: int = 20) -> None:
        from local_runner.lambdas import invoke

        for _ in range(rounds):
            busy = False
            for function, reader in self.readers.items():
                records = reader.records()
                if records:
                    busy = True
                    result = invoke(function, {"Records": records})
                    assert result == {"batchItemFailures": []}, (function, result)
            if not busy:
                return
        raise AssertionError("the stream consumers did not settle")

    def emails(self) -> list[dict[str, Any]]:
        from local_runner.stack import sent_emails

        return sent_emails(self.region)


def put_supporters(stack: Any, numbers: Iterable[int], **entry: Any) -> None:
    """Supporters `s<n>` on the roster ("Dr. Supporter <n>", s<n>@example.org), each with `entry`."""
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(supporter_id=f"s{i}", name=f"Dr. Supporter {i}", email=f"s{i}@example.org", **entry)
            for i in numbers
        ]
    )


@pytest.fixture
def pipeline(stack: Any) -> Pipeline:
    """The stack's stream consumers, with two supporters on the roster (s1, s2: video, two cases each)."""
    put_supporters(stack, (1, 2), modalities=["video"], max_open=2)
    return Pipeline(stack)
