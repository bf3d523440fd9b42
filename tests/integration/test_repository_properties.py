"""What the repositories store is what they give back: any valid request, roster entry or group
registration, written to the template's tables (moto) and read again, means the same answers."""

from __future__ import annotations

from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings

from tests import strategies as s

# Each example is a real write and read under moto: few examples, no deadline.
MOTO = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PEOPLE = count()


@MOTO
@given(answers=s.request_forms())
def test_a_stored_request_reads_back_as_the_same_answers(stack: Any, answers: dict[str, Any]) -> None:
    from peer_support.core.reference import new_reference
    from peer_support.requests.intake import new_record
    from peer_support.requests.models import RequestForm
    from peer_support.requests.repository import RequestsRepository

    form = RequestForm.model_validate(answers)
    repository = RequestsRepository(stack.refs["RequestsTable"])
    reference = new_reference()
    repository.create(new_record(form, reference, "digest"))
    item = repository.get(reference)
    assert (
        RequestForm.model_validate({k: v for k, v in item.items() if k in RequestForm.model_fields}) == form
    )


@MOTO
@given(answers=s.roster_entries())
def test_a_roster_entry_reads_back_as_the_same_supporter(stack: Any, answers: dict[str, Any]) -> None:
    from peer_support.supporters.models import RosterEntry, given_by_roster
    from peer_support.supporters.repository import SupportersRepository

    entry = RosterEntry.model_validate(answers)
    repository = SupportersRepository(stack.refs["SupportersTable"])
    repository.upsert([entry])
    found = repository.find(entry.supporter_id)
    assert found is not None
    # What the entry leaves blank of a supporter's own settings keeps what an earlier example stored.
    given = given_by_roster(entry)
    assert found.model_dump(include=given) == entry.model_dump(include=given)


@MOTO
@given(answers=s.group_registrations)
def test_a_group_registration_reads_back_with_the_same_name_and_address(
    stack: Any, answers: dict[str, Any]
) -> None:
    from peer_support.group.models import GroupRegistrationForm
    from peer_support.group.registrations import register
    from peer_support.group.repository import GroupRepository
    from peer_support.group.settings import get_group_settings
    from peer_support.links.keys import signing_key

    # A new person each time (the same address again would get the registration it already holds).
    person = {"identifies_as_bipoc": True, "practices_in_bc": True, "email": f"p{next(PEOPLE)}@example.org"}
    form = GroupRegistrationForm.model_validate({**answers, **person})
    repository = GroupRepository(stack.refs["GroupTable"])
    registration = register(form, repository=repository, settings=get_group_settings(), secret=signing_key)
    assert registration.new
    item = repository.get(registration.session.session_id, registration.reference)
    assert (item["name"], item["email"]) == (form.name, str(form.email))
