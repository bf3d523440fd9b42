"""Properties of every model the system takes in, stores or answers with.

Valid answers survive the model, JSON and the repository's item encoding unchanged; a wrong value in
any one place is refused with a `ValidationError` that names where, and nothing else is ever raised,
whatever the bytes.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from peer_support.core.dynamodb import from_item, to_item
from peer_support.entrypoints.api.openapi import ErrorBody
from peer_support.entrypoints.api.problems import field_path
from peer_support.group.models import GroupCancelForm, GroupCancelled, GroupReceipt, GroupRegistrationForm
from peer_support.requests.actions import ActionForm
from peer_support.requests.models import (
    ActionTaken,
    Contact,
    Preferences,
    RequestForm,
    Status,
    SubmissionReceipt,
)
from peer_support.supporters.models import RosterEntry, SupporterRecord
from tests import strategies as s

EXAMPLES = 50  # per model and property: a few seconds each

references = st.from_regex(r"(PS|GR)-[0-9A-Z]{4}-[0-9A-Z]{4}", fullmatch=True)
preferences = st.fixed_dictionaries(
    {}, optional={"shared_identity": s.unique_lists(s.lines, max_size=5), "language": s.lines}
)

# What the system takes in (and, for a request, a registration and a supporter, stores).
INPUTS: dict[type[BaseModel], Any] = {
    RequestForm: s.request_forms(),
    Contact: s.contacts(),
    Preferences: preferences,
    RosterEntry: s.roster_entries(),
    SupporterRecord: s.supporter_records(),
    GroupRegistrationForm: s.group_registrations,
    GroupCancelForm: s.group_cancel_forms,
    ActionForm: s.action_forms,
}
# What it answers with.
OUTPUTS: dict[type[BaseModel], Any] = {
    SubmissionReceipt: st.fixed_dictionaries(
        {"reference": references, "status": st.sampled_from(["pending_match", "pending_consent"])}
    ),
    ActionTaken: st.fixed_dictionaries(
        {"reference": references, "status": st.sampled_from([v.value for v in Status])}
    ),
    ErrorBody: st.fixed_dictionaries(
        {
            "error": st.text(max_size=20),
            "detail": st.text(max_size=80),
            "fields": st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=4),
        }
    ),
    GroupReceipt: st.fixed_dictionaries(
        {
            "reference": references,
            "status": st.sampled_from(["registered", "waitlisted"]),
            "session_start": st.datetimes().map(lambda d: d.isoformat()),
        }
    ),
    GroupCancelled: st.fixed_dictionaries({"reference": references, "status": st.just("cancelled")}),
}
MODELS = {**INPUTS, **OUTPUTS}


def ids(model: type[BaseModel]) -> str:
    return model.__name__


@pytest.mark.parametrize("model", list(MODELS), ids=ids)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_valid_values_round_trip_through_json_and_the_stored_item(
    model: type[BaseModel], data: st.DataObject
) -> None:
    answers = data.draw(MODELS[model], label="answers")
    kept = model.model_validate(answers)
    assert model.model_validate(kept.model_dump(mode="json")) == kept
    assert model.model_validate_json(kept.model_dump_json()) == kept
    # As the repository writes and reads it (absent answers are not stored at all).
    item = to_item(kept.model_dump(mode="json", exclude_none=True))
    assert model.model_validate(from_item(item)) == kept


def _paths(value: Any, prefix: str = "") -> list[str]:
    """Every answer's dotted path in `value` (objects nest; a list is one answer)."""
    paths = []
    for key, inner in value.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(inner, dict):
            paths.extend(_paths(inner, f"{path}."))
    return paths


def _replace(value: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    copy = dict(value)
    copy[head] = _replace(copy[head], rest, new) if rest else new
    return copy


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(f"{b}.") or b.startswith(f"{a}.")


@pytest.mark.parametrize("model", list(INPUTS), ids=ids)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_a_wrong_value_is_refused_naming_where_and_nothing_else_is_raised(
    model: type[BaseModel], data: st.DataObject
) -> None:
    answers = data.draw(INPUTS[model], label="answers")
    # Any answer given, at any depth, or any answer left out.
    path = data.draw(st.sampled_from(sorted({*_paths(answers), *model.model_fields})), label="path")
    wrong = data.draw(s.json_values | s.hostile_text, label="wrong")
    try:
        model.model_validate(_replace(answers, path, wrong))
    except ValidationError as refused:
        errors = refused.errors()
        named = {field_path(e["loc"], e.get("ctx")) for e in errors}
        assert named, errors
        # The answer given, or the answer a cross-field rule points at (a referral's colleague, say).
        assert any(_related(name, path) for name in named) or any(
            "field" in (e.get("ctx") or {}) for e in errors
        ), (path, named)
        assert all(name.split(".")[0] in model.model_fields for name in named), named


@pytest.mark.parametrize("model", [m for m in INPUTS if m is not SupporterRecord], ids=ids)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_an_answer_that_is_no_field_is_refused(model: type[BaseModel], data: st.DataObject) -> None:
    answers = data.draw(INPUTS[model], label="answers")
    name = data.draw(st.text(max_size=20).filter(lambda n: n not in model.model_fields), label="name")
    with pytest.raises(ValidationError) as refused:
        model.model_validate({**answers, name: data.draw(s.json_values, label="value")})
    assert "extra_forbidden" in {e["type"] for e in refused.value.errors()}


@pytest.mark.parametrize("model", list(INPUTS), ids=ids)
@settings(max_examples=EXAMPLES)
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_are_taken_or_refused_with_a_validation_error(model: type[BaseModel], raw: bytes) -> None:
    with contextlib.suppress(ValidationError):
        model.model_validate_json(raw)


@pytest.mark.parametrize("model", list(INPUTS), ids=ids)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_any_json_document_with_the_right_keys_is_taken_or_refused(
    model: type[BaseModel], data: st.DataObject
) -> None:
    """Invalid Unicode (a lone surrogate escape), deep nesting and wrong types, as JSON text."""
    answers = data.draw(INPUTS[model], label="answers")
    key = data.draw(st.sampled_from(sorted({*answers, *model.model_fields})), label="key")
    raw = data.draw(
        st.sampled_from(['"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', "[" * 40 + "]" * 40, "1e999", "-0"])
        | s.json_values.map(lambda v: json.dumps(v)),
        label="raw",
    )
    others = {k: v for k, v in answers.items() if k != key}
    document = json.dumps(others)[:-1] + ("," if others else "") + f'"{key}": {raw}}}'
    with contextlib.suppress(ValidationError):
        model.model_validate_json(document)
