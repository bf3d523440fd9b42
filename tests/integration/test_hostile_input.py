"""Hostile input to the API: always a 4xx in the contract's shape, never a 5xx, never an echo."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local_runner.lambdas import invoke
from peer_support.core.settings import get_settings
from tests.conftest import api_event

MARKER = "Zq9xMarker"


def post(
    raw: str, content_type: str = "application/json", accept: str = "application/json"
) -> dict[str, Any]:
    event = api_event("POST", "/requests", raw, {"Content-Type": content_type, "Accept": accept})
    result: dict[str, Any] = invoke("SubmitRequestFunction", event)
    return result


def assert_refused_cleanly(result: dict[str, Any]) -> None:
    assert 400 <= result["statusCode"] < 500, result
    assert MARKER not in result["body"]
    assert "Traceback" not in result["body"]
    headers = {k: v[0] for k, v in (result.get("multiValueHeaders") or {}).items()} | (
        result.get("headers") or {}
    )
    if headers["Content-Type"].startswith("application/json"):
        body = json.loads(result["body"])
        assert set(body) == {"error", "detail", "fields"}


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "null",
        "{",
        '{"kind": ',
        "[" * 5000 + "]" * 5000,
        '{"a":' * 2000 + "1" + "}" * 2000,
        json.dumps({"kind": "self", "requester": {"name": MARKER + "\u0000", "email": MARKER}}),
        json.dumps(
            {"kind": "self", "requester": {"name": f"<script>{MARKER}</script>", "email": "x@example.org"}}
        ),
        json.dumps(
            {"kind": "self", "requester": {"name": f"Ann\r\nBcc: {MARKER}@example.org", "email": "x"}}
        ),
        json.dumps({"kind": ["self"], "requester": "ann", "reasons": {"a": 1}, "urgent": "maybe", "note": 5}),
        json.dumps(
            {"kind": "self", "requester": {"name": "A", "email": f"{MARKER}@example.org\r\nBcc: a@b.c"}}
        ),
        '{"kind": "self", "requester": {"name": "\\ud800' + MARKER + '"}}',
        json.dumps({f"<b>{MARKER}</b>": 1}),
        json.dumps({f"{MARKER} {MARKER}": 1}),
        # A name shaped like a field's is not repeated back unless it is one of ours: it may be a person's.
        json.dumps({MARKER: 1}),
        json.dumps({"kind": "self", "requester": {"name": "A", "email": "a@example.org", MARKER: "x"}}),
    ],
)
def test_malformed_and_hostile_bodies(stack: Any, raw: str) -> None:
    assert_refused_cleanly(post(raw))


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_invalid_utf8_and_huge_bodies(stack: Any, accept: str) -> None:
    event = api_event("POST", "/requests", "////", {"Content-Type": "application/json", "Accept": accept})
    event.update(body="gICA", isBase64Encoded=True)  # 0x80 0x80 0x80: not UTF-8
    assert_refused_cleanly(invoke("SubmitRequestFunction", event))
    assert_refused_cleanly(post(json.dumps({"note": MARKER * 5000}), accept=accept))


# -- every route that takes a body, JSON and form, for a browser and for a client ------------------

# (function, path, resource): the signed-link routes get a link that does not verify, so whatever the
# body the answer is the plain 404 of a bad link (checked before the body); the `linked_routes` fixture
# gives them genuine links.
BODY_ROUTES = [
    ("SubmitRequestFunction", "/requests", "/requests"),
    ("GroupFunction", "/group-registrations", "/group-registrations"),
    ("ActionsFunction", "/actions/not.a-token", "/actions/{token}"),
    ("GroupFunction", "/group-registrations/not.a-token", "/group-registrations/{token}"),
    ("ActionsFunction", "/supporters/not.a-token", "/supporters/{token}"),
    ("ReportsFunction", "/feedback/not.a-token", "/feedback/{token}"),
]
SENTENCES: set[str] = set()


def sentences() -> set[str]:
    """Every sentence the API can say (the message catalogue): an error says nothing else."""
    from peer_support.core import rendering as templates

    def walk(value: Any) -> None:
        if isinstance(value, str):
            SENTENCES.add(value)
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)

    if not SENTENCES:
        walk(templates.messages())
    return SENTENCES


def send(
    route: tuple[str, str, str],
    body: str | bytes,
    content_type: str = "application/json",
    accept: str = "application/json",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    function, path, resource = route
    token = path.rsplit("/", 1)[-1] if "{token}" in resource else None
    event = api_event(
        "POST",
        path,
        body if isinstance(body, str) else "",
        {"Content-Type": content_type, "Accept": accept, **(headers or {})},
        path_parameters={"token": token} if token else None,
        resource=resource,
    )
    if isinstance(body, bytes):  # as API Gateway hands on a body that is not UTF-8
        event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
    result: dict[str, Any] = invoke(function, event)
    return result


def assert_in_the_contract(result: dict[str, Any], accept: str) -> None:
    """A 4xx; JSON in the contract's shape saying only catalogue sentences, or an HTML page in which
    nothing sent appears unescaped."""
    assert 400 <= result["statusCode"] < 500, result
    body = result["body"]
    assert "Traceback" not in body
    content_type = (result.get("headers") or {}).get("Content-Type") or (
        result.get("multiValueHeaders") or {}
    ).get("Content-Type", [""])[0]
    if accept == "application/json":
        assert content_type.startswith("application/json"), content_type
        answer = json.loads(body)
        assert set(answer) == {"error", "detail", "fields"}
        assert answer["detail"] in sentences()
        assert all(text in sentences() for text in answer["fields"].values()), answer
        assert MARKER not in body
    else:
        assert content_type.startswith("text/html"), content_type
        assert f"<script>{MARKER}" not in body
        assert f"<b>{MARKER}" not in body


VALID_REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["other"],
    "modalities": ["video"],
}
# An invitation to a colleague who did not ask.
VALID_REACH_IN: dict[str, Any] = {
    "kind": "reach_in",
    "requester": {"name": "Dr. Rita Head", "email": "rita.head@example.org"},
    "colleague": {"name": "Dr. Sam Roy", "email": "sam.roy@example.org"},
    "event": "complaint",
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
}
# The same answers as a browser posts them.
VALID_FORM: dict[str, Any] = {
    "kind": "self",
    "requester.name": "Dr. Ann Lee",
    "requester.email": "ann.lee@example.org",
    "career_stage": "practicing_physician",
    "practices_in_vancouver": "true",
    "reasons": "other",
    "modalities": "video",
}


def form(**fields: Any) -> str:
    from urllib.parse import urlencode

    pairs: list[tuple[str, str]] = []
    for name, value in {**VALID_FORM, **fields}.items():
        if value is not None:
            pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return urlencode(pairs)


HOSTILE_JSON = {
    "integer over 4300 digits": '{"kind": ' + "9" * 5000 + "}",
    "integer over 4300 digits in a list": '{"reasons": [1, ' + "1" * 4400 + "]}",
    "NaN and Infinity": '{"kind": NaN, "urgent": Infinity, "conversations": -Infinity}',
    "float overflow": '{"practices_in_vancouver": 1e999, "conversations": 1e999}',
    "duplicate keys": '{"kind": "self", "kind": ["colleague"], "action": "x", "action": {}}',
    "byte order mark": '\ufeff{"kind": "self"}',
    "top-level array": "[1, 2]",
    "top-level string": '"' + MARKER + '"',
    "lone low surrogate": '{"name": "\\udc00' + MARKER + '", "action": "\\udfff"}',
    "escaped NUL in a key": '{"na\\u0000me": "' + MARKER + '"}',
    "objects nested 33 deep": '{"a":' * 33 + "1" + "}" * 33,
    "markup in a key": json.dumps({f"<script>{MARKER}</script>": 1, "action": f"<b>{MARKER}</b>"}),
    "wrong type everywhere": json.dumps(
        {"kind": 1, "requester": [MARKER], "name": {"a": MARKER}, "email": 5, "action": [], "reasons": MARKER}
    ),
}
HOSTILE_FORMS = {
    "bytes that are not UTF-8 in a value": "requester.name=%ff%fe&name=%c3%28",
    "bytes that are not UTF-8 in a name": "%ff%fe=1",
    "name and nested name clash": "requester=" + MARKER + "&requester.name=" + MARKER,
    "names nested four deep": "requester.name.first.x=" + MARKER,
    "over 200 fields": "&".join(f"f{i}={MARKER}" for i in range(201)),
    "CR/LF in a name": form(**{"requester.name": f"Dr. A\r\nBcc: {MARKER}@evil.example"}),
    "CR/LF in an address": form(**{"requester.email": f"a@example.org\r\nBcc: {MARKER}@evil.example"}),
    "markup in a name": form(**{"requester.name": f"<script>{MARKER}</script>", "requester.email": "x"}),
    "control characters": form(**{"requester.name": f"{MARKER}\x00\x1b[2J", "site": "\x07"}),
    "a value for every field that is no field": form(**{f"<b>{MARKER}</b>": "1", "a.b": MARKER}),
    "huge value": form(note=MARKER * 2000),
}


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r[2])
@pytest.mark.parametrize("raw", list(HOSTILE_JSON.values()), ids=list(HOSTILE_JSON))
def test_hostile_json_on_every_route(stack: Any, raw: str, route: tuple[str, str, str], accept: str) -> None:
    assert_in_the_contract(send(route, raw, accept=accept), accept)


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r[2])
@pytest.mark.parametrize("raw", list(HOSTILE_FORMS.values()), ids=list(HOSTILE_FORMS))
def test_hostile_forms_on_every_route(stack: Any, raw: str, route: tuple[str, str, str], accept: str) -> None:
    assert_in_the_contract(send(route, raw, "application/x-www-form-urlencoded", accept), accept)


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r[2])
@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"\x80\x80\x80", "application/json"),
        (b"requester.name=\xff\xfe&kind=self", "application/x-www-form-urlencoded"),
        (b'{"kind": "self"}', "text/plain"),
        (
            b'--x\r\nContent-Disposition: form-data; name="kind"\r\n\r\nself\r\n--x--',
            "multipart/form-data; boundary=x",
        ),
        (b"<kind>self</kind>", "application/xml"),
        (b'{"note": "' + MARKER.encode() * 2000 + b'"}', "application/json"),
    ],
    ids=["invalid UTF-8 JSON", "invalid UTF-8 form", "text/plain", "multipart", "XML", "over 16 KiB"],
)
def test_unreadable_bodies_on_every_route(
    stack: Any, raw: bytes, content_type: str, route: tuple[str, str, str], accept: str
) -> None:
    assert_in_the_contract(send(route, raw, content_type, accept), accept)


@pytest.fixture
def linked_routes(stack: Any) -> list[tuple[str, str, str]]:
    """The signed-link routes with genuine links: a request's (its requester's) and a registration's."""
    from datetime import timedelta

    from peer_support.core import clock
    from peer_support.group.sessions import next_session
    from peer_support.links.feedback import feedback_url
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_group_link, issue_link, issue_supporter_link
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    receipt = json.loads(send(BODY_ROUTES[0], json.dumps(VALID_REQUEST))["body"])
    token = issue_link(
        receipt["reference"], "requester", "requester", clock.now(), timedelta(days=1), signing_key()
    )
    registration = {"name": "Dr. Ada Obi", "email": "ada@example.org"}
    answers = {**registration, "identifies_as_bipoc": True, "practices_in_bc": True}
    registered = json.loads(send(BODY_ROUTES[1], json.dumps(answers))["body"])
    session = next_session(clock.now())
    group_token = issue_group_link(session.session_id, registered["reference"], session.end, signing_key())
    supporter = {"supporter_id": "hostile-1", "name": "Dr. Sue Porter", "email": "sue@example.org"}
    SupportersRepository(get_settings().supporters_table).upsert(
        [RosterEntry.model_validate({**supporter, "modalities": ["phone"]})]
    )
    page_token = issue_supporter_link("hostile-1", clock.now(), timedelta(days=1), signing_key())
    invited = json.loads(send(BODY_ROUTES[0], json.dumps(VALID_REACH_IN))["body"])
    invitation = issue_link(
        invited["reference"], "requester", "colleague", clock.now(), timedelta(days=1), signing_key()
    )
    feedback = feedback_url("", clock.now(), 30)
    return [
        ("ActionsFunction", f"/actions/{token}", "/actions/{token}"),
        ("GroupFunction", f"/group-registrations/{group_token}", "/group-registrations/{token}"),
        ("ActionsFunction", f"/supporters/{page_token}", "/supporters/{token}"),
        ("ActionsFunction", f"/actions/{invitation}", "/actions/{token}"),
        ("ReportsFunction", feedback, "/feedback/{token}"),
    ]


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        *((raw, "application/json") for raw in HOSTILE_JSON.values()),
        *((raw, "application/x-www-form-urlencoded") for raw in HOSTILE_FORMS.values()),
    ],
    ids=[*HOSTILE_JSON, *(f"form: {name}" for name in HOSTILE_FORMS)],
)
def test_hostile_bodies_behind_genuine_links(
    linked_routes: list[tuple[str, str, str]], raw: str, content_type: str, accept: str
) -> None:
    for route in linked_routes:
        assert_in_the_contract(send(route, raw, content_type, accept), accept)
    # Nothing hostile was taken as an action: the link still works.
    assert send(linked_routes[0], json.dumps({"action": "withdraw"}))["statusCode"] == 200
    assert send(linked_routes[1], json.dumps({"action": "cancel"}))["statusCode"] == 200
    assert send(linked_routes[2], json.dumps({"version": 1, "max_open": 2}))["statusCode"] == 200
    assert send(linked_routes[3], json.dumps({"action": "decline_invitation"}))["statusCode"] == 200
    answers = {"helpful": 4, "contacted_in_time": True, "would_recommend": True}
    assert send(linked_routes[4], json.dumps(answers))["statusCode"] == 201


