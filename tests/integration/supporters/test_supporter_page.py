"""A supporter's own page: reached from every email to them, their cases by reference only, their
availability saved as one write guarded by a version, and the administrators told of each change."""

from __future__ import annotations

import json
from typing import Any

from peer_support.core import rendering
from tests.integration.supporters.helpers import (
    ADMIN,
    CASE_LINK,
    PAGE_LINK,
    PERSONAL,
    REQUEST,
    CarePipeline,
    availability,
    case_link,
    page,
    page_token,
    record,
    submit,
)


def test_the_assignment_email_links_to_the_supporters_page_which_lists_the_case_without_names(
    stack: Any, care: CarePipeline
) -> None:
    # Given a request matched to s1
    reference = submit()
    care.run()
    [assigned] = care.to("s1@example.org")
    # When s1 opens the page from the link in that email
    token = PAGE_LINK.search(assigned["text"])
    assert token, assigned["text"]
    assert token.group(1) in assigned["html"]
    shown = page("GET", token.group(1))
    # Then it lists the case by reference, with its deadline, and nobody's name or contact
    assert shown["statusCode"] == 200
    assert reference in shown["body"]
    assert "Waiting for first contact" in shown["body"]
    assert "Dr. Supporter 1" not in shown["body"]
    for secret in PERSONAL:
        assert secret not in shown["body"]


def test_a_tampered_expired_or_another_kind_of_link_is_a_plain_404(stack: Any, care: CarePipeline) -> None:
    submit()
    care.run()
    [assigned] = care.to("s1@example.org")
    case_token = CASE_LINK.search(assigned["text"])
    assert case_token
    good = page_token("s1")
    tampered = good[:-2] + ("AA" if good[-2:] != "AA" else "BB")
    for token in (tampered, case_token.group(1), page_token("s1", days=-1), page_token("nobody"), "x"):
        for method, body in (("GET", None), ("POST", availability(stack, "s1", paused=True))):
            answer = page(method, token, body)
            assert answer["statusCode"] == 404, (token, method)
    # And the page link opens no case
    assert case_link("GET", good)["statusCode"] == 404
    assert record(stack, "s1").paused is False


def test_a_save_is_one_write_and_the_administrators_hear_who_changed_what(
    stack: Any, care: CarePipeline
) -> None:
    token = page_token("s1")
    # When s1 goes away for the holidays and pauses
    answers = availability(stack, "s1", away_from="2026-12-21", away_until="2027-01-04", paused=True)
    saved = page("POST", token, answers)
    care.run()
    # Then it is stored, with the version bumped once
    assert saved["statusCode"] == 200
    assert "your availability is saved" in saved["body"]
    stored = record(stack, "s1")
    assert (str(stored.away_from), str(stored.away_until), stored.paused) == (
        "2026-12-21",
        "2027-01-04",
        True,
    )
    assert stored.version == 2  # the roster import was the first
    # And the administrators get one short email: who, and what changed
    [told] = care.to(ADMIN)
    assert told["subject"] == "Dr. Supporter 1 changed their availability"
    assert "First day away: Monday, December 21, 2026 (was not set)" in told["text"]
    assert "New requests: paused (was taking requests)" in told["text"]
    assert "Reference" not in told["text"]


def test_a_save_that_changes_nothing_writes_nothing(stack: Any, care: CarePipeline) -> None:
    answer = page("POST", page_token("s1"), availability(stack, "s1"))
    care.run()
    assert answer["statusCode"] == 200
    assert "Nothing had changed" in answer["body"]
    assert record(stack, "s1").version == 1
    assert care.to(ADMIN) == []


