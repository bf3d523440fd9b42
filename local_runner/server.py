"""The HTTP front door of the local stack: API Gateway for the template's routes, plus `/_local/*`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3

from local_runner.apigw import compile_route, proxy_event, response_parts
from local_runner.stack import LocalStack
from local_runner.template import api_routes

MAX_LOCAL_BODY = 1024 * 1024  # API Gateway takes up to 10 MB; the functions enforce their own limit.

LocalRoute = Callable[["LocalServer", bytes], tuple[int, Any]]


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of clients must queue, not be reset

    def __init__(self, address: tuple[str, int], local: LocalStack) -> None:
        super().__init__(address, _Handler)
        self.local = local
        self.routes = [(method, compile_route(path), path, fn) for method, path, fn in api_routes()]
        self.local_routes: dict[tuple[str, str], LocalRoute] = {
            ("GET", "/_local/requests"): _list_requests,
            ("GET", "/_local/aws"): _aws,
            ("GET", "/_local/emails"): lambda server, _: (HTTPStatus.OK, server.local.sent_emails()),
            ("GET", "/_local/supporters"): _list_supporters,
            ("PUT", "/_local/supporters"): _replace_supporters,
        }

    def add_local_route(self, method: str, path: str, route: LocalRoute) -> None:
        self.local_routes[(method, path)] = route

    def route(self, method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
        for route_method, pattern, template, function in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return function, template, match.groupdict()
        return None


def _list_requests(server: LocalServer, _body: bytes) -> tuple[int, Any]:
    from peer_support.core.dynamodb import from_item

    assert server.local.stack is not None
    table = server.local.stack.refs["RequestsTable"]
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(from_item(item) for item in page["Items"])
    items.sort(key=lambda item: str(item.get("created_at", "")))
    return HTTPStatus.OK, items


def _aws(server: LocalServer, _body: bytes) -> tuple[int, Any]:
    """Where the stack's AWS (moto) answers, and its tables: for the AWS CLI, or a benchmark."""
    assert server.local.stack is not None
    tables = ("RequestsTable", "SupportersTable", "GroupTable", "IdempotencyTable")
    return HTTPStatus.OK, {
        "endpoint_url": server.local.endpoint_url,
        "region": server.local.region,
        **{_snake(name): server.local.stack.refs[name] for name in tables if name in server.local.stack.refs},
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _supporters(server: LocalServer) -> Any:
    from peer_support.supporters.repository import SupportersRepository

    assert server.local.stack is not None
    return SupportersRepository(server.local.stack.refs["SupportersTable"], boto3.client("dynamodb"))


def _list_supporters(server: LocalServer, _body: bytes) -> tuple[int, Any]:
    roster = sorted(_supporters(server).all(), key=lambda s: s.supporter_id)
    return HTTPStatus.OK, [s.model_dump(mode="json", exclude_none=True) for s in roster]


def _replace_supporters(server: LocalServer, body: bytes) -> tuple[int, Any]:
    """Replace the roster with a JSON list of roster objects; open cases are kept for those who stay."""
    from pydantic import TypeAdapter, ValidationError

    from peer_support.entrypoints.api.problems import field_errors
    from peer_support.supporters.models import RosterEntry

    try:
        entries = TypeAdapter(list[RosterEntry]).validate_json(body or b"null")
    except ValidationError as error:
        fields = field_errors(list(error.errors()))
        return HTTPStatus.UNPROCESSABLE_ENTITY, {
            "error": "validation",
            "detail": "Invalid roster.",
            "fields": fields,
        }
    repository = _supporters(server)
    keep = {entry.supporter_id for entry in entries}
    leaving = [s for s in repository.all() if s.supporter_id not in keep]
    busy = sorted(s.supporter_id for s in leaving if s.open_count > 0)
    if busy:
        # Their cases would lose track of the slots they hold; mark them inactive instead.
        detail = f"These supporters still have open cases: {', '.join(busy)}. Keep them, with active false."
        return HTTPStatus.CONFLICT, {"error": "conflict", "detail": detail, "fields": {}}
    repository.upsert(entries)
    repository.remove([s.supporter_id for s in leaving])
    return _list_supporters(server, b"")


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        # The path can hold a signed token; log the method and the route only.
        route = re.sub(r"/(actions|group-registrations)/[^/?]+", r"/\1/…", self.path.split("?")[0])
        print(f"{self.command} {route} {args[1] if len(args) > 1 else ''}", flush=True)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_LOCAL_BODY)) if length else b""

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self) -> None:
        body = self._body()
        path = urlsplit(self.path).path
        local = self.server.local_routes.get((self.command, path))
        if local is not None:
            status, data = local(self.server, body)
            payload = json.dumps(data, indent=2, default=str).encode()
            self._send(status, [("Content-Type", "application/json")], payload)
            return
        found = self.server.route(self.command, path)
        if found is None:
            # What API Gateway answers for a route it does not have.
            self._send(
                HTTPStatus.FORBIDDEN,
                [("Content-Type", "application/json")],
                b'{"message":"Missing Authentication Token"}',
            )
            return
        function, template, params = found
        headers = dict(self.headers.items())
        event = proxy_event(
            self.command, self.path, headers, body, template, params, source_ip=self.client_address[0]
        )
        try:
            result = self.server.local.invoke(function, event)
        except Exception:
            # What API Gateway answers when the function itself fails.
            self._send(
                HTTPStatus.BAD_GATEWAY,
                [("Content-Type", "application/json")],
                b'{"message": "Internal server error"}',
            )
            raise
        status, out_headers, out_body = response_parts(result)
        self._send(status, out_headers, out_body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def __getattr__(self, name: str) -> Any:
        # Any other method (OPTIONS, TRACE, QUERY, …) reaches the routing too, so it is answered as API
        # Gateway answers a method no route declares (403), never with the HTTP server's own 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)
