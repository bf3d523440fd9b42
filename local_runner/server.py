"""The HTTP front door of the local stack: API Gateway for the template's routes, plus `/_local/*`.

`LocalApp` is a WSGI application; `LocalServer` serves it with waitress, which frames every request
strictly: a `Content-Length` that is not a number of bytes is a 400, a body over `MAX_LOCAL_BODY` a 413
that closes the connection (so nothing after it is ever read as a request of its own), and a request is
buffered whole before a worker thread sees it. Connections that stay silent, or take too long to send a
request, are closed. Every error it answers has the contract's shape.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlsplit

import boto3
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask

from local_runner.apigw import compile_route, proxy_event, response_parts
from local_runner.template import api_routes, gateway_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from local_runner.stack import LocalStack

MAX_LOCAL_BODY = 1024 * 1024  # API Gateway takes up to 10 MB; the functions enforce their own limit.
IDLE_SECONDS = 30  # a connection with nothing to say for this long is closed
REQUEST_SECONDS = 30  # a request (headers and body) must arrive within this long of its first byte
THREADS = 8

# Headers a WSGI application may not set (PEP 3333), and the length, which the server sets.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


@dataclass(frozen=True)
class LocalRequest:
    """One HTTP request as the local routes see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[-1]

    @property
    def base_url(self) -> str:
        """Where this server was reached, for links back to it."""
        return f"http://{self.headers.get('Host', 'localhost')}"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_reply(status: int, data: Any) -> Reply:
    return Reply(status, json.dumps(data, indent=2, default=str).encode())


def error_reply(status: int, error: str, detail: str, fields: dict[str, str] | None = None) -> Reply:
    """The contract's error shape: `{"error", "detail", "fields"}`."""
    return json_reply(status, {"error": error, "detail": detail, "fields": fields or {}})


LocalRoute = Callable[["LocalApp", LocalRequest], Reply]


class LocalApp:
    """API Gateway for the template's routes, and the local routes, as one WSGI application."""

    def __init__(self, local: LocalStack) -> None:
        from local_runner.aws_access import aws_route
        from local_runner.inbox import inbox_route
        from local_runner.supporters import list_supporters, replace_supporters

        self.local = local
        self.routes = [(method, compile_route(path), path, fn) for method, path, fn in api_routes()]
        self.local_routes: dict[tuple[str, str], LocalRoute] = {
            ("GET", "/_local/requests"): _list_requests,
            ("GET", "/_local/aws"): aws_route,
            ("GET", "/_local/emails"): lambda app, _: json_reply(HTTPStatus.OK, app.local.sent_emails()),
            ("GET", "/_local/sms"): lambda app, _: json_reply(HTTPStatus.OK, app.local.sent_sms()),
            ("GET", "/_local/inbox"): inbox_route,
            ("GET", "/_local/supporters"): list_supporters,
            ("PUT", "/_local/supporters"): replace_supporters,
        }

    def add_local_route(self, method: str, path: str, route: LocalRoute) -> None:
        self.local_routes[(method, path)] = route

    def route(self, method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
        for route_method, pattern, template, function in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return function, template, match.groupdict()
        return None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # The path as sent, never decoded: a link's token must reach the function exactly as spelled.
        raw_path = str(environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/")
        method = str(environ["REQUEST_METHOD"])
        length = int(environ.get("CONTENT_LENGTH") or 0)  # waitress has checked it is a number
        request = LocalRequest(
            method=method,
            path=urlsplit(raw_path).path or "/",
            query=parse_qs(urlsplit(raw_path).query, keep_blank_values=True),
            headers=_headers(environ),
            body=environ["wsgi.input"].read(length) if length else b"",
        )
        try:
            reply = self.handle(request, raw_path, str(environ.get("REMOTE_ADDR", "127.0.0.1")))
        except Exception as error:
            # What API Gateway answers when the function itself fails; the log names the failure only.
            print(f"{method} {loggable(request.path)} failed: {type(error).__name__}", flush=True)
            reply = _gateway("INTEGRATION_FAILURE")
        print(f"{method} {loggable(request.path)} {reply.status}", flush=True)
        headers = [(k, v) for k, v in reply.headers if k.lower() not in _HOP_BY_HOP | {"content-type"}]
        headers += [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))]
        start_response(f"{reply.status} {_phrase(reply.status)}", headers)
        return [b"" if method == "HEAD" else reply.body]

    def handle(self, request: LocalRequest, raw_path: str, source_ip: str) -> Reply:
        local = self.local_routes.get((request.method, request.path))
        if local is not None:
            return local(self, request)
        found = self.route(request.method, request.path)
        if found is None:
            # What API Gateway answers for a route (or a method) it does not have.
            return _gateway("MISSING_AUTHENTICATION_TOKEN")
        function, template, params = found
        event = proxy_event(
            request.method, raw_path, request.headers, request.body, template, params, source_ip=source_ip
        )
        status, out_headers, out_body = response_parts(self.local.invoke(function, event))
        content_type = next((v for k, v in out_headers if k.lower() == "content-type"), "application/json")
        return Reply(status, out_body, content_type, out_headers)


