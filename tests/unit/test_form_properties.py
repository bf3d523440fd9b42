"""Properties of the form decoder: a browser's post of any valid answers means what the same answers
mean as JSON, and any body at all is decoded or refused as not our form, never anything else."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from peer_support.core.errors import BadRequest
from peer_support.entrypoints.api.forms import decode_form
from peer_support.group.models import GroupCancelForm, GroupRegistrationForm
from peer_support.requests.actions import ActionForm
from peer_support.requests.models import RequestForm
from tests import strategies as s

EXAMPLES = 100

FORMS: dict[type[BaseModel], Any] = {
    RequestForm: s.request_forms(),
    GroupRegistrationForm: s.group_registrations,
    ActionForm: s.action_forms,
    GroupCancelForm: s.group_cancel_forms,
}


def ids(model: type[BaseModel]) -> str:
    return model.__name__


def as_form(answers: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """The fields a browser posts for `answers`: dotted names, a list as repeated fields."""
    for key, value in answers.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from as_form(value, f"{name}.")
        elif isinstance(value, list):
            yield from ((name, str(item)) for item in value)
        elif isinstance(value, bool):
            yield name, "true" if value else "false"
        elif value is not None:
            yield name, str(value)


@pytest.mark.parametrize("model", list(FORMS), ids=ids)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_a_form_post_means_what_the_same_answers_mean_as_json(
    model: type[BaseModel], data: st.DataObject
) -> None:
    answers = data.draw(FORMS[model], label="answers")
    pairs = list(as_form(answers))
    # Fields may come in any order; a list's own items keep theirs (the order is the answer).
    shuffled = data.draw(st.permutations(pairs), label="order")
    items = {name: iter([v for n, v in pairs if n == name]) for name, _ in pairs}
    pairs = [(name, next(items[name])) for name, _ in shuffled]
    decoded = decode_form(urlencode(pairs), model)
    assert model.model_validate(decoded) == model.model_validate(answers)


names = st.text(st.sampled_from("abc._=&%+ \r\n\x00é"), max_size=12)


@pytest.mark.parametrize("model", list(FORMS), ids=ids)
@settings(max_examples=EXAMPLES)
@given(pairs=st.lists(st.tuples(names, st.text(max_size=30)), max_size=15))
def test_any_fields_are_decoded_or_refused_as_not_our_form(
    model: type[BaseModel], pairs: list[tuple[str, str]]
) -> None:
    try:
        decoded = decode_form(urlencode(pairs), model)
    except BadRequest:
        return
    assert isinstance(decoded, dict)
    with contextlib.suppress(ValidationError):
        model.model_validate(decoded)


@pytest.mark.parametrize("model", list(FORMS), ids=ids)
@settings(max_examples=EXAMPLES)
@given(
    body=st.text(max_size=200)
    | st.binary(max_size=100).map(lambda raw: "note=" + quote(raw, safe=""))
    | st.binary(max_size=100).map(lambda raw: quote(raw, safe="") + "=1")
)
def test_any_body_is_decoded_or_refused_as_not_our_form(model: type[BaseModel], body: str) -> None:
    """Including percent-encoded bytes that are not UTF-8, in a name or in a value."""
    try:
        decoded = decode_form(body, model)
    except BadRequest:
        return
    assert isinstance(decoded, dict)
    assert all(isinstance(key, str) and key for key in decoded)


@settings(max_examples=EXAMPLES)
@given(depth=st.integers(4, 30), name=st.sampled_from(["requester", "a", "preferences"]))
def test_names_nested_deeper_than_the_form_are_refused(depth: int, name: str) -> None:
    with pytest.raises(BadRequest):
        decode_form(urlencode([(".".join([name] * depth), "x")]), RequestForm)
