"""Receivers that fail in every way: each failure is recorded, retried on schedule, nothing is lost,
and the emulator keeps serving (and keeps delivering to everyone else)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from emulator.config import Config

from .helpers import (
    BUSY,
    COMPLETED,
    DAY,
    LIFECYCLE,
    SCHEDULE,
    HangupServer,
    Receiver,
    advance,
    attempts,
    by_path,
    deliveries,
    endpoint,
    get,
    ts,
)

TIMEOUT = 0.1  # the emulator's webhook timeout when the receiver is too slow

FAULTS: dict[str, tuple[int | None, str]] = {  # kind: (last_response_status, last_error pattern)
    "500": (500, r"^receiver answered HTTP 500$"),
    "404": (404, r"^receiver answered HTTP 404$"),
    "301": (301, r"^receiver answered HTTP 301$"),
    "timeout": (None, r"^timeout after 0\.1 s$"),
    "hangup": (None, r"^connection closed by the receiver"),
    "closed": (None, r"^connection failed"),
}


@pytest.fixture
def config(request: pytest.FixtureRequest) -> Config:
    """A short webhook timeout for the slow receiver; room to spare for the others."""
    callspec = getattr(request.node, "callspec", None)
    kind = callspec.params.get("kind") if callspec else None
    return Config(webhook_timeout=TIMEOUT if kind == "timeout" else 5.0)


@pytest.fixture
def fault_url(
    request: pytest.FixtureRequest, receiver: Callable[..., Receiver], hangup_server: HangupServer, closed_url: str
) -> tuple[str, Callable[[], int]]:
    """(url, requests-seen counter) of a receiver failing as the test's ``kind`` says."""
    kind = request.node.callspec.params["kind"]
    if kind == "hangup":
        return hangup_server.url, lambda: len(hangup_server.requests)
    if kind == "closed":
        return closed_url, lambda: 0
    if kind == "timeout":
        r = receiver(delay=5.0)
    elif kind == "301":
        r = receiver(status=301)
        r.location = r.base_url + "/moved"
    else:
        r = receiver(status=int(kind))
    assert all(h.path == "/hook" for h in r.hits)
    return r.url, lambda: sum(1 for h in r.hits if h.path == "/hook")


@pytest.mark.parametrize("kind", list(FAULTS))
async def test_a_failing_receiver_is_recorded_and_retried_until_exhausted(
    kind: str, client: httpx.AsyncClient, api: Any, fault_url: tuple[str, Callable[[], int]]
) -> None:
    url, seen = fault_url
    status, error = FAULTS[kind]
    hook = await endpoint(client, url, enabled_events=["call.queued"])
    agent = await api.agent(webhook_url=url)
    call = await api.call(agent["id"], BUSY)

    await advance(client, 0)  # the first attempts

    rows = await deliveries(client, call_id=call["id"])
    assert sorted(row["endpoint_id"] or "" for row in rows) == ["", hook["id"]]
    for row in rows:
        assert row["status"] == "pending"
        assert row["attempt_count"] == 1
        assert row["last_response_status"] == status
        assert re.match(error, row["last_error"]), row["last_error"]
        assert row["delivered_at"] is None
        gap = ts(row["next_attempt_at"]) - ts(row["created_at"])
        assert 0.8 * SCHEDULE[1] <= gap <= 1.2 * SCHEDULE[1]
    logged = await attempts(client)
    assert len(logged) == 2
    for attempt in logged:
        assert attempt["response_status"] == status
        assert re.match(error, attempt["error"]), attempt["error"]
        assert attempt["attempt"] == 1 and attempt["manual"] is False
        assert attempt["latency_ms"] >= 0
        if kind == "timeout":
            assert TIMEOUT * 1000 * 0.9 <= attempt["latency_ms"] < 3000
    detail = await get(client, f"/v1/calls/{call['id']}")
    assert detail["webhook_status"] == "pending"
    assert re.match(error, detail["webhook_error"])

    await advance(client, 3 * DAY)  # the whole schedule, for every delivery

    rows = await deliveries(client, call_id=call["id"])
    assert len(rows) == 3  # queued and busy to the inline URL, queued to the endpoint: nothing lost
    for row in rows:
        assert (row["status"], row["attempt_count"], row["last_response_status"]) == ("exhausted", 8, status)
        assert re.match(error, row["last_error"])
    logged = await attempts(client)
    assert len(logged) == 3 * 8
    assert all(re.match(error, a["error"]) for a in logged)
    assert sorted(a["attempt"] for a in logged) == sorted(list(range(1, 9)) * 3)
    if kind == "timeout":  # a request can time out before the receiver's handler even saw it
        assert 0 < seen() <= 3 * 8
    else:
        assert seen() == (0 if kind == "closed" else 3 * 8)
    detail = await get(client, f"/v1/calls/{call['id']}")
    assert detail["status"] == "busy"
    assert (detail["webhook_status"], re.match(error, detail["webhook_error"]) is not None) == ("failed", True)
    assert (await get(client, "/_emulator/health"))["status"] == "ok"
    assert (await get(client, f"/v1/webhook_endpoints/{hook['id']}"))["consecutive_failures"] == 1


