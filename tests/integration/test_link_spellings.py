"""A genuine link spelt any other way is a plain 404, and acts on nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import (
    REQUEST,
    item,
    link,
    submit,
    token_in,
)
from tests.unit.test_links import respellings


@pytest.mark.parametrize("html", [True, False], ids=["form", "json"])
def test_a_respelt_case_link_is_404_and_acknowledges_nothing(
    stack: Any,
    pipeline: Pipeline,
    html: bool,
) -> None:
    reference = submit(REQUEST)
    pipeline.run()
    [assigned] = [e for e in pipeline.emails() if e["to"] in ("s1@example.org", "s2@example.org")]
    token = token_in(assigned)
    for spelling, respelt in respellings(token).items():
        for method, body in (("GET", None), ("POST", {"action": "acknowledge"})):
            result = link(method, respelt, body, html=html)
            assert result["statusCode"] == 404, (spelling, method)
            assert reference not in result["body"]
    assert item(stack, reference)["status"] == "matched"
    # The link as it was sent still works.
    assert link("POST", token, {"action": "acknowledge"}, html=html)["statusCode"] == 200
