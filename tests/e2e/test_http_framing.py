"""The local server's framing, with raw sockets: what a hostile or broken client gets.

Each case runs against the session's stack (as `make run` serves it) and against a `LocalServer` of its
own with short timeouts, so that waiting out a silent or trickling client takes seconds.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlsplit

import pytest

from local_runner.server import MAX_LOCAL_BODY, LocalServer
from local_runner.stack import LocalStack

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 1
REQUEST_SECONDS = 1.5
# How long the short-timeout server may take to close: its timeout, plus its sweep interval and slack.
CLOSED_WITHIN = 5.0


@pytest.fixture(scope="module")
def quick_server() -> Iterator[tuple[str, int]]:
    """A local server with one-second timeouts; its routes never reach a function in these tests."""
    server = LocalServer(
        ("127.0.0.1", 0),
        cast(LocalStack, object()),
        idle_seconds=IDLE_SECONDS,
        request_seconds=REQUEST_SECONDS,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(params=["make run", "short timeouts"])
def address(request: pytest.FixtureRequest) -> tuple[str, int]:
    if request.param == "make run":
        parts = urlsplit(request.getfixturevalue("local_url"))
        return str(parts.hostname), int(parts.port or 80)
    return cast(tuple[str, int], request.getfixturevalue("quick_server"))


def read_all(sock: socket.socket, seconds: float = 5.0) -> tuple[bytes, bool]:
    """Everything the server sends until it closes; and whether it closed (rather than went quiet)."""
    sock.settimeout(seconds)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        return received, False
    except ConnectionResetError:
        pass
    return received, True


def send_to_a_closed_peer(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        sock.sendall(data)


def responses(received: bytes) -> list[tuple[int, Any]]:
    """(status, JSON body) of each response in `received` (each answer here carries a length)."""
    found = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        headers = dict(
            line.decode().lower().split(": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
        )
        length = int(headers.get("content-length", "0"))
        body, received = rest[:length], rest[length:]
        found.append((status, json.loads(body) if body else None))
    return found


def exchange(address: tuple[str, int], data: bytes) -> tuple[list[tuple[int, Any]], bool]:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(data)
        received, closed = read_all(sock)
    return responses(received), closed


def test_a_body_over_the_limit_is_refused_and_what_it_hides_is_never_answered(
    address: tuple[str, int],
) -> None:
    smuggled = b"GET /_local/requests HTTP/1.1\r\nHost: localhost\r\n\r\n"
    head = (
        "POST /requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Content-Length: {MAX_LOCAL_BODY + len(smuggled)}\r\n\r\n"
    ).encode()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(head)
        # The refusal comes on the headers alone, and the connection closes: the body is never read.
        received, closed = read_all(sock)
        assert closed
        # Whatever the client sends now goes nowhere (the socket may well refuse it).
        send_to_a_closed_peer(sock, b"{" + b" " * (MAX_LOCAL_BODY - 2) + b"}" + smuggled)
        late, _ = read_all(sock, seconds=1)

    [(status, body)] = responses(received)
    assert late == b""
    assert status == 413
    assert set(body) == {"error", "detail", "fields"}


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", "0x10", ""])
def test_a_content_length_that_is_not_a_number_of_bytes_is_refused(
    address: tuple[str, int], length: str
) -> None:
    request = f"POST /requests HTTP/1.1\r\nHost: localhost\r\nContent-Length: {length}\r\n\r\n{{}}"

    answers, closed = exchange(address, request.encode())

    [(status, body)] = answers
    assert status == 400
    assert body["error"] == "malformed"
    assert set(body) == {"error", "detail", "fields"}
    assert closed


def test_a_request_within_the_limit_is_served_and_the_next_one_on_the_connection_too(
    address: tuple[str, int],
) -> None:
    one = b"GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n"
    two = b"DELETE /elsewhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

    answers, closed = exchange(address, one + two)

    # Both answered as the template's gateway responses answer a route API Gateway does not have.
    assert [status for status, _ in answers] == [404, 404]
    assert closed


def test_a_silent_client_is_disconnected(quick_server: tuple[str, int]) -> None:
    started = time.monotonic()
    with socket.create_connection(quick_server) as sock:
        received, closed = read_all(sock, seconds=CLOSED_WITHIN)
    assert closed
    assert received == b""
    assert time.monotonic() - started < CLOSED_WITHIN


def test_a_client_trickling_a_request_is_disconnected_and_others_are_served_meanwhile(
    quick_server: tuple[str, int],
) -> None:
    started = time.monotonic()
    with socket.create_connection(quick_server) as slow:
        slow.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n")
        closed = False
        while time.monotonic() - started < CLOSED_WITHIN and not closed:
            # Never idle for long, never done: one byte of a header every fifth of a second.
            try:
                slow.sendall(b"X")
            except OSError:
                closed = True
                break
            slow.settimeout(0.2)
            try:
                closed = slow.recv(1024) == b""
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed = True
            # Meanwhile another client is answered.
            other, _ = exchange(quick_server, b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert [status for status, _ in other] == [404]
    assert closed
    assert REQUEST_SECONDS <= time.monotonic() - started < CLOSED_WITHIN
