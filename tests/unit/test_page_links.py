"""What the form pages link to, under the base path the browser sees in front of every route (`/prod`)."""

from __future__ import annotations

from typing import Any

from peer_support.core import rendering

BASE = "/prod"


def page(template: str, **context: Any) -> str:
    given = {"base": BASE, "values": {}, "errors": {}, "retention_days": 30}
    return rendering.render(template, **given, **context)


def request_form() -> str:
    return page("pages/form.html", idempotency_key="k")


def group_page() -> str:
    return page("pages/group.html", session={"date": "Monday, March 9", "time": "7:15 pm"}, full=False)


def test_the_request_form_tells_of_the_group_and_the_group_of_one_to_one_support() -> None:
    assert f'<a href="{BASE}/group">BIPOC Physician Peer Support Group</a>' in request_form()
    assert f'<a href="{BASE}/">ask for one-to-one peer support</a>' in group_page()


def test_every_page_names_its_icon_under_the_base_path_and_the_icon_is_served() -> None:
    from peer_support.entrypoints.api.intake import asset

    # A browser asks for /favicon.ico, outside the stage, unless the page names its icon.
    for html in (request_form(), group_page(), page("pages/error.html", detail="x")):
        assert f'<link rel="icon" href="{BASE}/assets/favicon.svg" type="image/svg+xml">' in html
    served = asset("favicon.svg")
    assert served.status_code == 200
    assert served.content_type == "image/svg+xml"
    assert str(served.body).startswith("<svg ")


def test_the_note_says_on_the_form_who_will_read_it() -> None:
    import re

    [hint] = re.findall(r'<p class="hint" id="f-note-hint">(.*?)</p>', request_form(), re.S)
    assert rendering.messages()["hints"]["note"] in hint
    # The textarea is described by it, so a screen reader reads it with the field.
    assert re.search(r'<textarea id="f-note"[^>]*aria-describedby="[^"]*f-note-hint', request_form())
