"""/_emulator/faults: injected statuses, latency and dropped connections, as a client sees them."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import httpx
import pytest

from emulator.api.faults import ConnectionDropped
from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

from .conftest import export, journal, ok

KEY = "sk_test_emulator"
INJECTED = re.compile(r"^injected fault: (\d{3}) [A-Za-z ]+ \(fault ([0-9a-f-]{36})\)$")


async def fault(client: httpx.AsyncClient, **spec: Any) -> dict[str, Any]:
    return await ok(client, "POST", "/_emulator/faults", 201, json=spec)


async def faults(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return (await ok(client, "GET", "/_emulator/faults"))["data"]


def injected(r: httpx.Response, status: int, fault_id: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"}
    assert INJECTED.match(body["error"]).groups() == (str(status), fault_id)  # type: ignore[union-attr]


async def test_a_429_with_retry_after_never_reaches_the_handler(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    made = await fault(client, path="/v1/calls", method="POST", status=429, retry_after=7)
    assert made == {
        "id": made["id"],
        "path": "/v1/calls",
        "method": "POST",
        "status": 429,
        "retry_after": 7,
        "latency_ms": None,
        "drop": False,
        "count": 1,
        "rate": None,
        "remaining": 1,
        "fired": 0,
    }
    before = await export(client)

    r = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})

    injected(r, 429, made["id"])
    assert r.headers["retry-after"] == "7"
    assert await export(client) == before  # no call, no hold, no id drawn: nothing changed
    assert (await api.ok("GET", "/v1/calls"))["data"] == []
    # It was the next one only: the retry goes through, and gets the id it would have had.
    call = await api.call(agent["id"])
    assert await faults(client) == []
    (entry, faulted) = await journal(client, method="POST", path_prefix="/v1/calls")
    assert (entry["status"], faulted["status"], faulted["fault_id"]) == (201, 429, made["id"])
    assert faulted["request_body"] == r.request.content.decode()
    assert call["id"] == (await export(client))["orgs"][0]["calls"][0]["id"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_each_error_status(client: httpx.AsyncClient, status: int) -> None:
    made = await fault(client, path="/v1/numbers", status=status)

    r = await client.get("/v1/numbers")

    injected(r, status, made["id"])
    assert "retry-after" not in r.headers
    assert (await client.get("/v1/numbers")).status_code == 200


async def test_a_503_may_carry_retry_after(client: httpx.AsyncClient) -> None:
    made = await fault(client, path="/v1/numbers", status=503, retry_after=0)

    r = await client.get("/v1/numbers")

    injected(r, 503, made["id"])
    assert r.headers["retry-after"] == "0"


async def test_the_method_narrows_the_match(client: httpx.AsyncClient) -> None:
    await fault(client, path="/v1/calls", method="POST", status=500)

    assert (await client.get("/v1/calls")).status_code == 200
    assert (await client.post("/v1/calls", json={})).status_code == 500


@pytest.mark.parametrize(
    "path, hits, misses",
    [
        ("/v1/calls", ["/v1/calls"], ["/v1/calls/x", "/v1/calls/", "/v1/agents"]),
        ("/v1/calls*", ["/v1/calls", "/v1/calls/x", "/v1/calls/x/transcript"], ["/v1/agents"]),
        ("/v1/calls/*", ["/v1/calls/x", "/v1/calls/x/transcript"], ["/v1/calls"]),
        ("/v1/calls/{call_id}", ["/v1/calls/x", "/v1/calls/123"], ["/v1/calls", "/v1/calls/x/transcript"]),
        ("/v1/calls/{call_id}/transcript", ["/v1/calls/x/transcript"], ["/v1/calls/x", "/v1/calls/x/y/transcript"]),
        ("/v1/calls/{call_id:int}", ["/v1/calls/123"], ["/v1/calls/x"]),
        ("/v1/calls/{call_id:uuid}", ["/v1/calls/0b6e5a4e-5a43-4c8e-9d0a-3f1f2e6d7c8b"], ["/v1/calls/123"]),
        ("/v1/calls/{call_id}/*", ["/v1/calls/x/transcript"], ["/v1/calls/x", "/v1/agents/x/y"]),
        ("/v1/*", ["/v1/calls", "/v1/agents/x/numbers"], ["/v1", "/openapi.json", "/_emulator/clock"]),
    ],
)
async def test_path_kinds(client: httpx.AsyncClient, path: str, hits: list[str], misses: list[str]) -> None:
    await fault(client, path=path, status=503, rate=1)

    for target in hits:
        assert (await client.get(target)).status_code == 503, target
    for target in misses:
        assert (await client.get(target)).status_code != 503, target


async def test_count_faults_the_next_n_then_goes(client: httpx.AsyncClient) -> None:
    made = await fault(client, path="/v1/agents", status=502, count=3)

    statuses = []
    for _ in range(5):
        statuses.append((await client.get("/v1/agents")).status_code)
        listed = await faults(client)
        if len(statuses) == 1:
            assert [(f["id"], f["remaining"], f["fired"]) for f in listed] == [(made["id"], 2, 1)]

    assert statuses == [502, 502, 502, 200, 200]
    assert await faults(client) == []
    assert [e["fault_id"] for e in await journal(client)] == [None, None, made["id"], made["id"], made["id"]]


async def test_rate_faults_a_seeded_share_until_deleted(client: httpx.AsyncClient) -> None:
    async def pattern() -> list[bool]:
        made = await fault(client, path="/v1/numbers", status=500, rate=0.3)
        assert (made["count"], made["remaining"]) == (None, None)
        seen = [(await client.get("/v1/numbers")).status_code == 500 for _ in range(200)]
        listed = await faults(client)
        assert [(f["rate"], f["fired"]) for f in listed] == [(0.3, sum(seen))]
        return seen

    first = await pattern()
    assert 30 <= sum(first) <= 90  # 60 expected
    await ok(client, "POST", "/_emulator/reset")
    assert await pattern() == first  # the same seed faults the same requests


async def test_the_oldest_matching_fault_acts_alone(client: httpx.AsyncClient) -> None:
    first = await fault(client, path="/v1/*", status=500)
    second = await fault(client, path="/v1/numbers", status=503)

    injected(await client.get("/v1/numbers"), 500, first["id"])
    injected(await client.get("/v1/numbers"), 503, second["id"])
    assert (await client.get("/v1/numbers")).status_code == 200


async def test_latency_delays_the_answer(client: httpx.AsyncClient) -> None:
    made = await fault(client, path="/v1/numbers", latency_ms=150)

    started = time.perf_counter()
    r = await client.get("/v1/numbers")
    took = time.perf_counter() - started

    assert r.status_code == 200  # latency alone: the request then goes through
    assert took >= 0.14
    (entry,) = await journal(client)
    assert entry["duration_ms"] >= 140 and entry["fault_id"] == made["id"]


async def test_latency_then_a_status(client: httpx.AsyncClient) -> None:
    made = await fault(client, path="/v1/numbers", latency_ms=100, status=503)

    started = time.perf_counter()
    r = await client.get("/v1/numbers")

    assert time.perf_counter() - started >= 0.09
    injected(r, 503, made["id"])


async def test_a_drop_in_process_raises_a_connection_error(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    made = await fault(client, path="/v1/calls", drop=True)
    before = await export(client)

    with pytest.raises(ConnectionResetError) as raised:  # ConnectionDropped, as httpx's ASGITransport re-raises it
        await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})

    assert isinstance(raised.value, ConnectionDropped)
    assert await export(client) == before
    (entry,) = await journal(client, limit=1)
    assert (entry["status"], entry["fault_id"]) == (None, made["id"])
    assert "connection dropped" in entry["error"]
    assert (await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})).status_code == 201


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_drop_over_http_is_a_protocol_error() -> None:
    server = ServerThread(Emulator(Config()))
    # Watch what uvicorn logs as errors: its logger does not propagate to caplog, and its
    # handlers are set when the server is configured, so watch from here on.
    log, logger = Records(), logging.getLogger("uvicorn.error")
    logger.addHandler(log)
    try:
        with (
            server,
            httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as http,
        ):
            assert http.get("/v1/numbers").status_code == 200  # a kept-alive connection, then dropped
            made = http.post("/_emulator/faults", json={"path": "/v1/numbers", "drop": True, "count": 2}).json()

            with pytest.raises(httpx.RemoteProtocolError):
                http.get("/v1/numbers")
            with pytest.raises(httpx.RemoteProtocolError):  # a fresh connection, dropped too
                httpx.get(server.base_url + "/v1/numbers", headers={"Authorization": f"Bearer {KEY}"}, timeout=10)

            assert http.get("/v1/numbers").status_code == 200  # count spent: answered again
            entries = http.get("/_emulator/requests").json()["data"]
    finally:
        logger.removeHandler(log)
    assert [(e["status"], e["fault_id"]) for e in entries] == [
        (200, None),
        (None, made["id"]),
        (None, made["id"]),
        (200, None),
    ]
    assert [r.getMessage() for r in log.records if r.levelno >= logging.ERROR] == []  # a deliberate drop is no crash


async def test_only_v1_is_faulted(client: httpx.AsyncClient) -> None:
    await fault(client, path="/v1*", status=500, rate=1)

    assert (await client.get("/_emulator/health")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/v1/numbers")).status_code == 500


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"path": "/v1/calls", "status": 500, "colour": "red"}, "colour: is not a known field"),
        ({"status": 500}, "path: is required"),
        ({"path": "/_emulator/health", "status": 500}, "only /v1 routes can be faulted"),
        ({"path": "/_emulator/*", "status": 500}, "only /v1 routes can be faulted"),
        ({"path": "v1/calls", "status": 500}, "only /v1 routes can be faulted"),
        ({"path": "/v1/*/calls", "status": 500}, "'*' may only end the path"),
        ({"path": "/v1/calls/{call id}", "status": 500}, "{name}"),
        ({"path": "/v1/calls/{call_id:float}", "status": 500}, "{name:str|int|uuid|path}"),
        ({"path": "/v1/calls/{id}/x/{id}*", "status": 500}, "Duplicated param name id"),
        ({"path": "/v1/calls", "status": "500"}, "status: must be 429, 500, 502 or 503"),
        ({"path": "/v1/calls", "status": 404}, "status: must be 429, 500, 502 or 503"),
        ({"path": "/v1/calls", "status": None}, "status:"),
        ({"path": "/v1/calls"}, "at least one of status, latency_ms or drop"),
        ({"path": "/v1/calls", "drop": False}, "at least one of status, latency_ms or drop"),
        ({"path": "/v1/calls", "drop": "yes"}, "drop: must be a boolean"),
        ({"path": "/v1/calls", "drop": True, "status": 503}, "drop and status cannot go together"),
        ({"path": "/v1/calls", "status": 500, "retry_after": 5}, "retry_after goes with status 429"),
        ({"path": "/v1/calls", "latency_ms": 10, "retry_after": 5}, "retry_after goes with status 429"),
        ({"path": "/v1/calls", "status": 429, "retry_after": 1.5}, "retry_after: must be an integer"),
        ({"path": "/v1/calls", "status": 429, "retry_after": -1}, "retry_after:"),
        ({"path": "/v1/calls", "latency_ms": -1}, "latency_ms:"),
        ({"path": "/v1/calls", "latency_ms": 300_001}, "latency_ms:"),
        ({"path": "/v1/calls", "status": 500, "count": 0}, "count:"),
        ({"path": "/v1/calls", "status": 500, "count": True}, "count: must be an integer"),
        ({"path": "/v1/calls", "status": 500, "rate": 0}, "rate:"),
        ({"path": "/v1/calls", "status": 500, "rate": 1.5}, "rate:"),
        (
            {"path": "/v1/calls", "status": 500, "count": 2, "rate": 0.5},
            "give count (the next N matching requests) or rate",
        ),
        ({"path": "/v1/calls", "status": 500, "method": "get"}, "method: must be one of GET"),
    ],
)
async def test_a_bad_spec_is_a_400_naming_the_problem(
    client: httpx.AsyncClient, body: dict[str, Any], needle: str
) -> None:
    r = await client.post("/_emulator/faults", json=body)

    assert r.status_code == 400, r.text
    assert needle in r.json()["error"]
    assert await faults(client) == []


async def test_a_body_that_is_not_an_object_is_a_400(client: httpx.AsyncClient) -> None:
    assert (await client.post("/_emulator/faults", json=[1])).status_code == 400
    assert (await client.post("/_emulator/faults")).status_code == 400


async def test_list_delete_clear_and_reset(client: httpx.AsyncClient) -> None:
    a = await fault(client, path="/v1/calls", status=500)
    b = await fault(client, path="/v1/agents", latency_ms=5, rate=0.5)
    assert [f["id"] for f in await faults(client)] == [a["id"], b["id"]]

    assert await ok(client, "DELETE", f"/_emulator/faults/{a['id']}") == {"id": a["id"], "deleted": True}
    assert [f["id"] for f in await faults(client)] == [b["id"]]
    r = await client.delete(f"/_emulator/faults/{a['id']}")
    assert (r.status_code, r.json()) == (404, {"error": f"fault {a['id']} not found"})

    assert await ok(client, "DELETE", "/_emulator/faults") == {"cleared": True}
    assert await faults(client) == []
    await fault(client, path="/v1/calls", status=500)
    await ok(client, "POST", "/_emulator/reset")
    assert await faults(client) == []
    assert (await client.get("/v1/calls")).status_code == 200


async def test_faults_never_move_resource_ids(client: httpx.AsyncClient, api: Any) -> None:
    plain = (await api.buy_number())["id"]
    await ok(client, "POST", "/_emulator/reset")

    await fault(client, path="/v1/agents", status=500, rate=0.5)
    await fault(client, path="/v1/calls", latency_ms=1)
    for _ in range(5):
        await client.get("/v1/agents")

    assert (await api.buy_number())["id"] == plain
