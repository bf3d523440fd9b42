from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from peer_support.requests.models import Contact, RequestForm

VALID: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
}


def errors_of(data: dict[str, Any]) -> dict[tuple[Any, ...], str]:
    with pytest.raises(ValidationError) as caught:
        RequestForm.model_validate(data)
    return {tuple(e["loc"]): e["type"] for e in caught.value.errors()}


def test_minimal_self_request_is_valid_with_kind_defaults() -> None:
    form = RequestForm.model_validate(VALID)
    assert form.share_reasons is False
    assert form.urgent is False
    assert form.requester.preferred_contact == "email"
    assert form.avoid == []


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "A\r\nBcc: x@example.org",
        "A\x00",
        "x" * 101,
        "A\u202eB",
        # Every other character that ends a line for `str.splitlines`, and so for an email header.
        *(f"A{end}Bcc: x@example.org" for end in "\v\f\x1c\x1d\x1e\x85\u2028\u2029"),
    ],
)
def test_names_are_one_printable_line(name: str) -> None:
    assert ("requester", "name") in errors_of(
        {**VALID, "requester": {"name": name, "email": "a@example.org"}}
    )


def test_names_keep_accents_and_apostrophes() -> None:
    contact = Contact(name="  Dr. Zoë O'Brien-Nguyễn ", email="zoe@example.org")
    assert contact.name == "Dr. Zoë O'Brien-Nguyễn"


@pytest.mark.parametrize(
    "email", ["", "ann", "ann@", "@example.org", "a b@example.org", "ann@example.org\r\nBcc:x"]
)
def test_emails_must_be_addresses(email: str) -> None:
    assert ("requester", "email") in errors_of({**VALID, "requester": {"name": "A", "email": email}})


@pytest.mark.parametrize("phone", ["12", "phone", "604\n555-0101", "+1 (604) 555-0101 ext"])
def test_phone_numbers(phone: str) -> None:
    assert ("requester", "phone") in errors_of(
        {**VALID, "requester": {"name": "A", "email": "a@example.org", "phone": phone}}
    )


def test_phone_preferred_needs_a_phone() -> None:
    errors = errors_of(
        {**VALID, "requester": {"name": "A", "email": "a@example.org", "preferred_contact": "phone"}}
    )
    assert errors == {("requester",): "phone_required"}
    ok = Contact(name="A", email="a@example.org", phone="+1 (604) 555-0101", preferred_contact="phone")
    assert ok.phone == "+16045550101"  # kept in E.164, as a text message is sent to it


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("604 555 0101", "+16045550101"),
        ("1-778-555-0143", "+17785550143"),
        ("250.555.0147", "+12505550147"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),  # not North American: kept as typed, never texted
        ("911 555 0101", "911 555 0101"),  # no such area code
    ],
)
def test_north_american_numbers_are_kept_in_e164(typed: str, kept: str) -> None:
    assert Contact(name="A", email="a@example.org", phone=typed).phone == kept


def test_a_person_who_prefers_phone_gives_a_number_a_text_can_reach() -> None:
    # Given a number SMS cannot reach, and phone as the way to reach the person
    contact = {
        "name": "A",
        "email": "a@example.org",
        "phone": "+44 20 7946 0958",
        "preferred_contact": "phone",
    }
    # Then the number is the answer to change; by email, the same number is fine
    assert errors_of({**VALID, "requester": contact}) == {("requester",): "phone_not_textable"}
    assert Contact.model_validate({**contact, "preferred_contact": "email"}).phone == "+44 20 7946 0958"


def test_colleague_referral_needs_colleague_and_consent() -> None:
    assert errors_of({**VALID, "kind": "colleague"}) == {(): "colleague_required"}
    colleague = {"name": "Sam", "email": "sam@example.org"}
    assert errors_of({**VALID, "kind": "colleague", "colleague": colleague}) == {(): "consent_required"}
    form = RequestForm.model_validate(
        {**VALID, "kind": "colleague", "colleague": colleague, "consent_confirmed": True}
    )
    assert form.colleague is not None


