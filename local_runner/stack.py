"""The local stack: moto in server mode (a process of its own), the template's resources, and the real
handlers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any

from local_runner import lambdas, logs, metrics
from local_runner.template import Stack, api_routes, create_stack, resources_of_type
from local_runner.turns import Turns

REGION = "ca-central-1"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class LocalStack:
    """Everything `make run` brings up, minus the HTTP front door (see `server`)."""

    def __init__(self, region: str = REGION) -> None:
        from peer_support.core import clock

        self.region = region
        # The one clock every handler reads, which `POST /_local/clock` moves.
        self.clock = clock.AdjustableClock()
        clock.use(self.clock)
        self.stack: Stack | None = None
        self._moto: Any = None
        # Lambda runs one event at a time per instance, and each function in a process of its own. Here
        # they share one process, each running one event at a time beside the others (`turns`); what
        # Powertools keeps per process is kept per function (`logs`, `metrics`), but for the resolver's
        # current event, which the API's functions have in common: they take their turns among themselves.
        self._turns = Turns(one_at_a_time={function for _, _, function in api_routes()})
        self._import_lock = threading.Lock()
        self._services: dict[str, str] = {}  # function → its POWERTOOLS_SERVICE_NAME
        logs.install()  # before any handler builds its loggers
        metrics.install()  # and its metrics
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.endpoint_url = ""
        # When each email was sent, by its SES message id, on the one clock (SES keeps no time).
        self.sent_at: dict[str, datetime] = {}
        self._emails: list[tuple[str, dict[str, Any]]] = []  # (message id, parsed), in the order sent
        self._emails_lock = threading.Lock()

    def start(self, parameters: dict[str, str] | None = None) -> LocalStack:
        port = free_port()
        self._moto = _start_aws(port)
        self.endpoint_url = f"http://127.0.0.1:{port}"
        os.environ.update(
            AWS_ENDPOINT_URL=self.endpoint_url,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - moto takes any credentials
            AWS_DEFAULT_REGION=self.region,
            AWS_REGION=self.region,
            AWS_EC2_METADATA_DISABLED="true",
        )
        self._note_sending()
        self.stack = create_stack(region=self.region, endpoint_url=self.endpoint_url, parameters=parameters)
        functions = resources_of_type("AWS::Serverless::Function")
        # Every function's settings, once: they differ only in their service names.
        for function in functions:
            os.environ.update(self.stack.function_environment(function))
        for function in functions:
            # Import each handler with its own service name, as its Lambda instance would; its lines are
            # then that service's (see `logs`).
            self._services[function] = self.stack.function_environment(function).get(
                "POWERTOOLS_SERVICE_NAME", function
            )
            with self._import_lock:
                os.environ["POWERTOOLS_SERVICE_NAME"] = self._services[function]
                lambdas.handler_module(function)
        return self

    def _note_sending(self) -> None:
        """Note the time of every email sent through boto3's default session, which the handlers' clients
        come from: SES records none, and the inbox shows it."""
        import boto3

        from peer_support.core import clock

        def sent(parsed: dict[str, Any], **_: Any) -> None:
            if "MessageId" in parsed:
                self.sent_at[str(parsed["MessageId"])] = clock.now()

        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("after-call.sesv2.SendEmail", sent)
        boto3.DEFAULT_SESSION.events.register("after-call.sns.Publish", sent)

    def invoke(self, function: str, event: dict[str, Any], instance: int = 0) -> Any:
        """Run `function`'s real handler with `event`, as Lambda would, on its instance `instance` (more
        than one runs a function's events at once: a stream's parallelization factor)."""
        with (
            self._turns.turn(function, instance),
            logs.running(self._services[function]),
            metrics.running(f"{function}#{instance}"),
        ):
            return lambdas.invoke(function, event, self.region)

    def run_in_background(self, name: str, target: Callable[[threading.Event], None]) -> None:
        """Start a background loop (stream poller, schedule); it should return once `stopping` is set."""
        thread = threading.Thread(target=target, args=(self._stopping,), name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._moto is not None:
            self._moto.terminate()
            try:
                self._moto.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._moto.kill()

    def sent_emails(self) -> list[dict[str, Any]]:
        """Every email sent so far, in the order sent (see `sent_emails`), asked of the AWS process; with
        `sent_at`, the one clock's time when it was sent (ISO-8601 UTC)."""
        from local_runner.aws import SENT_EMAILS
        from peer_support.core import clock

        # A sent email never changes: each is fetched and parsed once (the inbox and the load benchmark
        # read them all every few seconds, and parsing hundreds of MIME messages each time was a fifth of
        # the stack's work under load). Its time is looked up on every read: it is noted when SendEmail
        # answers, which can be just after the message is in the store.
        with self._emails_lock:
            url = f"{self.endpoint_url}{SENT_EMAILS}?region={self.region}&with=id&after={len(self._emails)}"
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own loopback server
                sent = json.loads(response.read())
            self._emails.extend((message["id"], _parsed_email(message["raw"])) for message in sent)
            emails = list(self._emails)
        return [
            {**parsed, "sent_at": clock.iso(when) if (when := self.sent_at.get(id_)) else ""}
            for id_, parsed in emails
        ]

    def sent_sms(self) -> list[dict[str, Any]]:
        """Every text message sent so far, in the order sent, read from the AWS process's SNS store: `to`,
        `text`, and `sent_at` on the one clock."""
        from local_runner.aws import SENT_SMS
        from peer_support.core import clock

        url = f"{self.endpoint_url}{SENT_SMS}?region={self.region}"
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own loopback server
            sent = json.loads(response.read())
        texts = []
        for message in sent:
            when = self.sent_at.get(message["id"])
            texts.append(
                {"to": message["to"], "text": message["text"], "sent_at": clock.iso(when) if when else ""}
            )
        return texts


def _start_aws(port: int) -> subprocess.Popen[str]:
    """`python -m local_runner.aws` on `port`, once it says it is ready."""
    from local_runner.aws import READY
    from local_runner.template import ROOT

    process = subprocess.Popen(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "local_runner.aws", "--port", str(port)],
        cwd=ROOT,
        stdin=subprocess.PIPE,  # never written: it closes when this process ends, and so ends moto's
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != READY:
        process.kill()
        raise RuntimeError(f"moto did not start: {line.strip() or process.wait()}")
    # Anything more it prints goes nowhere, so it never blocks on a full pipe.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process


def sent_sms(region: str = REGION) -> list[dict[str, str]]:
    """Every text message sent so far, read from this process's moto SNS store: to and text."""
    from local_runner.aws import sent_sms as published

    return [{"to": m["to"], "text": m["text"]} for m in published(region)]


def sent_emails(region: str = REGION) -> list[dict[str, Any]]:
    """Every email sent so far, read from this process's moto SES store: to, subject, text and html."""
    from local_runner.aws import raw_sent_emails

    return [_parsed_email(raw) for raw in raw_sent_emails(region)]


def _parsed_email(raw: str) -> dict[str, Any]:
    from email import message_from_string, policy
    from email.message import EmailMessage

    message = message_from_string(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    return {
        "to": str(message["To"]),
        "subject": str(message["Subject"]).strip(),  # a long subject comes back folded
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
    }
