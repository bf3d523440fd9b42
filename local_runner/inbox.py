"""`GET /_local/inbox`: every message the local stack has sent, as one page a person can read.

For whoever tries the system: each email with who it went to, its subject, when it was sent (on the one
clock) and its plain text, whose links are links, so following a request's life needs no JSON. Newest
first.

Messages come from `SOURCES`, one function per channel, each giving `Message`s in the order sent: the
emails, and the text messages (`GET /_local/sms`), on the same page in time order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from local_runner.server import Reply

if TYPE_CHECKING:
    from local_runner.server import LocalApp, LocalRequest
    from local_runner.stack import LocalStack

PACIFIC = ZoneInfo("America/Vancouver")
# A link in a plain-text message: up to the first space or character no URL ends a sentence with.
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}"
_NOUNS = {"Email": ("email", "emails"), "SMS": ("SMS", "SMS")}  # one, many


@dataclass(frozen=True)
class Message:
    """One message sent, whatever its channel."""

    channel: str  # "Email", "SMS"
    to: str
    text: str
    sent_at: str = ""  # ISO-8601 UTC on the one clock; "" if not known
    subject: str = ""  # none for an SMS


Source = Callable[["LocalStack"], list[Message]]


def emails(local: LocalStack) -> list[Message]:
    return [
        Message("Email", e["to"], e["text"], e.get("sent_at", ""), e["subject"]) for e in local.sent_emails()
    ]


def texts(local: LocalStack) -> list[Message]:
    return [Message("SMS", m["to"], m["text"], m.get("sent_at", "")) for m in local.sent_sms()]


SOURCES: list[Source] = [emails, texts]


def messages(local: LocalStack, sources: list[Source] | None = None) -> list[Message]:
    """Every message of every source, newest first (ties: the later sent first)."""
    everything = [
        (message.sent_at, position, message)
        for source in sources or SOURCES
        for position, message in enumerate(source(local))
    ]
    return [message for *_, message in sorted(everything, key=lambda m: (m[0], m[1]), reverse=True)]


def linked(text: str) -> str:
    """`text` escaped for HTML, each http(s) URL in it made a link to itself."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        # A sentence's full stop or a closing bracket after a URL is not part of it.
        while url and url[-1] in _TRAILING and not (url[-1] == ")" and url.count("(") >= url.count(")")):
            url = url[:-1]
        end = match.start() + len(url)
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        last = end
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def _when(sent_at: str) -> str:
    if not sent_at:
        return "time not known"
    moment = datetime.fromisoformat(sent_at).astimezone(PACIFIC)
    shown = f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} Pacific"
    return f'<time datetime="{html.escape(sent_at)}">{html.escape(shown)}</time>'


_STYLE = """
:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.5; color: #1d1d1f; }
body { margin: 0; background: #f4f4f6; }
header, main { max-width: 52rem; margin: 0 auto; padding: 1rem 1.25rem; }
header p { margin: 0.25rem 0; color: #444; }
article { background: #fff; border: 1px solid #d4d4d8; border-radius: 8px; margin: 0 0 1rem;
          padding: 1rem 1.25rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.75rem; margin: 0 0 0.75rem;
     color: #444; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; margin: 0; padding-top: 0.75rem;
      border-top: 1px solid #e4e4e7; }
a { color: #0b57d0; }
.channel { font-size: 0.8rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em;
           color: #555; margin: 0; }
"""


def _title(message: Message) -> str:
    first_line = message.text.strip().splitlines()[0] if message.text.strip() else ""
    return message.subject or first_line or "(no subject)"


def page(sent: list[Message]) -> str:
    """The inbox page: every message in `sent` (already in the order to show), escaped."""
    channels = dict.fromkeys(m.channel for m in sent)
    count = {channel: sum(m.channel == channel for m in sent) for channel in channels}
    summary = ", ".join(f"{n} {_NOUNS.get(channel, (channel,) * 2)[n != 1]}" for channel, n in count.items())
    articles = "\n".join(
        f"""<article aria-labelledby="m{i}">
<p class="channel">{html.escape(m.channel)}</p>
<h2 id="m{i}">{html.escape(_title(m))}</h2>
<dl><dt>To</dt><dd>{html.escape(m.to)}</dd><dt>Sent</dt><dd>{_when(m.sent_at)}</dd></dl>
<pre>{linked(m.text)}</pre>
</article>"""
        for i, m in enumerate(sent, 1)
    )
    if not sent:
        articles = (
            '<p>Nothing has been sent yet. Ask for support on <a href="/">the form</a>, '
            "and the emails it causes appear here.</p>"
        )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Inbox: Physician Peer Support (local)</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>Inbox</h1>
<p>Every message this local stack has sent{f" ({summary})" if sent else ""}, newest first. Times are on
the stack's clock. Links lead back to this local server.</p>
<p><a href="/_local/inbox">Refresh</a> · <a href="/_local/emails">The emails as JSON</a> ·
<a href="/">The request form</a></p>
</header>
<main>
{articles}
</main>
</body>
</html>
"""


def inbox_route(app: LocalApp, _request: LocalRequest) -> Reply:
    """`GET /_local/inbox`: the page of every message sent, newest first."""
    return Reply(HTTPStatus.OK, page(messages(app.local)).encode(), "text/html; charset=utf-8")