def test_two_tabs_saving_at_once_give_one_409_and_lose_nothing(stack: Any, care: CarePipeline) -> None:
    token = page_token("s1")
    # Given two tabs opened at the same version
    first_tab = availability(stack, "s1", on_call=["sat", "sun"])
    second_tab = availability(stack, "s1", max_open=1)
    # When both are saved
    first = page("POST", token, first_tab)
    second = page("POST", token, second_tab)
    care.run()
    # Then the first is saved, the second is refused with a clear 409 showing what is stored now
    assert first["statusCode"] == 200
    assert second["statusCode"] == 409
    assert "perhaps in another tab" in second["body"]
    assert 'value="sat" checked' in second["body"]
    stored = record(stack, "s1")
    assert (stored.on_call, stored.own_max_open, stored.version) == (["sat", "sun"], None, 2)
    assert len(care.to(ADMIN)) == 1
    # And as JSON the same refusal is the contract's error shape
    stale = page("POST", token, {**second_tab, "version": 1}, html=False, form=False)
    assert stale["statusCode"] == 409
    assert json.loads(stale["body"])["error"] == "conflict"


def test_bad_answers_give_the_form_again_with_kind_messages_and_nothing_written(
    stack: Any, care: CarePipeline
) -> None:
    token = page_token("s1")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"max_open": 3}, "Please choose a number from 1 to 2"),
        ({"away_from": "2026-12-21", "away_until": "2026-12-20"}, "on or after your first day away"),
        ({"away_from": "2026-12-21"}, "Please enter your last day away as well"),
        ({"on_call": ["mon", "someday"]}, "Please choose days of the week from the list."),
        ({"max_open": "lots"}, "as a whole number from 1"),
        ({"away_until": "next week"}, "Please enter your last day away as a date"),
    ]
    for answers, message in cases:
        again = page("POST", token, availability(stack, "s1", **answers))
        assert again["statusCode"] == 422, answers
        assert message in again["body"], answers
        assert "Some answers need another look" in again["body"]
    as_json = page("POST", token, availability(stack, "s1", max_open=9), html=False, form=False)
    assert as_json["statusCode"] == 422
    fields = json.loads(as_json["body"])["fields"]
    assert fields == {"max_open": rendering.messages()["field_rules"]["above_cap"]}
    care.run()
    assert record(stack, "s1").version == 1
    assert care.to(ADMIN) == []


def test_lowering_max_open_below_the_open_count_keeps_the_cases_and_takes_no_new_ones(
    stack: Any, care: CarePipeline
) -> None:
    from peer_support.requests.repository import RequestsRepository

    requests = RequestsRepository(stack.refs["RequestsTable"])
    # Given s2 is paused and s1 holds two cases (their cap)
    page("POST", page_token("s2"), availability(stack, "s2", paused=True))
    held = [submit(), submit({**REQUEST, "requester": {"name": "Dr. Bo Chan", "email": "bo@example.org"}})]
    care.run()
    assert record(stack, "s1").open_count == 2
    # When s1 lowers their own limit to 1, below what they hold: allowed
    assert page("POST", page_token("s1"), availability(stack, "s1", max_open=1))["statusCode"] == 200
    # Then they keep both cases, and the next request finds nobody
    third = submit({**REQUEST, "requester": {"name": "Dr. Cy Dee", "email": "cy@example.org"}})
    care.run()
    assert [requests.get(reference)["supporter_id"] for reference in held] == ["s1", "s1"]
    waiting = requests.get(third)
    assert waiting["status"] == "needs_admin"
    assert waiting["left_out"] == {"at_capacity": 1, "paused": 1}


def test_one_round_of_corrections_names_a_number_above_the_cap_beside_other_mistakes(
    stack: Any, care: CarePipeline
) -> None:
    answers = availability(stack, "s1", max_open=5, away_from="2026-12-21", away_until="2026-12-01")
    again = page("POST", page_token("s1"), answers)
    assert again["statusCode"] == 422
    assert "Please choose a number from 1 to 2" in again["body"]
    assert "on or after your first day away" in again["body"]
    assert 'id="f-max_open-error"' in again["body"]
    assert 'id="f-away_until-error"' in again["body"]