def _gateway(kind: str) -> Reply:
    """API Gateway's own answer of `kind`, restyled as the template says."""
    status, headers, body = gateway_response(kind)
    return Reply(status, body, "application/json", list(headers.items()))


def loggable(path: str) -> str:
    """The path with any signed token left out: log the route, never the link."""
    return re.sub(r"/(actions|group-registrations)/[^/?]+", r"/\1/…", path)


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        headers["-".join(part.capitalize() for part in name.split("_"))] = str(value)
    return headers


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# -- the local routes ---------------------------------------------------------------------------------


def _list_requests(app: LocalApp, _request: LocalRequest) -> Reply:
    from peer_support.core.dynamodb import from_item

    assert app.local.stack is not None
    table = app.local.stack.refs["RequestsTable"]
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(from_item(item) for item in page["Items"])
    items.sort(key=lambda item: str(item.get("created_at", "")))
    return json_reply(HTTPStatus.OK, items)


# -- the server ---------------------------------------------------------------------------------------

_ERROR_CODES = {400: "malformed", 413: "too_large", 431: "malformed", 501: "not_implemented"}


class _ContractErrorTask(ErrorTask):
    """waitress's answer to a request it cannot frame (400, 413, ...), in the contract's shape."""

    def execute(self) -> None:
        error: Any = cast(Any, self.request).error
        body = json.dumps(
            {
                "error": _ERROR_CODES.get(error.code, "malformed"),
                "detail": f"{error.reason}: {error.body}.",  # waitress's own words, never the request's
                "fields": {},
            }
        ).encode()
        self.status = f"{error.code} {error.reason}"
        cast(list[tuple[str, str]], self.response_headers).append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    error_task_class = _ContractErrorTask
    # When the first byte of the request still being received arrived (None between requests).
    partial_since: float | None = None

    def received(self, data: bytes) -> bool:
        result = super().received(data)
        if self.request is None:
            self.partial_since = None
        elif self.partial_since is None:
            self.partial_since = time.time()
        return result


class _Server(TcpWSGIServer):
    channel_class = _Channel
    request_seconds: float = REQUEST_SECONDS

    def maintenance(self, now: float) -> None:
        """waitress closes connections idle for `channel_timeout`; this also closes one that trickles a
        request in for longer than `request_seconds` (a slow loris), though it is never idle."""
        super().maintenance(now)  # type: ignore[arg-type]  # waitress passes time.time()
        cutoff = now - self.request_seconds
        for channel in cast(dict[int, _Channel], self.active_channels).values():
            started = channel.partial_since
            if not channel.requests and started is not None and started < cutoff:
                channel.will_close = True


class LocalServer:
    """`LocalApp` served by waitress on `address` until `shutdown`."""

    def __init__(
        self,
        address: tuple[str, int],
        local: LocalStack,
        *,
        idle_seconds: int = IDLE_SECONDS,
        request_seconds: float = REQUEST_SECONDS,
        threads: int = THREADS,
    ) -> None:
        self.app = LocalApp(local)
        host, port = address
        adjustments = Adjustments(
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_LOCAL_BODY + 1,  # waitress refuses a body of this size or more
            channel_timeout=idle_seconds,
            cleanup_interval=max(1, min(idle_seconds, int(request_seconds)) // 2),
            clear_untrusted_proxy_headers=False,  # pass the client's headers on, as API Gateway does
            log_socket_errors=False,  # a client that goes away is not news
            ident="",
        )
        self._map: dict[int, Any] = {}
        self._server = _Server(self.app, self._map, adj=adjustments)
        self._server.request_seconds = request_seconds
        self._serving = threading.Event()
        self._stopped = threading.Event()
        # waitress warns whenever requests queue for a worker: under load that is expected, not news.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    @property
    def server_address(self) -> tuple[str, int]:
        server: Any = self._server  # the stubs leave these out
        return str(server.effective_host), int(server.effective_port)

    def add_local_route(self, method: str, path: str, route: LocalRoute) -> None:
        self.app.add_local_route(method, path, route)

    def serve_forever(self) -> None:
        self._serving.set()
        try:
            self._server.run()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Close the listening socket and every connection, and stop the worker threads."""
        if self._serving.is_set():
            # The loop closes its own sockets, on its own thread, then ends for want of any.
            trigger: Any = self._server.trigger
            trigger.pull_trigger(lambda: wasyncore.close_all(self._map))
            self._stopped.wait(5)
        else:
            wasyncore.close_all(self._map)
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