async def test_a_redirect_is_a_failure_and_is_not_followed(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(status=301)
    r.location = r.base_url + "/moved"
    await endpoint(client, r.url, enabled_events=["call.queued"])
    await api.call((await api.agent())["id"], COMPLETED)
    await advance(client, 0)
    assert [h.path for h in r.hits] == ["/hook"]
    [row] = await deliveries(client)
    assert (row["status"], row["last_response_status"]) == ("pending", 301)
    [attempt] = await attempts(client)
    assert attempt["response_status"] == 301 and attempt["response_body"] == "answer 301"


async def test_a_receiver_that_recovers_gets_the_same_event_again(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(script=[500, 503])
    await endpoint(client, r.url, enabled_events=["call.queued"])
    await api.call((await api.agent())["id"], COMPLETED)
    await advance(client, 3600)

    assert len(r.hits) == 3
    assert len({h.event_id for h in r.hits}) == 1
    assert len({h.body for h in r.hits}) == 1  # byte-identical on every retry
    [row] = await deliveries(client)
    assert (row["status"], row["attempt_count"], row["last_response_status"], row["last_error"]) == (
        "delivered",
        3,
        200,
        None,
    )
    assert row["delivered_at"] == row["next_attempt_at"]
    assert [(a["response_status"], a["error"]) for a in await attempts(client)] == [
        (500, "receiver answered HTTP 500"),
        (503, "receiver answered HTTP 503"),
        (200, None),
    ]


@pytest.mark.parametrize("config", [Config(webhook_timeout=1.0)])
async def test_a_slow_answer_within_the_timeout_succeeds(
    config: Config, client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(delay=0.3)
    agent = await api.agent(webhook_url=r.url)
    call = await api.call(agent["id"], COMPLETED)
    await advance(client, 0)
    [row] = await deliveries(client)
    assert (row["status"], row["attempt_count"], row["last_response_status"]) == ("delivered", 1, 200)
    [attempt] = await attempts(client)
    assert 300 <= attempt["latency_ms"] < 1000
    assert (await get(client, f"/v1/calls/{call['id']}"))["webhook_status"] == "delivered"


def test_the_default_timeout_is_ten_seconds() -> None:
    from emulator.runtime import Emulator

    assert Config().webhook_timeout == 10.0
    assert Emulator().transport.timeout == 10.0


@pytest.mark.parametrize("config", [Config(webhook_timeout=0.5)])
async def test_a_failing_receiver_does_not_hold_back_other_receivers_or_calls(
    config: Config, client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    slow = receiver(delay=5.0)  # times out on every attempt
    down = receiver(status=500)
    good = receiver()
    await endpoint(client, slow.url)
    await endpoint(client, down.url)
    await endpoint(client, good.url)
    agent = await api.agent(webhook_url=good.base_url + "/inline")
    calls = [await api.call(agent["id"], COMPLETED) for _ in range(2)]

    await advance(client, 0)  # call.queued of both calls, to every destination, in parallel

    queued = {path: len(found) for path, found in by_path(good).items()}
    assert queued == {"/hook": 2, "/inline": 2}
    assert len(slow.hits) == len(down.hits) == 2
    # The good receiver heard of both calls while the slow one was still holding its requests.
    assert max(h.at for h in good.hits) < min(h.at for h in slow.hits) + 0.25
    slow_attempts = [a for a in await attempts(client) if a["url"] == slow.url]
    assert [a["error"] for a in slow_attempts] == ["timeout after 0.5 s"] * 2

    slow.delay, slow.status = 0.0, 500  # from now on it fails fast (keeps the test quick)
    await advance(client, 120)  # the rest of both calls (and the first retries of the failures)

    for path in ("/hook", "/inline"):
        for call in calls:
            got = [h.type for h in good.hits if h.path == path and h.headers["x-callingbox-call-id"] == call["id"]]
            assert got == LIFECYCLE
    rows = await deliveries(client)
    assert len(rows) == 2 * 4 * 4
    by_url: dict[str, set[str]] = {}
    for row in rows:
        by_url.setdefault(row["url"], set()).add(row["status"])
    assert by_url == {
        slow.url: {"pending"},
        down.url: {"pending"},
        good.url: {"delivered"},
        good.base_url + "/inline": {"delivered"},
    }
    assert (await get(client, "/_emulator/health"))["status"] == "ok"


async def test_a_url_the_http_client_cannot_use_is_a_failed_attempt_not_a_lost_event(
    client: httpx.AsyncClient, api: Any
) -> None:
    """An invalid IDNA host passes the URL check but httpx refuses it (IDNAError, not an
    httpx.HTTPError): the attempt must still be recorded, retried, and exhausted in the end."""
    url = "https://xn--zz/hook"  # https goes through httpx (http:// through the lean client, which asks DNS)
    await endpoint(client, url, enabled_events=["call.queued"])
    call = await api.call((await api.agent(webhook_url=url))["id"], BUSY)

    await advance(client, 0)
    rows = await deliveries(client, call_id=call["id"])
    assert len(rows) == 2
    for row in rows:
        assert (row["status"], row["attempt_count"], row["last_response_status"]) == ("pending", 1, None)
        assert row["last_error"]
    assert len(await attempts(client)) == 2

    await advance(client, 3 * DAY)
    rows = await deliveries(client, call_id=call["id"])
    assert [(r["status"], r["attempt_count"]) for r in rows] == [("exhausted", 8)] * 3
    assert (await get(client, f"/v1/calls/{call['id']}"))["webhook_status"] == "failed"
    assert (await get(client, "/_emulator/health"))["status"] == "ok"
