"""submit_request fed real API Gateway proxy events, under moto, with the template's own table."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest

from local_runner.lambdas import invoke
from tests.conftest import api_event

FUNCTION = "SubmitRequestFunction"

VALID: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org", "phone": "604 555 0101"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["adverse_event", "burnout"],
    "modalities": ["phone", "video"],
    "note": "Evenings are best.",
}
PERSONAL = ("Ann Lee", "ann.lee@example.org", "604 555 0101", "Evenings are best")


def post(body: Any, headers: dict[str, str] | None = None, raw: str | None = None) -> dict[str, Any]:
    payload = raw if raw is not None else json.dumps(body)
    result: dict[str, Any] = invoke(FUNCTION, api_event("POST", "/requests", payload, headers))
    return result


def stored(stack: Any) -> list[dict[str, Any]]:
    from peer_support.core.dynamodb import dynamodb_client, from_item

    items = dynamodb_client().scan(TableName=stack.refs["RequestsTable"])["Items"]
    return [from_item(item) for item in items]


@pytest.fixture
def dynamodb_calls(stack: Any) -> Counter[str]:
    """Every DynamoDB operation the handler makes, counted with botocore's event hooks."""
    from peer_support.core.dynamodb import dynamodb_client

    calls: Counter[str] = Counter()
    dynamodb_client().meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.update([model.name])
    )
    return calls


def test_self_request_is_stored_pending_match_with_one_write(
    stack: Any, dynamodb_calls: Counter[str]
) -> None:
    # When a physician asks for support for themself
    result = post(VALID)

    # Then one conditional write stores it, waiting for a match, with its first history entry; before it,
    # one look for an open request of the same person, and the hour's count of new requests (surge mode)
    assert result["statusCode"] == 201
    body = json.loads(result["body"])
    assert body["status"] == "pending_match"
    assert dynamodb_calls == Counter({"Query": 1, "UpdateItem": 1, "GetItem": 1, "PutItem": 1})
    [item] = stored(stack)
    assert item["request_id"] == body["reference"]
    assert item["status"] == "pending_match"
    assert item["version"] == 1
    assert item["history"] == [{"at": item["created_at"], "event": "submitted", "by": "requester"}]
    assert item["requester"]["email"] == "ann.lee@example.org"


def test_colleague_referral_waits_for_consent(stack: Any) -> None:
    referral = {
        **VALID,
        "kind": "colleague",
        "colleague": {"name": "Dr. Sam Roy", "email": "sam.roy@example.org"},
        "consent_confirmed": True,
    }
    result = post(referral)
    assert result["statusCode"] == 201
    assert json.loads(result["body"])["status"] == "pending_consent"
    [item] = stored(stack)
    assert item["history"][0]["by"] == "referrer"


def test_same_idempotency_key_returns_same_reference_and_one_item(
    stack: Any, dynamodb_calls: Counter[str]
) -> None:
    headers = {"Idempotency-Key": "2f6c1a8e-7d4b-4c1e-9a37-0d9b1f3c5e21"}
    first = json.loads(post(VALID, headers)["body"])
    second_result = post(VALID, headers)
    assert second_result["statusCode"] == 201
    assert json.loads(second_result["body"]) == first
    # The retry finds the request it stored (the person's open request) and writes nothing; where the
    # index has not caught up yet, its conditional write hands back the stored item instead.
    assert dynamodb_calls == Counter({"Query": 2, "GetItem": 2, "UpdateItem": 1, "PutItem": 1})
    assert len(stored(stack)) == 1


def test_idempotency_key_reused_with_other_answers_is_409(stack: Any) -> None:
    headers = {"Idempotency-Key": "reused-key-0001"}
    assert post(VALID, headers)["statusCode"] == 201
    result = post({**VALID, "urgent": True}, headers)
    assert result["statusCode"] == 409
    assert json.loads(result["body"])["error"] == "idempotency_key_reused"
    assert len(stored(stack)) == 1