def test_the_answers_the_hostile_ones_vary_are_taken(stack: Any) -> None:
    """So each hostile case above is refused for what it changed, not for something else."""
    assert send(BODY_ROUTES[0], json.dumps(VALID_REQUEST))["statusCode"] == 201
    assert send(BODY_ROUTES[0], form(), "application/x-www-form-urlencoded", "text/html")["statusCode"] == 201
    assert send(BODY_ROUTES[0], json.dumps(VALID_REACH_IN))["statusCode"] == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colleague": None}, "colleague"),
        ({"colleague": {"name": "Dr. Sam Roy"}}, "colleague.email"),
        ({"colleague": {"name": "Dr. Rita Head", "email": "RITA.HEAD@example.org"}}, "colleague.email"),
        ({"event": "<script>alert(1)</script>"}, "event"),
        ({"event": ["adverse_event"]}, "event"),
        ({"share_referrer_name": "maybe"}, "share_referrer_name"),
    ],
)
def test_a_reach_in_refused_names_the_field(stack: Any, change: dict[str, Any], field: str) -> None:
    body = {k: v for k, v in {**VALID_REACH_IN, **change}.items() if v is not None}
    result = send(BODY_ROUTES[0], json.dumps(body))
    assert result["statusCode"] == 422, result["body"]
    assert field in json.loads(result["body"])["fields"]
    assert "<script>" not in result["body"]
    assert "Rita" not in result["body"]


