"""The retry schedule on virtual time, the call's webhook_status, auto-disable, redelivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import (
    API_KEY,
    BUSY,
    COMPLETED,
    DAY,
    LIFECYCLE,
    RETURNS,
    SCHEDULE,
    Receiver,
    advance,
    attempts,
    call_of,
    deliveries,
    endpoint,
    get,
    ts,
)


async def clock(client: httpx.AsyncClient) -> float:
    return (await get(client, "/_emulator/clock"))["unix"]


async def advance_to(client: httpx.AsyncClient, when: float) -> None:
    await advance(client, max(0.0, when - await clock(client)))


async def test_the_full_schedule_on_virtual_time(client: httpx.AsyncClient, api: Any, closed_url: str) -> None:
    await endpoint(client, closed_url, enabled_events=["call.queued"])
    await api.call((await api.agent())["id"], COMPLETED)
    [row] = await deliveries(client)
    created = ts(row["created_at"])
    assert (row["status"], row["attempt_count"], ts(row["next_attempt_at"])) == ("pending", 0, created)

    await advance(client, 0)
    sent = [ts(a["sent_at"]) for a in await attempts(client)]
    assert sent == [created]  # the first attempt is immediate
    for n in range(2, 9):
        row = (await deliveries(client))[0]
        assert (row["status"], row["attempt_count"]) == ("pending", n - 1)
        due = ts(row["next_attempt_at"])
        assert SCHEDULE[n - 1] * 0.8 <= due - sent[-1] <= SCHEDULE[n - 1] * 1.2, n
        await advance_to(client, due - 0.5)  # not a moment early
        assert len(await attempts(client)) == n - 1
        await advance_to(client, due + 0.01)
        logged = await attempts(client)
        assert [a["attempt"] for a in logged] == list(range(1, n + 1))
        sent.append(ts(logged[-1]["sent_at"]))
        assert abs(sent[-1] - due) < 0.002  # sent at its next_attempt_at

    row = (await deliveries(client))[0]
    assert (row["status"], row["attempt_count"], row["delivered_at"]) == ("exhausted", 8, None)
    assert row["last_error"].startswith("connection failed")
    gaps = [b - a for a, b in zip(sent, sent[1:], strict=False)]
    for gap, base in zip(gaps, SCHEDULE[1:], strict=False):
        assert base * 0.8 <= gap <= base * 1.2
    assert 1.6 * DAY < sum(gaps) < 2.4 * DAY  # "roughly two days"
    await advance(client, 7 * DAY)
    assert len(await attempts(client)) == 8  # no ninth attempt


async def schedule_of(seed: int, url: str) -> list[float]:
    """The gaps between the eight attempts of one delivery, on a fresh emulator with ``seed``."""
    emulator = Emulator(Config(seed=seed))
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://emulator.test", headers={"Authorization": f"Bearer {API_KEY}"}
    ) as client:
        r = await client.post("/v1/webhook_endpoints", json={"url": url, "enabled_events": ["call.queued"]})
        assert r.status_code == 201, r.text
        available = (await get(client, "/v1/numbers/available", limit=1))[0]
        number = (await client.post("/v1/numbers/purchase", json={"phone_number": available["phone_number"]})).json()
        agent = (
            await client.post("/v1/agents", json={"name": "a", "type": "outbound", "number_ids": [number["id"]]})
        ).json()
        assert (await client.post("/v1/calls", json={"agent_id": agent["id"], "to": COMPLETED})).status_code == 201
        await advance(client, 3 * DAY)
        sent = [ts(a["sent_at"]) for a in await attempts(client)]
    await emulator.transport.aclose()
    assert len(sent) == 8
    return [round(b - a, 3) for a, b in zip(sent, sent[1:], strict=False)]


async def test_the_same_seed_gives_the_same_jitter(closed_url: str) -> None:
    first = await schedule_of(7, closed_url)
    again = await schedule_of(7, closed_url)
    other = await schedule_of(8, closed_url)
    assert first == again
    assert other != first
    assert first != [float(d) for d in SCHEDULE[1:]]  # jittered, not the bare schedule


async def test_webhook_status_follows_the_inline_delivery(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver], closed_url: str
) -> None:
    good = receiver()
    await endpoint(client, closed_url)  # endpoints never touch the call's webhook_status
    plain = await api.call((await api.agent())["id"], COMPLETED)
    ok = await api.call((await api.agent(webhook_url=good.url, returns=RETURNS))["id"], COMPLETED)
    bad = await api.call((await api.agent(webhook_url=closed_url))["id"], COMPLETED)
    assert (plain["webhook_status"], ok["webhook_status"], bad["webhook_status"]) == ("none", "pending", "pending")

    await advance(client, 0)
    assert (await call_of(client, ok["id"]))["webhook_status"] == "delivered"
    failing = await call_of(client, bad["id"])
    assert failing["webhook_status"] == "pending"
    assert failing["webhook_error"].startswith("connection failed")

    await advance(client, 120)
    final = await call_of(client, ok["id"])
    assert (final["status"], final["webhook_status"], final["webhook_error"]) == ("completed", "delivered", None)
    assert good.types() == LIFECYCLE
    assert (await call_of(client, bad["id"]))["webhook_status"] == "pending"  # still retrying

    await advance(client, 3 * DAY)
    failed = await call_of(client, bad["id"])
    assert failed["webhook_status"] == "failed"
    assert failed["webhook_error"].startswith("connection failed")
    assert {r["status"] for r in await deliveries(client, call_id=bad["id"])} == {"exhausted"}
    none = await call_of(client, plain["id"])
    assert (none["webhook_status"], none["webhook_error"]) == ("none", None)


async def test_consecutive_failures_count_exhausted_deliveries_and_reset_on_2xx(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(status=500)
    hook = await endpoint(client, r.url, enabled_events=["call.queued"])
    agent = await api.agent()
    for _ in range(2):
        await api.call(agent["id"], COMPLETED)
    await advance(client, 0)
    assert (await get(client, f"/v1/webhook_endpoints/{hook['id']}"))["consecutive_failures"] == 0  # not per attempt
    await advance(client, 3 * DAY)
    assert len(r.hits) == 16
    state = await get(client, f"/v1/webhook_endpoints/{hook['id']}")
    assert (state["consecutive_failures"], state["status"]) == (2, "enabled")

    r.status = 200
    await api.call(agent["id"], COMPLETED)
    await advance(client, 0)
    assert (await get(client, f"/v1/webhook_endpoints/{hook['id']}"))["consecutive_failures"] == 0


async def test_auto_disable_after_ten_exhausted_deliveries_and_re_enable(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(status=500)
    hook = await endpoint(client, r.url, enabled_events=["call.queued"])
    agent = await api.agent()
    for _ in range(9):
        await api.call(agent["id"], BUSY)
    await advance(client, 3 * DAY)
    state = await get(client, f"/v1/webhook_endpoints/{hook['id']}")
    assert (state["consecutive_failures"], state["status"], state["disabled_reason"]) == (9, "enabled", None)

    await api.call(agent["id"], BUSY)
    await advance(client, 3 * DAY)
    state = await get(client, f"/v1/webhook_endpoints/{hook['id']}")
    assert (state["consecutive_failures"], state["status"], state["disabled_reason"]) == (
        10,
        "disabled",
        "too_many_failures",
    )
    last = max(ts(a["sent_at"]) for a in await attempts(client))
    assert ts(state["disabled_at"]) == pytest.approx(last, abs=0.002)  # at the tenth exhaustion
    assert len(await deliveries(client, endpoint_id=hook["id"])) == 10

    # Disabled: new events make no delivery for it.
    await api.call(agent["id"], BUSY)
    await advance(client, 3600)
    assert len(await deliveries(client, endpoint_id=hook["id"])) == 10
    assert len(r.hits) == 80

    # Re-enabled: the counter is zeroed and deliveries resume.
    r.status = 200
    enabled = await api.ok("PATCH", f"/v1/webhook_endpoints/{hook['id']}", json={"status": "enabled"})
    assert (enabled["status"], enabled["consecutive_failures"], enabled["disabled_reason"], enabled["disabled_at"]) == (
        "enabled",
        0,
        None,
        None,
    )
    call = await api.call(agent["id"], BUSY)
    await advance(client, 60)
    [row] = await deliveries(client, call_id=call["id"])
    assert (row["endpoint_id"], row["status"], row["attempt_count"]) == (hook["id"], "delivered", 1)
    assert len(r.hits) == 81 and r.hits[-1].event_id == row["id"]


async def test_redeliver_an_exhausted_delivery_with_the_same_event_id(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(status=500)
    agent = await api.agent(webhook_url=r.url)
    call = await api.call(agent["id"], BUSY)
    await advance(client, 3 * DAY)
    rows = {row["event_type"]: row for row in await deliveries(client)}
    exhausted = rows["call.busy"]
    assert (exhausted["status"], exhausted["attempt_count"]) == ("exhausted", 8)
    assert (await call_of(client, call["id"]))["webhook_status"] == "failed"
    first = next(h for h in r.hits if h.type == "call.busy")

    # Still failing: one more (manual) attempt, back to exhausted, no automatic retries after it.
    again = await api.ok("POST", f"/v1/webhook_deliveries/{exhausted['id']}/redeliver")
    assert (again["id"], again["status"], again["manual_retry_count"], again["attempt_count"]) == (
        exhausted["id"],
        "pending",
        1,
        8,
    )
    await advance(client, 0)
    row = await get(client, f"/v1/webhook_deliveries/{exhausted['id']}")
    assert (row["status"], row["manual_retry_count"], row["attempt_count"], row["last_response_status"]) == (
        "exhausted",
        1,
        8,
        500,
    )
    await advance(client, 3 * DAY)
    assert len(r.hits) == 8 + 8 + 1

    # Fixed receiver: the replay succeeds, same event id in the body and the header.
    r.status = 200
    replayed = await api.ok("POST", f"/v1/webhook_deliveries/{exhausted['id']}/redeliver")
    assert (replayed["status"], replayed["manual_retry_count"]) == ("pending", 2)
    await advance(client, 0)
    row = await get(client, f"/v1/webhook_deliveries/{exhausted['id']}")
    assert (row["status"], row["manual_retry_count"], row["attempt_count"], row["last_response_status"]) == (
        "delivered",
        2,
        8,
        200,
    )
    assert row["last_error"] is None and row["delivered_at"] is not None
    hit = r.hits[-1]
    assert hit.event_id == hit.json["id"] == first.event_id == exhausted["id"]
    assert hit.body == first.body
    log = await attempts(client, delivery_id=exhausted["id"])
    assert [a["manual"] for a in log] == [False] * 8 + [True, True]
    assert (await call_of(client, call["id"]))["webhook_status"] == "delivered"
    # The other exhausted row was left alone.
    other = await get(client, f"/v1/webhook_deliveries/{rows['call.queued']['id']}")
    assert (other["status"], other["manual_retry_count"]) == ("exhausted", 0)


async def test_redeliver_while_an_attempt_is_in_flight_sends_each_retry_once(
    emulator: Emulator, client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(status=500, delay=0.5)
    await endpoint(client, r.url, enabled_events=["call.queued"])
    await api.call((await api.agent())["id"], COMPLETED)
    [row] = await deliveries(client)

    emulator.advance(0)  # starts the first attempt without waiting for it: it is in flight now
    again = await api.ok("POST", f"/v1/webhook_deliveries/{row['id']}/redeliver")
    assert again["manual_retry_count"] == 1
    await advance(client, 0)  # the first attempt ends, then the manual one goes out (same lane)

    assert len(r.hits) == 2
    row = await get(client, f"/v1/webhook_deliveries/{row['id']}")
    assert (row["status"], row["attempt_count"], row["manual_retry_count"]) == ("pending", 1, 1)

    r.status, r.delay = 200, 0.0
    await advance(client, 3 * DAY)
    row = await get(client, f"/v1/webhook_deliveries/{row['id']}")
    assert (row["status"], row["attempt_count"], row["last_response_status"]) == ("delivered", 2, 200)
    assert len(r.hits) == 3  # one automatic retry, not one per attempt that failed meanwhile
    assert [a["manual"] for a in await attempts(client)] == [False, True, False]


async def test_a_redelivery_that_succeeds_cancels_the_pending_automatic_retry(
    emulator: Emulator, client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(script=[500], delay=0.5)  # the first (automatic) attempt fails, slowly
    await endpoint(client, r.url, enabled_events=["call.queued"])
    await api.call((await api.agent())["id"], COMPLETED)
    [row] = await deliveries(client)

    emulator.advance(0)  # the first attempt is in flight
    await api.ok("POST", f"/v1/webhook_deliveries/{row['id']}/redeliver")
    r.delay = 0.0
    await advance(client, 0)  # it fails (a retry is scheduled), then the redelivery succeeds

    row = await get(client, f"/v1/webhook_deliveries/{row['id']}")
    assert (row["status"], row["attempt_count"], row["manual_retry_count"]) == ("delivered", 1, 1)
    await advance(client, 3 * DAY)
    assert len(r.hits) == 2  # nothing more: the delivered row is not retried
    assert (await get(client, f"/v1/webhook_deliveries/{row['id']}"))["attempt_count"] == 1