def test_a_strangers_identical_key_never_meets_another_persons_request(stack: Any) -> None:
    # Given Ann's request sent with her key
    headers = {"Idempotency-Key": "ann-key-0001"}
    ann = json.loads(post(VALID, headers)["body"])

    # When strangers who learnt the key send it, one with other answers, one with Ann's answers but
    # their own address
    def stranger(i: int) -> dict[str, Any]:
        return {**VALID, "requester": {"name": f"Dr. Stranger {i}", "email": f"stranger{i}@example.org"}}

    other_answers = post({**stranger(1), "urgent": True}, headers)
    same_answers = post(stranger(2), headers)
    # Then neither is refused as a reused key, and neither learns Ann's reference
    assert other_answers["statusCode"] == 201
    assert same_answers["statusCode"] == 201
    assert ann["reference"] not in other_answers["body"] + same_answers["body"]
    assert len(stored(stack)) == 3


def test_different_keys_give_different_references(stack: Any) -> None:
    other = {**VALID, "requester": {"name": "Dr. Bo Chan", "email": "bo.chan@example.org"}}
    a = json.loads(post(VALID, {"Idempotency-Key": "key-aaaaaaaa"})["body"])["reference"]
    b = json.loads(post(other, {"Idempotency-Key": "key-bbbbbbbb"})["body"])["reference"]
    assert a != b


def test_the_same_person_with_another_key_finds_their_open_request(stack: Any) -> None:
    a = json.loads(post(VALID, {"Idempotency-Key": "key-aaaaaaaa"})["body"])
    b = json.loads(post(VALID, {"Idempotency-Key": "key-bbbbbbbb"})["body"])
    assert a == b
    assert len(stored(stack)) == 1


def test_validation_names_each_field_without_echoing_values(stack: Any) -> None:
    bad = {
        **VALID,
        "requester": {"name": "Ann\r\nBcc: x@example.org", "email": "not-an-email"},
        "reasons": [],
    }
    result = post(bad)
    assert result["statusCode"] == 422
    body = json.loads(result["body"])
    assert body["error"] == "validation"
    assert set(body["fields"]) == {"requester.name", "requester.email", "reasons"}
    assert "not-an-email" not in result["body"]
    assert "Bcc" not in result["body"]
    assert stored(stack) == []


def test_cross_field_rules_point_at_the_answer(stack: Any) -> None:
    result = post({**VALID, "kind": "colleague"})
    assert result["statusCode"] == 422
    assert list(json.loads(result["body"])["fields"]) == ["colleague"]
    result = post(
        {**VALID, "requester": {"name": "A", "email": "a@example.org", "preferred_contact": "phone"}}
    )
    assert list(json.loads(result["body"])["fields"]) == ["requester.phone"]


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"career_stage": "resident"}, "UBC Postgraduate Medical Education"),
        ({"career_stage": "medical_student"}, "student"),
        ({"practices_in_vancouver": False}, "Vancouver"),
    ],
)
def test_ineligible_people_get_a_kind_pointer_and_nothing_is_stored(
    stack: Any, answers: dict[str, Any], reason: str
) -> None:
    result = post({**VALID, **answers})
    assert result["statusCode"] == 422
    body = json.loads(result["body"])
    assert body["error"] == "not_eligible"
    assert reason in body["detail"]
    assert stored(stack) == []


def test_a_resident_hears_where_to_go_before_any_other_correction(stack: Any) -> None:
    result = post({"career_stage": "resident"})
    assert json.loads(result["body"])["error"] == "not_eligible"