def test_a_name_with_markup_is_shown_back_escaped_on_the_form(stack: Any) -> None:
    """The form comes back with the person's answers (so nothing is lost), escaped, never as markup."""
    result = send(
        BODY_ROUTES[0],
        form(**{"requester.name": f"<script>{MARKER}</script>", "requester.email": "not an address"}),
        "application/x-www-form-urlencoded",
        "text/html",
    )
    assert result["statusCode"] == 422
    assert f"&lt;script&gt;{MARKER}&lt;/script&gt;" in result["body"]
    assert f"<script>{MARKER}" not in result["body"]


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r", "\u2028", "\x85"])
def test_a_name_on_two_lines_is_refused_naming_the_field(stack: Any, end: str) -> None:
    body = {**VALID_REQUEST}
    body["requester"] = {"name": f"Dr. A{end}Bcc: {MARKER}@evil.example", "email": "a@example.org"}
    result = send(BODY_ROUTES[0], json.dumps(body))
    assert result["statusCode"] == 422
    assert set(json.loads(result["body"])["fields"]) == {"requester.name"}
    as_form = send(
        BODY_ROUTES[0],
        form(**{"requester.name": f"Dr. A{end}Bcc: x@evil.example"}),
        "application/x-www-form-urlencoded",
    )
    assert as_form["statusCode"] == 422
    assert set(json.loads(as_form["body"])["fields"]) == {"requester.name"}
    group = send(
        BODY_ROUTES[1],
        json.dumps(
            {
                "name": f"A{end}Bcc: x",
                "email": "a@example.org",
                "identifies_as_bipoc": True,
                "practices_in_bc": True,
            }
        ),
    )
    assert group["statusCode"] == 422
    assert set(json.loads(group["body"])["fields"]) == {"name"}


