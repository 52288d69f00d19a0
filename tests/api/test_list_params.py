"""List query parameters: the calls filters (an emulator extension), and no parameter ever ignored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import error_of, ids, new_id, page

LISTS = [
    "/v1/calls",
    "/v1/numbers",
    "/v1/agents",
    "/v1/webhook_endpoints",
    "/v1/webhook_deliveries",
    "/v1/numbers/available",
]


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text


async def test_calls_filter_by_status_agent_and_direction(client: httpx.AsyncClient, api: Any) -> None:
    a, b = await api.agent(), await api.agent()
    busy = await api.call(a["id"], to="+15005550001")
    done = await api.call(a["id"], to="+15005550006")
    other = await api.call(b["id"], to="+15005550001")
    inbound_number = await api.buy_number()
    await api.ok(
        "POST", "/v1/agents", 201, json={"name": "Desk", "type": "inbound", "number_ids": [inbound_number["id"]]}
    )
    inbound = await api.ok(
        "POST", "/_emulator/inbound_calls", 201, json={"from": "+14155550199", "to": inbound_number["e164"]}
    )
    await advance(client, 5)  # busy ends at +2; the others are still going

    assert ids((await page(client, "/v1/calls", status="busy"))["data"]) == [other["id"], busy["id"]]
    assert ids((await page(client, "/v1/calls", agent_id=a["id"]))["data"]) == [done["id"], busy["id"]]
    assert ids((await page(client, "/v1/calls", status="busy", agent_id=a["id"]))["data"]) == [busy["id"]]
    assert ids((await page(client, "/v1/calls", direction="inbound"))["data"]) == [inbound["id"]]
    assert len((await page(client, "/v1/calls", direction="outbound"))["data"]) == 3
    assert (await page(client, "/v1/calls", status="completed"))["data"] == []
    assert (await page(client, "/v1/calls", agent_id=new_id()))["data"] == []
    # Filters page with the cursors like the full list does.
    first = await page(client, "/v1/calls", status="busy", limit=1)
    assert (ids(first["data"]), first["has_more"]) == ([other["id"]], True)
    rest = await page(client, "/v1/calls", status="busy", limit=1, starting_after=other["id"])
    assert (ids(rest["data"]), rest["has_more"]) == ([busy["id"]], False)


@pytest.mark.parametrize(
    "params, needles",
    [
        ({"status": "done"}, ("status", "must be one of", "no_answer")),
        ({"agent_id": "agt_1"}, ("agent_id", "UUID")),
        ({"direction": "sideways"}, ("direction", "inbound, outbound")),
    ],
)
async def test_bad_call_filters_are_400(
    client: httpx.AsyncClient, params: dict[str, str], needles: tuple[str, ...]
) -> None:
    error_of(await client.get("/v1/calls", params=params), 400, *needles)


@pytest.mark.parametrize("path", LISTS)
async def test_every_list_refuses_unknown_parameters_by_name(client: httpx.AsyncClient, path: str) -> None:
    message = error_of(
        await client.get(path, params={"colour": "blue", "limt": "5"}),
        400,
        "unknown query parameters colour, limt",
        "limit",
    )
    assert "this list takes" in message


async def test_filters_of_one_list_are_unknown_on_another(client: httpx.AsyncClient) -> None:
    error_of(await client.get("/v1/numbers", params={"status": "busy"}), 400, "unknown query parameter status")
    error_of(await client.get("/v1/webhook_endpoints", params={"agent_id": new_id()}), 400, "agent_id")
    error_of(await client.get("/v1/agents", params={"direction": "inbound"}), 400, "direction")


async def test_a_parameter_given_twice_is_400(client: httpx.AsyncClient) -> None:
    error_of(await client.get("/v1/calls?status=busy&status=failed"), 400, "status", "more than once")


@pytest.mark.parametrize(
    "path, params",
    [
        ("/v1/calls", {"limit": "5", "status": "busy", "direction": "outbound"}),
        ("/v1/agents", {"type": "inbound", "include_archived": "true"}),
        ("/v1/webhook_deliveries", {"status": "pending", "limit": "200"}),
        ("/v1/numbers/available", {"country_code": "US", "area_code": "415", "number_type": "local", "limit": "3"}),
    ],
)
async def test_known_parameters_still_work(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> None:
    r = await client.get(path, params=params)
    assert r.status_code == 200, r.text
