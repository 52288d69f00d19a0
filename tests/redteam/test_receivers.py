"""Webhook receivers that misbehave on the wire: raw TCP servers in the test's loop answer
with endless or oversized heads, bad lengths, garbage chunks, endless bodies, half answers
or nothing at all. Each attempt ends promptly as a recorded failure (or, past the body cap,
with the status it got), the connection is not reused, and nothing grows without bound:
no memory, no sockets, no slot another receiver needs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.webhooks import http1, http1_answer, transport

COMPLETED = "+15005550006"
BUSY = "+15005550001"  # queued, then call.busy
DEADLINE = 20.0  # seconds: generous, the machine is shared
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


class RawServer:
    """Reads each request whole, then lets ``behave`` answer; it returns True to keep the connection."""

    def __init__(self, behave: Behaviour) -> None:
        self.behave = behave
        self.requests = 0
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self) -> RawServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                self.requests += 1
                if not await self.behave(reader, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()


@pytest.fixture
def config() -> Config:
    return Config(webhook_timeout=5.0)


@pytest.fixture
async def emulator(config: Config) -> AsyncIterator[Emulator]:
    emulator = Emulator(config)
    yield emulator
    await asyncio.wait_for(emulator.dispatcher.finish(), DEADLINE)
    await emulator.transport.aclose()


@pytest.fixture
async def serve(emulator: Emulator) -> AsyncIterator[Callable[[Behaviour], Awaitable[RawServer]]]:
    """``await serve(behaviour)``: a started RawServer; all are closed before the emulator stops."""
    started: list[RawServer] = []

    async def make(behave: Behaviour) -> RawServer:
        started.append(await RawServer(behave).start())
        return started[-1]

    yield make
    for server in started:
        await server.close()


def answer(raw: bytes, keep: bool = False) -> Behaviour:
    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(raw)
        await writer.drain()
        if not keep:
            await reader.read()  # hold the connection until the client gives up on it
        return keep

    return behave


async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    await reader.read()  # never answers
    return False


def stream(first: bytes, piece: bytes, limit: int = 64 * 1024 * 1024) -> Behaviour:
    """Writes ``first``, then ``piece`` over and over (up to ``limit`` bytes) while the client reads."""

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(first)
        sent = 0
        while sent < limit:
            writer.write(piece.replace(b"#", str(sent).encode()))
            sent += len(piece)
            await writer.drain()
        await reader.read()
        return False

    return behave


async def post(client: httpx.AsyncClient, path: str, body: Any, status: int = 201) -> Any:
    r = await client.post(path, json=body)
    assert r.status_code == status, r.text
    return r.json()


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text


async def attempts(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await client.get("/_emulator/deliveries", params={"limit": 10_000})
    assert r.status_code == 200, r.text
    return list(reversed(r.json()["data"]))


async def agent_for(api: Any, url: str) -> dict[str, Any]:
    return await api.agent(webhook_url=url)


async def one_attempt(client: httpx.AsyncClient, api: Any, url: str) -> dict[str, Any]:
    """Call ``url``'s receiver once (call.queued to a busy number) and return the attempt."""
    await api.call((await agent_for(api, url))["id"], BUSY)
    await advance(client, 0)
    # Recorded once advance returns: an attempt still in flight after the manual clock's bounded
    # wait would not be listed, and one the webhook timeout ended would say so in its error.
    [attempt] = await attempts(client)
    return attempt


async def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        assert time.monotonic() < deadline, f"still not {what} after {DEADLINE} s"
        await asyncio.sleep(0.02)


