"""A stack with two supporters on the roster, and every stream consumer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.supporters.helpers import CarePipeline


@pytest.fixture
def care(stack: Any) -> CarePipeline:
    """s1 and s2 (video, up to two cases each), and the consumers of both tables' streams."""
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(
                supporter_id=f"s{i}",
                name=f"Dr. Supporter {i}",
                email=f"s{i}@example.org",
                phone=f"604 555 010{i}",
                modalities=["video"],
                max_open=2,
            )
            for i in (1, 2)
        ]
    )
    return CarePipeline(stack)
