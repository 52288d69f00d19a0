"""Slow and vanishing clients on real sockets: headers and bodies have read deadlines, so idle and
half-sent connections cannot pile up and starve real requests; a client that leaves mid-body is
not a server error (no traceback in the log)."""

from __future__ import annotations

import contextlib
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from up_process import Up, Ups

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

KEY = "sk_test_emulator"
TIMEOUT = 1.5  # the server's header and body timeouts in these tests
DEADLINE = 30.0  # how long the test waits for what must happen (generous: the machine is shared)
HALF = b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(Emulator(Config(header_timeout=TIMEOUT, body_timeout=TIMEOUT))) as running:
        yield running


def _connect(server: ServerThread) -> socket.socket:
    parts = urlsplit(server.base_url)
    return socket.create_connection((parts.hostname, parts.port), timeout=DEADLINE)


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or DEADLINE passes: then fail)."""
    sock.settimeout(DEADLINE)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except TimeoutError:
        raise AssertionError(f"the server kept the connection open for {DEADLINE} s; got {answer[:200]!r}") from None
    return answer


def test_half_sent_and_silent_connections_are_closed_while_real_requests_go_on(server: ServerThread) -> None:
    opened = time.monotonic()
    half = [_connect(server) for _ in range(40)]
    silent = [_connect(server) for _ in range(20)]
    for sock in half:
        sock.sendall(HALF)
    try:
        # Meanwhile, real requests are answered at once (new connections, and the API).
        for _ in range(5):
            assert httpx.get(server.base_url + "/_emulator/health", timeout=10).status_code == 200
        r = httpx.get(server.base_url + "/v1/numbers", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
        assert r.status_code == 200
        answers = [_read_until_closed(sock) for sock in half]
        quiet = [_read_until_closed(sock) for sock in silent]
        took = time.monotonic() - opened
    finally:
        for sock in half + silent:
            sock.close()
    for answer in answers:  # a client that began a request is told why
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b'"error"' in answer and b"headers" in answer
    assert quiet == [b""] * len(silent)  # an idle one is just closed
    assert took >= TIMEOUT * 0.9, f"closed after {took:.2f} s: before the timeout, not by it"


def test_a_trickling_client_is_closed_at_the_deadline_however_often_it_sends(server: ServerThread) -> None:
    sock = _connect(server)
    started = time.monotonic()
    sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n")
    sock.settimeout(0.2)  # the pace of the trickle: one header byte each time nothing came back
    answer = b""
    try:
        while time.monotonic() - started < DEADLINE:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                sock.sendall(b"X")
                continue
            if not chunk:
                break
            answer += chunk
        else:
            raise AssertionError(f"a trickling client held the connection for {DEADLINE} s")
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed while it was still sending
    finally:
        sock.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer[:200]


def test_a_kept_alive_connection_gets_the_same_deadline_for_its_next_request(server: ServerThread) -> None:
    sock = _connect(server)
    try:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 "), first[:200]
        sock.sendall(HALF)
        assert _read_until_closed(sock).startswith(b"HTTP/1.1 408 ")
    finally:
        sock.close()


def test_endless_headers_get_431_while_big_bodies_and_fair_headers_pass(server: ServerThread) -> None:
    sock = _connect(server)
    try:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n")
        try:
            for _ in range(64):  # 4 MiB of headers, as fast as the socket takes them
                sock.sendall(b"X-Pad: " + b"a" * 65_000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while still sending
        answer = _read_until_closed(sock)
    except ConnectionResetError:
        answer = b""  # the answer was lost in the reset; the connection is closed all the same
    finally:
        sock.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    # Headers of a fair size and a body much larger than the header cap, sent in one go, are served.
    fair = {f"X-Fair-{i}": "b" * 100 for i in range(60)}
    assert httpx.get(server.base_url + "/_emulator/health", headers=fair, timeout=10).status_code == 200
    body = b"z" * 900_000
    r = httpx.post(
        server.base_url + "/_emulator/sinks/big",
        content=body,
        timeout=30,
        headers={"content-type": "application/octet-stream"},
    )
    assert r.status_code == 200, r.text[:200]


def test_a_stalled_body_gets_408_and_changes_nothing(server: ServerThread) -> None:
    before = httpx.get(server.base_url + "/_emulator/orgs", timeout=10).json()
    sock = _connect(server)
    try:
        sock.sendall(
            b"POST /_emulator/orgs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"name": "Slo'
        )
        answer = _read_until_closed(sock)  # and closed: the rest of the body is not read as a request
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    body = answer.partition(b"\r\n\r\n")[2]
    assert body.startswith(b'{"error":') and b"request body" in body
    assert httpx.get(server.base_url + "/_emulator/orgs", timeout=10).json() == before


@pytest.mark.parametrize(
    "dialect, key, path, shape",
    [
        ("callingbox", "sk_test_emulator", "/v1/calls", b'{"error":'),
        ("voxbridge", "sk_live_emulator", "/v1/calls/outbound", b'{"detail":'),
    ],
)
def test_a_stalled_api_body_gets_408_in_the_dialects_shape_and_the_connection_closes(
    dialect: str, key: str, path: str, shape: bytes
) -> None:
    """The dialect renders the 408 of its own routes; closing the connection after it is the
    shared error handler's, whichever shape the answer has."""
    emulator = Emulator(Config(dialect=dialect, header_timeout=TIMEOUT, body_timeout=TIMEOUT))
    with ServerThread(emulator) as running:
        sock = _connect(running)
        try:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {key}\r\n".encode()
                + b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"to": "+1'
            )
            answer = _read_until_closed(sock)  # closed: the rest of the body is not read as a request
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert answer.partition(b"\r\n\r\n")[2].startswith(shape), answer[:300]
        assert b"connection: close" in answer.partition(b"\r\n\r\n")[0].lower()
        assert len(emulator.default_org.calls) == 0


