"""The local inbox page, without a stack: escaped, links made links, newest first across channels."""

from __future__ import annotations

from typing import Any, cast

from local_runner.inbox import Message, emails, linked, messages, page
from local_runner.stack import LocalStack


def test_text_is_escaped_and_its_links_are_links() -> None:
    text = "Dear <b>you</b> & yours, see https://local.example/actions/abc?x=1&y=2. Or (http://b.example/p)."
    assert linked(text) == (
        "Dear &lt;b&gt;you&lt;/b&gt; &amp; yours, see "
        '<a href="https://local.example/actions/abc?x=1&amp;y=2">https://local.example/actions/abc?x=1&amp;y=2</a>'
        '. Or (<a href="http://b.example/p">http://b.example/p</a>).'
    )


def test_a_link_cannot_break_out_of_its_attribute() -> None:
    assert linked('http://x.example/"onmouseover="alert(1)') == (
        '<a href="http://x.example/">http://x.example/</a>&quot;onmouseover=&quot;alert(1)'
    )
    assert "javascript:" not in linked("javascript:alert(1)").replace("javascript:alert(1)", "")
    assert "<a" not in linked("javascript:alert(1)")


def test_every_field_of_a_message_is_escaped() -> None:
    shown = page(
        [Message("Email", "<x@example.org>", "Hello <script>", "2026-12-24T18:00:00Z", "Re: <i>you</i>")]
    )
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown
    assert "&lt;x@example.org&gt;" in shown
    assert "Re: &lt;i&gt;you&lt;/i&gt;" in shown
    assert '<time datetime="2026-12-24T18:00:00Z">Thu 24 Dec 2026, 10:00 Pacific</time>' in shown
    assert shown.startswith('<!doctype html>\n<html lang="en">')


def test_an_empty_inbox_says_how_to_fill_it() -> None:
    assert "Nothing has been sent yet" in page([])


class FakeStack:
    def sent_emails(self) -> list[dict[str, Any]]:
        return [
            {"to": "a@example.org", "subject": "first", "text": "1", "sent_at": "2026-12-24T18:00:00Z"},
            {"to": "b@example.org", "subject": "second", "text": "2", "sent_at": "2026-12-24T18:00:00Z"},
            {"to": "c@example.org", "subject": "third", "text": "3", "sent_at": "2026-12-26T09:00:00Z"},
        ]


def test_newest_first_and_another_channel_takes_its_place_in_time() -> None:
    def texts(_local: LocalStack) -> list[Message]:
        return [
            Message(
                "SMS", "+16045550101", "Urgent request PS-X: first contact by 14:30", "2026-12-25T00:00:00Z"
            )
        ]

    local = cast(LocalStack, FakeStack())

    shown = messages(local, [emails, texts])

    # Sent in the same second: the later one first.
    assert [m.subject or m.channel for m in shown] == ["third", "SMS", "second", "first"]
    rendered = page(shown)
    assert rendered.index("third") < rendered.index("Urgent request PS-X") < rendered.index("second")
    assert "(3 emails, 1 SMS)" in rendered