def sockets_to(ports: set[int], state: str) -> int:
    """Loopback TCP sockets (any process, this namespace) whose remote port is one of ``ports``."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].rsplit(":", 1)[1], 16) in ports and fields[3] == state:
            count += 1
    return count


ESTABLISHED, CLOSE_WAIT = "01", "08"


async def test_endless_header_lines_end_the_attempt_at_the_head_cap(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    server = await serve(stream(b"HTTP/1.1 200 OK\r\n", b"X-Filler-#: " + b"f" * 40 + b"\r\n"))
    attempt = await one_attempt(client, api, server.url)
    assert (attempt["response_status"], attempt["error"]) == (None, "answer has over 100 header lines")


async def test_one_endless_header_line_ends_the_attempt_at_the_head_cap(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    server = await serve(stream(b"HTTP/1.1 200 OK\r\nX-Big: ", b"b" * 4096))
    attempt = await one_attempt(client, api, server.url)
    assert (attempt["response_status"], attempt["error"]) == (None, f"answer head over {http1_answer.MAX_HEAD} bytes")


async def test_endless_interim_answers_end_at_the_head_cap(client: httpx.AsyncClient, api: Any, serve: Any) -> None:
    server = await serve(stream(b"", b"HTTP/1.1 100 Continue\r\n\r\n"))
    attempt = await one_attempt(client, api, server.url)
    assert (attempt["response_status"], attempt["error"]) == (None, f"answer head over {http1_answer.MAX_HEAD} bytes")


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        (b"Content-Length: -5", "Invalid character in Content-Length"),
        (b"Content-Length: 2\r\nContent-Length: 3", "Duplicate Content-Length"),
        (b"Content-Length: two", "Invalid character in Content-Length"),
        (b"Transfer-Encoding: chunked\r\n\r\nzz", "Invalid character in chunk size"),
    ],
)
async def test_a_bad_length_fails_the_attempt_and_the_connection_is_not_reused(
    client: httpx.AsyncClient, api: Any, serve: Any, head: bytes, problem: str
) -> None:
    server = await serve(answer(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n\r\nok", keep=True))
    attempt = await one_attempt(client, api, server.url)
    assert attempt["response_status"] is None
    assert attempt["error"] == f"invalid HTTP answer: {problem}"

    await advance(client, 100)  # call.busy, and the first retry of call.queued
    assert server.requests >= 3
    assert server.connections == server.requests  # each on a fresh connection: none was pooled
    assert [a["error"] for a in await attempts(client)] == [attempt["error"]] * server.requests


async def test_a_half_answer_then_a_close_is_a_failed_attempt(client: httpx.AsyncClient, api: Any, serve: Any) -> None:
    async def half(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        await writer.drain()
        return False  # closes the connection mid-body

    attempt = await one_attempt(client, api, (await serve(half)).url)
    assert (attempt["response_status"], attempt["error"]) == (
        None,
        "connection closed by the receiver in the middle of the answer",
    )


async def test_an_answer_cut_off_before_its_head_ends_is_a_failed_attempt(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Le")
        await writer.drain()
        return False

    attempt = await one_attempt(client, api, (await serve(cut)).url)
    assert attempt["error"] == "connection closed by the receiver in the middle of the answer"


@pytest.mark.parametrize("framing", ["chunked", "length", "close"])
async def test_an_endless_body_is_cut_at_the_cap_the_status_stands_and_the_connection_goes(
    client: httpx.AsyncClient, api: Any, serve: Any, framing: str
) -> None:
    heads = {
        "chunked": b"Transfer-Encoding: chunked\r\n\r\n",
        "length": b"Content-Length: 999999999999\r\n\r\n",
        "close": b"\r\n",
    }
    piece = b"1000\r\n" + b"x" * 4096 + b"\r\n" if framing == "chunked" else b"x" * 4096
    server = await serve(stream(b"HTTP/1.1 200 OK\r\n" + heads[framing], piece))
    attempt = await one_attempt(client, api, server.url)
    assert (attempt["response_status"], attempt["error"]) == (200, None)
    assert len(attempt["response_body"]) == 2048  # the kept start
    assert attempt["response_body"].strip("x\r\n0123456789") == ""
    await advance(client, 100)  # call.busy goes out on a new connection
    assert server.connections == 2


async def test_bytes_a_receiver_sends_unasked_retire_its_pooled_connection(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    async def chatty(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        writer.write(OK + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")  # an answer nobody asked for
        await writer.drain()
        return True

    server = await serve(chatty)
    await api.call((await agent_for(api, server.url))["id"], COMPLETED)
    await advance(client, 120)
    assert [a["error"] for a in await attempts(client)] == [None] * 4
    assert server.connections == 4  # never reused: the stray answer would have been read as the next one


async def test_receivers_that_go_away_leave_no_socket_in_close_wait(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    servers = [await serve(answer(OK, keep=True)) for _ in range(12)]
    for server in servers:
        await api.call((await agent_for(api, server.url))["id"], BUSY)
    await advance(client, 0)
    ports = {s.port for s in servers}
    assert sockets_to(ports, ESTABLISHED) == 12  # pooled, one per receiver

    for server in servers:  # every receiver goes away
        await server.close()
    await eventually(lambda: sockets_to(ports, ESTABLISHED) + sockets_to(ports, CLOSE_WAIT) == 0, "closed on our side")


async def test_the_pool_keeps_at_most_its_cap_of_idle_connections(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    servers = [await serve(answer(OK, keep=True)) for _ in range(http1.MAX_IDLE + 16)]
    agent = await api.agent(webhook_url=servers[0].url)
    for server in servers:
        await post(client, "/v1/webhook_endpoints", {"url": server.url, "enabled_events": ["call.queued"]})
    await api.call(agent["id"], BUSY)
    await advance(client, 0)
    assert sum(s.requests for s in servers) == len(servers) + 1
    ports = {s.port for s in servers}
    await eventually(lambda: sockets_to(ports, ESTABLISHED) <= http1.MAX_IDLE, "down to the pool cap")


async def test_idle_pooled_connections_are_closed_after_the_idle_timeout(
    client: httpx.AsyncClient, api: Any, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http1, "IDLE_TIMEOUT", 0.2)
    monkeypatch.setattr(http1, "SWEEP_EVERY", 0.1)
    server = await serve(answer(OK, keep=True))
    await api.call((await agent_for(api, server.url))["id"], BUSY)
    await advance(client, 0)
    assert sockets_to({server.port}, ESTABLISHED) == 1
    await eventually(lambda: sockets_to({server.port}, ESTABLISHED) == 0, "closed when idle")
    await advance(client, 100)  # the receiver is still there: the next event opens a new connection
    assert (server.connections, server.requests) == (2, 2)


# A webhook timeout far beyond the manual clock's bounded wait (2 s without a finished attempt):
# an attempt still in flight after advance proves advance did not wait it out, however loaded
# the machine is (a wall-clock bound below a 5 s timeout did not hold on two busy cores).
PATIENT = pytest.mark.parametrize("config", [Config(webhook_timeout=120.0)])


@PATIENT
async def test_a_receiver_that_never_answers_cannot_take_every_slot(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    dead = await serve(hold)
    good = await serve(answer(OK, keep=True))
    for n in range(70):  # more attempts to the dead receiver at one instant than there are slots in all
        await post(client, "/v1/webhook_endpoints", {"url": f"{dead.url}/{n}", "enabled_events": ["call.queued"]})
    await api.call((await agent_for(api, good.url))["id"], BUSY)

    await advance(client, 0)
    assert good.requests == 1  # answered while the dead receiver's attempts are still held
    assert 1 <= dead.connections <= transport.PER_ORIGIN < transport.MAX_IN_FLIGHT  # its share, no more
    [attempt] = await attempts(client)
    assert (attempt["url"], attempt["response_status"], attempt["late"]) == (good.url, 200, False)


@PATIENT
async def test_the_manual_clock_waits_a_bounded_time_for_a_hung_attempt_which_lands_late(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    dead = await serve(hold)
    await post(client, "/v1/webhook_endpoints", {"url": dead.url, "enabled_events": ["call.queued"]})
    await api.call((await api.agent())["id"], BUSY)
    clock = (await client.get("/_emulator/clock")).json()

    await advance(client, 30)
    await advance(client, 30)
    assert dead.requests == 1
    assert await attempts(client) == []  # still in flight: no advance waited out the webhook timeout

    for writer in dead.writers:  # the receiver hangs up: the attempt ends, late
        writer.close()
    deadline = time.monotonic() + DEADLINE
    while not (log := await attempts(client)):
        assert time.monotonic() < deadline, "the late attempt never landed"
        await asyncio.sleep(0.02)
    [attempt] = log
    assert attempt["late"] is True
    assert attempt["error"] == "connection closed by the receiver without an answer"
    assert attempt["sent_at"] == clock["now"]
    [row] = (await client.get("/v1/webhook_deliveries")).json()["data"]
    assert (row["status"], row["attempt_count"]) == ("pending", 1)
    sent = _ts(attempt["sent_at"])
    assert 48 <= _ts(row["next_attempt_at"]) - sent <= 72  # 1 min +-20 % after it was sent, not after it landed


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


async def test_a_pooled_connection_the_receiver_dropped_unannounced_is_retried_once_on_a_new_one(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    answered: set[asyncio.StreamWriter] = set()

    async def once_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        if writer in answered:
            return False  # the second request on a connection: closed unanswered
        answered.add(writer)
        writer.write(OK)
        await writer.drain()
        return True

    server = await serve(once_per_connection)
    await api.call((await agent_for(api, server.url))["id"], BUSY)
    await advance(client, 100)  # call.queued, then call.busy on the pooled connection
    assert [(a["response_status"], a["error"]) for a in await attempts(client)] == [(200, None)] * 2
    assert (server.connections, server.requests) == (2, 3)


@PATIENT
async def test_run_until_idle_with_a_dead_receiver_costs_one_bounded_wait_not_a_timeout_per_attempt(
    client: httpx.AsyncClient, api: Any, serve: Any
) -> None:
    dead = await serve(hold)
    agent = await agent_for(api, dead.url)
    for _ in range(5):
        await api.call(agent["id"], BUSY)

    r = await client.post("/_emulator/clock/run_until_idle", json={"max_seconds": 3 * 86400})
    assert r.status_code == 200, r.text
    assert dead.requests == 5  # call.queued of each call; call.busy waits behind it in the call's lane
    assert await attempts(client) == []  # all five still in flight: none was waited out