def _up(start: Ups, *args: str, soft: int = 256, hard: int | None = None) -> Up:
    """`up` on a free port under an open-files limit of ``soft`` (and ``hard``), once its banner is out."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard or resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    return start("--port", "0", *args, preexec_fn=limit).ready()


@pytest.fixture
def up(start: Ups) -> Up:
    """`up` with short timeouts and a low soft open-files limit."""
    return _up(start, "--header-timeout", str(TIMEOUT), "--body-timeout", str(TIMEOUT))


def _vanish(base: str, head: bytes) -> None:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        # Wait until the server is reading the body (its answer would come after it), then leave.
        sock.settimeout(0.3)
        with contextlib.suppress(TimeoutError):
            sock.recv(1)


def test_clients_that_vanish_or_stall_mid_body_leave_no_traceback(up: Up) -> None:
    base = up.base_url
    heads = [
        b"POST /v1/calls HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + KEY.encode()
        + b'\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"agent_id": ',
        b"POST /_emulator/orgs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b'Content-Length: 500\r\n\r\n{"na',
        b"PUT /_emulator/state HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"ver\r\n',
        b"POST /_emulator/sinks/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500\r\n\r\nhalf",
    ]
    for head in heads:
        _vanish(base, head)
    # A stalled body (408 after the timeout) and a half-sent header, abandoned.
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=DEADLINE) as stalled:
        stalled.sendall(heads[1])
        assert _read_until_closed(stalled).startswith(b"HTTP/1.1 408 ")
    with socket.create_connection((parts.hostname, parts.port), timeout=DEADLINE) as half:
        half.sendall(HALF)
        assert _read_until_closed(half).startswith(b"HTTP/1.1 408 ")
    assert httpx.get(base + "/_emulator/health", timeout=10).status_code == 200
    journal = httpx.get(base + "/_emulator/requests", timeout=10).json()["data"]
    vanished = [e for e in journal if e["path"] == "/v1/calls"]
    assert vanished and vanished[0]["status"] is None and "disconnected" in vanished[0]["error"]
    assert up.stop() == 0
    log = up.stderr()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log


def test_up_raises_its_open_files_limit(up: Up) -> None:
    """At a 1,024 (here: 256) soft limit a few hundred idle sockets would starve every real request."""
    limits = Path(f"/proc/{up.proc.pid}/limits").read_text()
    soft, hard = next(line.split()[3:5] for line in limits.splitlines() if line.startswith("Max open files"))
    assert soft == hard, limits


def test_a_flood_of_half_sent_connections_cannot_exhaust_the_descriptors(start: Ups) -> None:
    """The issue's attack: far more slowloris connections than the open-files limit (here a hard 256),
    with a header timeout too long to help. The connections that waited longest make room, so real
    requests are still answered, at once."""
    up = _up(start, "--header-timeout", "600", soft=256, hard=256)
    base = up.base_url
    parts = urlsplit(base)
    flood = []
    try:
        for _ in range(600):
            sock = socket.create_connection((parts.hostname, parts.port), timeout=DEADLINE)
            sock.sendall(HALF)
            flood.append(sock)
        for _ in range(5):
            assert httpx.get(base + "/_emulator/health", timeout=10).status_code == 200
        still_open = 0
        for sock in flood:
            sock.setblocking(False)
            try:
                still_open += sock.recv(1) != b""
            except BlockingIOError:
                still_open += 1  # nothing to read and not closed
            except OSError:
                pass
    finally:
        for sock in flood:
            sock.close()
    assert 16 <= still_open < 256, still_open  # some kept (no blanket refusal), never past the limit
    assert "Traceback" not in up.stderr()
