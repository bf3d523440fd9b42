"""`python -m local_runner.aws --port N`: moto in server mode, in a process of its own.

The handlers and moto each get an interpreter (and a core) of their own: in one process, every AWS call
of every handler waited for the same lock as the handlers themselves. Besides AWS, it answers
`GET /_local/sent-emails?region=R` with the raw messages SES has sent, which only this process holds
(`&with=id`: with their message ids; `&after=N`: only those sent after the first N), and
`GET /_local/sent-sms?region=R` with the text messages SNS has published to phone numbers.
The process ends when its parent does (its stdin closes).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from local_runner.template import ACCOUNT_ID

READY = "aws ready"
SENT_EMAILS = "/_local/sent-emails"
SENT_SMS = "/_local/sent-sms"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def sent_messages(region: str) -> list[dict[str, str]]:
    """Every email SES has sent in `region`, in the order sent, from this process's moto: its message
    id (what SendEmail answered) and its raw MIME text."""
    from moto.ses.models import ses_backends

    sent = list(ses_backends[ACCOUNT_ID][region].sent_messages)
    return [
        {"id": str(message.id), "raw": raw}
        for message in sent
        if (raw := getattr(message, "raw_data", None)) is not None
    ]


def sent_sms(region: str) -> list[dict[str, str]]:
    """Every text message SNS has published to a phone number in `region`, in the order sent, from this
    process's moto: its message id, the number and the text."""
    from moto.sns.models import sns_backends

    published = list(sns_backends[ACCOUNT_ID][region].sms_messages.items())
    return [{"id": message_id, "to": number, "text": text} for message_id, (number, text) in published]


def raw_sent_emails(region: str) -> list[str]:
    """The raw MIME text of every email SES has sent in `region`, from this process's moto."""
    return [message["raw"] for message in sent_messages(region)]


def with_sent_emails(app: WsgiApp) -> WsgiApp:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in (SENT_EMAILS, SENT_SMS):
            return app(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        region = query.get("region", ["ca-central-1"])[0]
        # `with=id`: each as {"id", "raw"}; else the raw texts alone, as before.
        with_ids = query.get("with", [""])[0] == "id"
        if environ.get("PATH_INFO") == SENT_SMS:
            body = json.dumps(sent_sms(region)).encode()
        elif with_ids:
            after = int(query.get("after", ["0"])[0] or 0)
            body = json.dumps(sent_messages(region)[after:]).encode()
        else:
            body = json.dumps(raw_sent_emails(region)).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return serve


def _list_modules_once() -> None:
    """moto's server lists its own package's folders (a directory read and a `stat` each) on every
    request, to tell which service a host names; the list never changes while it runs."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def _exit_with_parent() -> None:
    sys.stdin.read()  # returns once the parent's end of the pipe closes, however the parent ended
    os._exit(0)


def main() -> int:
    parser = argparse.ArgumentParser(description="moto for the local stack")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from local_runner import moto_streams, moto_transactions

    moto_transactions.install()  # else each transaction copies whole tables, and matching crawls
    moto_streams.install()  # else every stream read walks each record against the API's shapes
    _list_modules_once()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log: noise, not news
    app = with_sent_emails(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    print(READY, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
