"""The request form sent back with answers to change: every message names its answer and links to a
field the page has, whatever the form's rules point at."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel

from peer_support.core import rendering
from peer_support.entrypoints.api.forms import models_in
from peer_support.entrypoints.api.problems import point_at_answers
from peer_support.group.models import GroupRegistrationForm
from peer_support.requests.models import RequestForm

DEFAULT = rendering.messages()["fields"]["_default"]


def answers(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every answer of `model` a form asks for, and every group of answers, as dotted paths."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        paths.append(f"{prefix}{name}")
        for nested in models_in(field.annotation):
            paths += answers(nested, f"{prefix}{name}.")
    return paths


def page(template: str, errors: dict[str, str], values: dict[str, Any]) -> str:
    context = {"base": "", "values": values, "errors": errors, "retention_days": 30}
    extra = (
        {"idempotency_key": "k"}
        if template == "pages/form.html"
        else {"session": {"date": "Monday, March 9", "time": "7:15 pm"}, "full": False}
    )
    return rendering.render(template, **context, **extra)


def summary_links(html: str) -> dict[str, str]:
    [summary] = re.findall(r'<div class="error-summary".*?</div>', html, re.S)
    return dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary))


# The preferences have no answer of their own, and none of theirs is needed: nothing can be missing there.
ASKED = [path for path in answers(RequestForm) if path != "preferences"]

# (rule, where the model points it): the request form's cross-field rules.
RULES = [
    ("colleague_required", "colleague"),
    ("consent_required", "consent_confirmed"),
    ("colleague_only_for_referrals", "colleague"),
    ("phone_required", "requester.phone"),
    ("phone_required", "colleague.phone"),
]


@pytest.mark.parametrize(
    ("template", "model", "path", "code"),
    [
        *(("pages/form.html", RequestForm, path, code) for path in ASKED for code in ("missing", "")),
        *(("pages/form.html", RequestForm, path, code) for code, path in RULES),
        *(
            ("pages/group.html", GroupRegistrationForm, path, "missing")
            for path in answers(GroupRegistrationForm)
        ),
    ],
)
def test_each_message_names_its_answer_and_links_to_a_field_marked_and_described(
    template: str, model: type[BaseModel], path: str, code: str
) -> None:
    # Given what a form post gets back about one answer, or one group of answers
    errors = point_at_answers({path: rendering.field_message(path, code)}, model, {})

    # When the form is shown with it
    html = page(template, errors, {"kind": "colleague"})

    # Then each message in the summary says what to give, not just that something is wrong
    links = summary_links(html)
    assert links, html
    for field_id, message in links.items():
        assert message != DEFAULT, (path, field_id)
        # And links to an element of the page that is marked invalid and described by the same message
        [element] = re.findall(rf'<[^>]* id="{field_id}"[^>]*>', html)
        assert 'aria-invalid="true"' in element, element
        described = re.search(r'aria-describedby="([^"]+)"', element)
        assert described is not None, element
        assert f'id="{field_id}-error"' in html
        assert f"{field_id}-error" in described.group(1).split()
        assert re.search(
            rf'id="{field_id}-error"><span class="visually-hidden">[^<]*</span>{re.escape(message)}</p>', html
        )


def test_no_contact_details_at_all_is_one_message_for_each_answer_to_give() -> None:
    errors = point_at_answers(
        {"requester": "x", "colleague": "y"}, RequestForm, {"colleague": {"name": "Dr B"}}
    )
    assert errors == {
        "requester.name": "Please enter your name.",
        "requester.email": "Please enter an email address we can reach you at.",
        "colleague.email": "Please enter an email address we can reach your colleague at.",
    }


def test_a_colleague_s_phone_is_asked_for_as_theirs() -> None:
    assert "your colleague's phone" in rendering.field_message("colleague.phone", "phone_required")
    assert rendering.field_message("requester.phone", "phone_required") == (
        "Please add a phone number, or choose email as the way to reach you."
    )