@pytest.mark.parametrize("key", ["short", "with space in it", "k\u00e9y-not-ascii", "x" * 129])
def test_an_idempotency_key_that_is_no_key_is_refused_naming_the_header(stack: Any, key: str) -> None:
    result = send(BODY_ROUTES[0], json.dumps(VALID_REQUEST), headers={"Idempotency-Key": key})
    assert result["statusCode"] == 422
    assert set(json.loads(result["body"])["fields"]) == {"Idempotency-Key"}


# Answer names the routes know, so that generated bodies reach past "unexpected field" now and then.
KNOWN_NAMES = st.sampled_from(
    [
        "kind",
        "requester",
        "name",
        "email",
        "career_stage",
        "reasons",
        "modalities",
        "action",
        "note",
        "identifies_as_bipoc",
        "practices_in_bc",
        "conversations",
        "modality_used",
        "preferences",
        "colleague",
        "event",
        "share_referrer_name",
    ]
)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r[2])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(KNOWN_NAMES | st.text(max_size=12), children, max_size=6)
        ),
        max_leaves=30,
    )
)
def test_any_json_gets_a_clean_answer(stack: Any, route: tuple[str, str, str], body: Any) -> None:
    result = send(route, json.dumps(body))
    assert result["statusCode"] in (201, 400, 404, 409, 413, 415, 422), result
    if result["statusCode"] >= 400:
        assert_in_the_contract(result, "application/json")


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r[2])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pairs=st.lists(
        st.tuples(KNOWN_NAMES | st.text(max_size=20), st.text(max_size=40)),
        max_size=12,
    )
)
def test_any_form_gets_a_clean_answer(
    stack: Any, route: tuple[str, str, str], pairs: list[tuple[str, str]]
) -> None:
    from urllib.parse import urlencode

    result = send(route, urlencode(pairs), "application/x-www-form-urlencoded", accept="text/html")
    assert result["statusCode"] in (201, 400, 404, 409, 413, 415, 422), result
    if result["statusCode"] >= 400:
        assert_in_the_contract(result, "text/html")
