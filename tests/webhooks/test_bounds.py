"""Bounds on what webhooks keep and where they may go: the attempt log caps bytes as well as
entries (and says when it cut a body), and strict webhook URLs read numeric hosts the way
the OS resolver does before judging them private."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.webhooks import transport
from emulator.webhooks.log import BODY_KEEP, AttemptLog

from .helpers import BUSY, Receiver, advance, attempts, endpoint, get, read_request

BIG = "Remind the patient of the appointment. " * 23_000  # ~900 KB of instructions


async def test_the_attempt_log_keeps_the_start_of_a_huge_body_and_says_it_was_cut(
    client: httpx.AsyncClient, api: Any, closed_url: str
) -> None:
    agent = await api.agent(webhook_url=closed_url)
    call = await api.call(agent["id"], BUSY, instructions=BIG)
    await advance(client, 0)

    [attempt] = await attempts(client)
    assert attempt["request_body_truncated"] is True
    assert attempt["request_body_bytes"] > len(BIG)
    assert len(attempt["request_body"].encode()) == BODY_KEEP
    assert attempt["request_body"].startswith('{"id":"')
    assert call["id"] in attempt["request_body"]


async def test_a_small_body_is_kept_whole(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    await api.call((await api.agent(webhook_url=r.url))["id"], BUSY)
    await advance(client, 0)
    [attempt] = await attempts(client)
    assert attempt["request_body_truncated"] is False
    assert attempt["request_body"].encode() == r.hits[0].body
    assert attempt["request_body_bytes"] == len(r.hits[0].body)


async def test_the_attempt_log_drops_the_oldest_attempts_to_stay_within_its_bytes(
    emulator: Emulator, client: httpx.AsyncClient, api: Any, closed_url: str
) -> None:
    emulator.dispatcher.log = AttemptLog(max_bytes=5 * BODY_KEEP)
    agent = await api.agent(webhook_url=closed_url)
    calls = [await api.call(agent["id"], BUSY, instructions=BIG) for _ in range(20)]
    await advance(client, 0)  # 20 attempts of ~900 KB each: the log keeps the newest few

    r = await client.get("/_emulator/deliveries", params={"limit": 100})
    log = r.json()
    assert log["total_attempts"] == 20
    assert 1 <= len(log["data"]) <= 5
    assert [a["call_id"] for a in log["data"]] == [c["id"] for c in reversed(calls)][: len(log["data"])]
    assert sum(len(a["request_body"].encode()) for a in log["data"]) <= 5 * BODY_KEEP


PRIVATE = [
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://0177.0.0.1/hook",
    "https://0/hook",
    "https://127.1/hook",
    "https://0x7f.1/hook",
    "https://127.0.0.1./hook",
    "https://3232235777/hook",
    "https://0300.0250.1.1/hook",
    "https://10.0.0.1/hook",
    "https://172.16.5.4/hook",
    "https://169.254.169.254/x",
    "https://100.64.0.1/hook",
    "https://localhost/hook",
    "https://api.localhost/hook",
    "https://[::1]/hook",
]
PUBLIC = [
    "https://hooks.example.com/cb",
    "https://8.8.8.8/hook",
    "https://172.32.0.1/hook",
    "https://10.example.com/hook",
    "https://localhost.example.com/hook",
    "https://134744072/hook",
]


@pytest.mark.parametrize("config", [Config(strict_webhook_urls=True)])
@pytest.mark.parametrize("url", PRIVATE)
async def test_strict_webhook_urls_refuse_every_spelling_of_a_private_address(
    config: Config, client: httpx.AsyncClient, url: str
) -> None:
    r = await client.post("/v1/webhook_endpoints", json={"url": url})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert "private address" in error or "loopback name" in error
    assert "strict webhook URLs are on" in error
    assert (await get(client, "/v1/webhook_endpoints"))["data"] == []


@pytest.mark.parametrize("config", [Config(strict_webhook_urls=True)])
async def test_strict_webhook_urls_name_the_address_a_numeric_host_means(
    config: Config, client: httpx.AsyncClient
) -> None:
    r = await client.post("/v1/webhook_endpoints", json={"url": "https://0x7f000001/hook"})
    assert r.json() == {"error": "url: 0x7f000001 is 127.0.0.1, a private address (strict webhook URLs are on)"}


@pytest.mark.parametrize("config", [Config(strict_webhook_urls=True)])
@pytest.mark.parametrize("url", PUBLIC)
async def test_strict_webhook_urls_accept_public_hosts(config: Config, client: httpx.AsyncClient, url: str) -> None:
    r = await client.post("/v1/webhook_endpoints", json={"url": url})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("config", [Config(strict_webhook_urls=True)])
async def test_strict_webhook_urls_apply_to_an_agents_webhook_url(
    config: Config, api: Any, client: httpx.AsyncClient
) -> None:
    number = await api.buy_number()
    r = await client.post(
        "/v1/agents",
        json={"name": "A", "type": "outbound", "number_ids": [number["id"]], "webhook_url": "https://0177.1/hook"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "webhook_url: 0177.1 is 127.0.0.1, a private address (strict webhook URLs are on)"


async def test_an_answer_over_httpx_is_kept_as_text_not_compressed_bytes(
    emulator: Emulator, client: httpx.AsyncClient, api: Any
) -> None:
    """https:// and in-process URLs go through httpx, which reads raw bytes (to cap them): it asks
    for no compression, so a receiver that would gzip its answer sends text the log can show."""
    import gzip

    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        accepts = dict(scope["headers"]).get(b"accept-encoding", b"").decode()
        seen.append(accepts)
        body, headers = b"thanks, got it", [(b"content-type", b"text/plain; charset=utf-8")]
        if "gzip" in accepts:
            body, headers = gzip.compress(body), headers + [(b"content-encoding", b"gzip")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    emulator.transport.mount("http://receiver.test", app)
    await api.call((await api.agent(webhook_url="http://receiver.test/hook"))["id"], BUSY)
    await advance(client, 0)
    [attempt] = await attempts(client)
    assert seen == ["identity"]
    assert (attempt["response_status"], attempt["response_body"]) == (200, "thanks, got it")


OK_KEEP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def test_a_healthy_receiver_gets_more_than_eight_attempts_at_once(client: httpx.AsyncClient, api: Any) -> None:
    """Each answer widens the receiver's share (up to transport.PER_ORIGIN): once it has
    answered a few, a burst to it goes out with more than 8 attempts in flight together."""
    answered, held, peak = [0], [0], [0]
    release = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await read_request(reader)
                if answered[0] >= 24:  # warmed up: hold each one until 12 are open at once
                    held[0] += 1
                    peak[0] = max(peak[0], held[0])
                    if held[0] >= 12:
                        release.set()
                    await release.wait()
                    held[0] -= 1
                answered[0] += 1
                writer.write(OK_KEEP)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:  # also when the test's loop cancels this handler on its way out
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        for n in range(48):  # 48 attempts to one origin due at the same instant
            await endpoint(client, f"{url}/{n}", enabled_events=["call.queued"])
        await api.call((await api.agent())["id"], BUSY)
        await advance(client, 0)
    finally:
        server.close()
    assert answered[0] == 48
    assert 8 < peak[0] <= transport.PER_ORIGIN
    assert {a["response_status"] for a in await attempts(client, limit=100)} == {200}


@pytest.mark.parametrize("config", [Config(webhook_timeout=0.5)])
async def test_a_receiver_that_times_out_drops_to_the_small_cap(
    config: Config, client: httpx.AsyncClient, api: Any
) -> None:
    """A receiver that never answers holds transport.START_CAP attempts until they time out,
    then no more than transport.SMALL_CAP at once."""
    opened: list[int] = []  # how many were open as each connection arrived
    open_now, closed = [0], [0]

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        open_now[0] += 1
        opened.append(open_now[0] if closed[0] else -open_now[0])  # negative: before any timed out
        try:
            await reader.read()  # until the sender gives up and closes
        finally:  # also when the test's loop cancels this handler on its way out
            writer.close()
        open_now[0] -= 1
        closed[0] += 1

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        for n in range(14):
            await endpoint(client, f"{url}/{n}", enabled_events=["call.queued"])
        await api.call((await api.agent())["id"], BUSY)
        await advance(client, 0)  # 8 at first, then two at a time: ~4 timeouts, each progress
        await eventually(lambda: closed[0] == 14)
    finally:
        server.close()
    first, later = [-n for n in opened if n < 0], [n for n in opened if n > 0]
    assert max(first) == transport.START_CAP
    assert len(later) == 14 - transport.START_CAP and max(later) <= transport.SMALL_CAP
    assert {a["error"] for a in await attempts(client, limit=100)} == {"timeout after 0.5 s"}


async def eventually(check: Callable[[], bool], seconds: float = 30.0) -> None:
    """Wait on the event loop (no sleep in the emulator) until ``check`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)
