from __future__ import annotations

import pytest

from peer_support.core.errors import BadRequest
from peer_support.entrypoints.api.forms import decode_form, list_fields
from peer_support.requests.models import RequestForm


def test_list_fields_come_from_the_model() -> None:
    assert list_fields(RequestForm) == {"reasons", "modalities", "avoid", "preferences.shared_identity"}


def test_dotted_names_nest_and_lists_repeat() -> None:
    body = "kind=self&requester.name=Ann+Lee&requester.email=ann%40example.org&reasons=burnout&reasons=other"
    assert decode_form(body, RequestForm) == {
        "kind": "self",
        "requester": {"name": "Ann Lee", "email": "ann@example.org"},
        "reasons": ["burnout", "other"],
    }


def test_a_single_list_value_is_still_a_list_and_blanks_are_no_answer() -> None:
    data = decode_form("modalities=video&avoid=&avoid=Dr+Zed&note=+&site=", RequestForm)
    assert data == {"modalities": ["video"], "avoid": ["Dr Zed"]}


@pytest.mark.parametrize(
    "body",
    [
        "requester=x&requester.name=y",
        "requester.name=y&requester=x",
        "a.b.c.d=1",
        ".x=1",
        "x.=1",
        "%ff=1",
        "name=%ff%fe",
    ],
)
def test_bodies_that_are_not_our_form(body: str) -> None:
    with pytest.raises(BadRequest):
        decode_form(body, RequestForm)


def test_too_many_fields() -> None:
    with pytest.raises(BadRequest):
        decode_form("&".join(f"f{i}=1" for i in range(500)), RequestForm)


def test_nesting_counts_brackets_outside_strings_only() -> None:
    from peer_support.entrypoints.api.bodies import nesting

    assert nesting('{"a": [1, {"b": 2}]}') == 3
    assert nesting('{"a": "[[[[{{{{\\\\"}"}') == 1
    assert nesting('{"a": "\\"[[[["}') == 1
    assert nesting("[" * 40 + "]" * 40) == 40