@pytest.mark.parametrize(
    ("raw", "headers", "status", "code"),
    [
        ("{not json", {}, 400, "malformed"),
        ("[1, 2]", {}, 400, "malformed"),
        ('"text"', {}, 400, "malformed"),
        ("kind=self", {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        ("<xml/>", {"Content-Type": "application/xml"}, 415, "unsupported_media_type"),
        (json.dumps({"note": "x" * 17000}), {}, 413, "too_large"),
    ],
)
def test_unreadable_bodies(stack: Any, raw: str, headers: dict[str, str], status: int, code: str) -> None:
    result = post(None, headers, raw=raw)
    assert result["statusCode"] == status
    body = json.loads(result["body"])
    assert body["error"] == code
    assert set(body) == {"error", "detail", "fields"}
    assert "Traceback" not in result["body"]
    assert stored(stack) == []


def test_form_post_with_dotted_names_and_repeated_fields(stack: Any) -> None:
    form = urlencode(
        [
            ("kind", "self"),
            ("requester.name", "Dr. Ann Lee"),
            ("requester.email", "ann.lee@example.org"),
            ("requester.preferred_contact", "email"),
            ("career_stage", "practicing_physician"),
            ("practices_in_vancouver", "true"),
            ("reasons", "complaint"),
            ("reasons", "burnout"),
            ("modalities", "in_person"),
            ("preferences.language", "French"),
            ("avoid", "Dr. Zed"),
            ("avoid", ""),
            ("urgent", "true"),
            ("note", ""),
            ("idempotency_key", "form-key-123456"),
        ]
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    result = post(None, headers, raw=form)
    assert result["statusCode"] == 201
    assert "Your request is in" in result["body"]
    [item] = stored(stack)
    assert item["reasons"] == ["complaint", "burnout"]
    assert item["avoid"] == ["Dr. Zed"]
    assert item["preferences"]["language"] == "French"
    assert item["urgent"] is True
    assert "note" not in item
    assert item["request_id"] in result["body"]
    # The hidden key makes a double-click or a refresh land on the same request.
    again = post(None, headers, raw=form)
    assert item["request_id"] in again["body"]
    assert len(stored(stack)) == 1


def test_form_errors_rerender_the_form_with_answers_kept(stack: Any) -> None:
    form = urlencode([("kind", "self"), ("requester.name", "Dr. <b>Ann</b>"), ("requester.email", "nope")])
    result = post(
        None, {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}, raw=form
    )
    assert result["statusCode"] == 422
    page = result["body"]
    assert 'class="error-summary"' in page
    assert "Please enter an email address we can reach you at." in page
    assert "Dr. &lt;b&gt;Ann&lt;/b&gt;" in page  # kept, and escaped
    assert "<b>Ann</b>" not in page
    assert stored(stack) == []


def test_pages_carry_security_headers(stack: Any) -> None:
    result = invoke(FUNCTION, api_event("GET", "/", headers={"Accept": "text/html"}))
    headers = {k: v[0] for k, v in result["multiValueHeaders"].items()}
    assert result["statusCode"] == 200
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    # Behind API Gateway the stage is part of the path the browser sees.
    assert 'action="/prod/requests"' in result["body"]
    assert "1-800-663-6729" in result["body"]
    assert "988" in result["body"]


def test_openapi_document_describes_the_request(stack: Any) -> None:
    result = invoke(FUNCTION, api_event("GET", "/openapi.json"))
    assert result["statusCode"] == 200
    document = json.loads(result["body"])
    operation = document["paths"]["/requests"]["post"]
    schema_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref.endswith("/RequestForm")
    assert {"201", "409", "413", "415", "422"} <= set(operation["responses"])
    assert "requester" in document["components"]["schemas"]["RequestForm"]["properties"]


def test_openapi_document_covers_every_route_of_the_api(stack: Any) -> None:
    from local_runner.template import api_routes

    document = json.loads(invoke(FUNCTION, api_event("GET", "/openapi.json"))["body"])
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    # The stylesheet and the document itself are not part of the API.
    served = {(m, p) for m, p, _ in api_routes()} - {("GET", "/assets/{name}"), ("GET", "/openapi.json")}
    assert documented == served
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            assert "200" in operation["responses"] or "201" in operation["responses"], (method, path)
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    assert "HTTPValidationError" not in json.dumps(document)


def test_unknown_route_is_404_json(stack: Any) -> None:
    result = invoke(FUNCTION, api_event("GET", "/nowhere"))
    assert result["statusCode"] == 404
    assert json.loads(result["body"])["error"] == "not_found"


def test_no_personal_data_in_logs(stack: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")  # what Lambda logs (botocore debug output is never enabled)
    post(VALID)
    post({**VALID, "requester": {"name": "Ann Lee", "email": "bad"}})
    # Every record with everything it carries (message, extras, exception text).
    logs = "\n".join(str(record.__dict__) for record in caplog.records)
    assert "request stored" in logs
    for value in PERSONAL:
        assert value not in logs