def test_colleague_details_only_on_referrals() -> None:
    assert errors_of({**VALID, "colleague": {"name": "Sam", "email": "sam@example.org"}}) == {
        (): "colleague_only_for_referrals"
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reasons", []),
        ("reasons", ["gossip"]),
        ("modalities", []),
        ("modalities", ["fax"]),
        ("kind", "other"),
        ("career_stage", "retired"),
        ("note", "x" * 501),
        ("avoid", [f"Dr {i}" for i in range(11)]),
        ("urgent", "maybe"),
    ],
)
def test_field_rules(field: str, value: Any) -> None:
    errors = errors_of({**VALID, field: value})
    assert any(loc[0] == field for loc in errors)


def test_lists_are_deduplicated_in_order() -> None:
    form = RequestForm.model_validate({**VALID, "reasons": ["burnout", "complaint", "burnout"]})
    assert [r.value for r in form.reasons] == ["burnout", "complaint"]


def test_unknown_fields_are_refused() -> None:
    assert ("password",) in errors_of({**VALID, "password": "x"})


def test_note_may_have_lines_but_not_control_characters() -> None:
    assert RequestForm.model_validate({**VALID, "note": "Line one\nLine two"}).note == "Line one\nLine two"
    assert ("note",) in errors_of({**VALID, "note": "bell\x07"})


def test_a_note_from_a_browser_keeps_its_lines() -> None:
    """A form's textarea sends its line breaks as CR LF: they are line breaks, not control characters."""
    note = "Line one\r\nLine two\rLine three\r\n\r\nAfter a blank line"
    stored = RequestForm.model_validate({**VALID, "note": note}).note
    assert stored == "Line one\nLine two\nLine three\n\nAfter a blank line"
    # Counted as typed: 499 characters, which CR LF would make 699
    typed = RequestForm.model_validate({**VALID, "note": "x\r\n" * 200 + "y" * 99}).note
    assert typed is not None
    assert len(typed) == 499


REACH_IN: dict[str, Any] = {
    "kind": "reach_in",
    "requester": {"name": "Dr. Rita Head", "email": "rita.head@example.org"},
    "colleague": {"name": "Dr. Sam Roy", "email": "sam.roy@example.org"},
    "event": "adverse_event",
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
}


def test_a_reach_in_needs_no_consent_and_leaves_the_physician_every_way_to_talk() -> None:
    form = RequestForm.model_validate(REACH_IN)
    assert (form.consent_confirmed, form.share_referrer_name, form.share_reasons) == (False, False, False)
    assert form.modalities == ["in_person", "phone", "video"]
    assert form.reasons == ["adverse_event"]
    legal = RequestForm.model_validate({**REACH_IN, "event": "legal", "share_reasons": True})
    assert (legal.reasons, legal.share_reasons) == (["other"], False)  # never shown to their supporter


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"colleague": None}, (("colleague",), "colleague_required")),
        ({"event": None}, (("event",), "event_required")),
        ({"event": "gossip"}, (("event",), "enum")),
        (
            {"colleague": {"name": "Dr. R. Head", "email": "Rita.Head@example.org"}},
            (("colleague.email",), "referrer_is_colleague"),
        ),
    ],
)
def test_a_reach_in_names_the_answer_at_fault(change: dict[str, Any], error: tuple[Any, str]) -> None:
    from peer_support.entrypoints.api.problems import field_path

    data = {k: v for k, v in {**REACH_IN, **change}.items() if v is not None}
    with pytest.raises(ValidationError) as caught:
        RequestForm.model_validate(data)
    found = {(field_path(e["loc"], e.get("ctx")),): e["type"] for e in caught.value.errors()}
    assert found == {(error[0][0],): error[1]}


def test_only_a_reach_in_says_what_it_follows() -> None:
    assert errors_of({**VALID, "event": "complaint"}) == {(): "event_only_for_reach_in"}
    assert errors_of({**VALID, "share_referrer_name": True}) == {(): "event_only_for_reach_in"}
