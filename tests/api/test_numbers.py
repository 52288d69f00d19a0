"""/v1/numbers: list + pagination, the available inventory, purchase, legacy inbound config."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import TIMESTAMP_RE, UUID_RE, error_of, ids, new_id, org_state, page, set_balance

NUMBER_KEYS = {
    "id",
    "e164",
    "friendly_name",
    "country_code",
    "number_type",
    "status",
    "monthly_cost_cents",
    "purchased_at",
    "inbound_agent_id",
    "outbound_agent_ids",
    "inbound_enabled",
    "inbound_prompt",
    "inbound_returns",
    "inbound_webhook_url",
    "inbound_language",
    "inbound_tools",
    "inbound_voicemail_action",
}
AVAILABLE_KEYS = {
    "phone_number",
    "country_code",
    "number_type",
    "state",
    "locality",
    "monthly_cost_cents",
    "upfront_cost_cents",
    "currency",
}
TOLL_FREE = ("800", "833", "844", "855", "866", "877", "888")


async def available(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/v1/numbers/available", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body, list)  # the docs answer a bare array here
    return body


async def buy_five(api: Any) -> list[dict[str, Any]]:
    """Five numbers, oldest first."""
    return [await api.buy_number() for _ in range(5)]


# ---- list and pagination ---------------------------------------------------------------


async def test_list_is_empty_for_a_new_org(client: httpx.AsyncClient) -> None:
    assert await page(client, "/v1/numbers") == {"data": [], "has_more": False}


async def test_list_is_newest_first_with_full_objects(client: httpx.AsyncClient, api: Any) -> None:
    bought = await buy_five(api)
    body = await page(client, "/v1/numbers")
    assert ids(body["data"]) == ids(bought)[::-1]
    assert body["has_more"] is False
    assert body["data"][-1] == bought[0]


async def test_limit_and_starting_after_page_forward(client: httpx.AsyncClient, api: Any) -> None:
    n = ids(await buy_five(api))  # n[0] oldest ... n[4] newest
    first = await page(client, "/v1/numbers", limit=2)
    assert (ids(first["data"]), first["has_more"]) == ([n[4], n[3]], True)
    second = await page(client, "/v1/numbers", limit=2, starting_after=n[3])
    assert (ids(second["data"]), second["has_more"]) == ([n[2], n[1]], True)
    last = await page(client, "/v1/numbers", limit=2, starting_after=n[1])
    assert (ids(last["data"]), last["has_more"]) == ([n[0]], False)
    beyond = await page(client, "/v1/numbers", limit=2, starting_after=n[0])
    assert beyond == {"data": [], "has_more": False}


async def test_has_more_is_exact_at_the_boundary(client: httpx.AsyncClient, api: Any) -> None:
    await buy_five(api)
    assert (await page(client, "/v1/numbers", limit=5))["has_more"] is False
    assert (await page(client, "/v1/numbers", limit=4))["has_more"] is True


async def test_ending_before_returns_the_items_closest_to_the_cursor(client: httpx.AsyncClient, api: Any) -> None:
    n = ids(await buy_five(api))
    # Newer than n[1]: n[2], n[3], n[4]; the 2 closest are n[2], n[3], answered newest first.
    body = await page(client, "/v1/numbers", limit=2, ending_before=n[1])
    assert (ids(body["data"]), body["has_more"]) == ([n[3], n[2]], True)
    body = await page(client, "/v1/numbers", limit=2, ending_before=n[3])
    assert (ids(body["data"]), body["has_more"]) == ([n[4]], False)
    assert await page(client, "/v1/numbers", ending_before=n[4]) == {"data": [], "has_more": False}


async def test_sdk_style_iteration_both_ways_sees_every_number_once(client: httpx.AsyncClient, api: Any) -> None:
    n = ids(await buy_five(api))
    forward: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        body = await page(client, "/v1/numbers", **params)
        forward += ids(body["data"])
        if not body["has_more"] or not body["data"]:
            break
        params["starting_after"] = body["data"][-1]["id"]
    assert forward == n[::-1]

    # SDK 0.1.0 backward mode: cursor = first item of the page, pages yielded in reverse fetch order.
    pages: list[list[str]] = []
    params = {"limit": 2, "ending_before": n[0]}
    while True:
        body = await page(client, "/v1/numbers", **params)
        pages.append(ids(body["data"]))
        if not body["has_more"] or not body["data"]:
            break
        params["ending_before"] = body["data"][0]["id"]
    assert [i for p in reversed(pages) for i in p] == n[:0:-1]


@pytest.mark.parametrize("cursor", ["starting_after", "ending_before"])
async def test_unknown_cursor_is_400(client: httpx.AsyncClient, api: Any, cursor: str) -> None:
    await api.buy_number()
    error_of(await client.get("/v1/numbers", params={cursor: new_id()}), 400, cursor)
    error_of(await client.get("/v1/numbers", params={cursor: "pn_abc123"}), 400, cursor)


async def test_both_cursors_is_400(client: httpx.AsyncClient, api: Any) -> None:
    a, b = await api.buy_number(), await api.buy_number()
    r = await client.get("/v1/numbers", params={"starting_after": a["id"], "ending_before": b["id"]})
    error_of(r, 400, "starting_after", "ending_before")


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "", "2.5"])
async def test_bad_limit_is_400(client: httpx.AsyncClient, limit: str) -> None:
    error_of(await client.get("/v1/numbers", params={"limit": limit}), 400, "limit")


async def test_limit_bounds_are_inclusive(client: httpx.AsyncClient, api: Any) -> None:
    await api.buy_number()
    assert len((await page(client, "/v1/numbers", limit=1))["data"]) == 1
    assert len((await page(client, "/v1/numbers", limit=100))["data"]) == 1


# ---- available -------------------------------------------------------------------------


async def test_available_shape_and_default_limit(client: httpx.AsyncClient) -> None:
    found = await available(client)
    assert len(found) == 10
    assert len({a["phone_number"] for a in found}) == 10
    for a in found:
        assert set(a) == AVAILABLE_KEYS
        assert a["country_code"] == "US"
        assert a["number_type"] == "local"
        assert (a["monthly_cost_cents"], a["upfront_cost_cents"], a["currency"]) == (100, 0, "USD")
        assert isinstance(a["state"], str) and isinstance(a["locality"], str)


async def test_available_is_deterministic_for_a_seed(connect: Any) -> None:
    def client_for(seed: int) -> httpx.AsyncClient:
        return connect(target=Emulator(Config(seed=seed)))

    params = {"limit": 8}
    first = await available(client_for(7), **params)
    assert await available(client_for(7), **params) == first
    assert await available(client_for(8), **params) != first
    same_area = {"area_code": "212", "limit": 5}
    assert await available(client_for(7), **same_area) == await available(client_for(7), **same_area)


async def test_searching_changes_nothing(client: httpx.AsyncClient) -> None:
    first = await available(client, limit=5)
    assert await available(client, limit=5) == first
    assert await page(client, "/v1/numbers") == {"data": [], "has_more": False}


async def test_area_code_is_honored_with_state_and_locality(client: httpx.AsyncClient) -> None:
    found = await available(client, area_code="415", limit=5)
    assert len(found) == 5
    for a in found:
        assert a["phone_number"].startswith("+1415")
        assert (a["state"], a["locality"], a["number_type"]) == ("CA", "San Francisco", "local")
    # An area code outside the emulator's city table still gets a state and a locality.
    for a in await available(client, area_code="207", limit=3):
        assert a["phone_number"].startswith("+1207")
        assert isinstance(a["state"], str) and len(a["state"]) == 2
        assert isinstance(a["locality"], str) and a["locality"]


async def test_toll_free(client: httpx.AsyncClient) -> None:
    found = await available(client, number_type="toll_free", limit=4)
    assert len(found) == 4
    for a in found:
        assert a["phone_number"][2:5] in TOLL_FREE
        assert (a["number_type"], a["state"], a["locality"], a["monthly_cost_cents"]) == ("toll_free", None, None, 200)


async def test_limit_of_available(client: httpx.AsyncClient) -> None:
    assert len(await available(client, limit=1)) == 1
    assert len(await available(client, limit=100)) == 100
    for bad in ("0", "101", "x"):
        error_of(await client.get("/v1/numbers/available", params={"limit": bad}), 400, "limit")


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"country_code": "CA"}, "country_code"),
        ({"country_code": "GB", "area_code": "415"}, "country_code"),
        ({"area_code": "41"}, "area_code"),
        ({"area_code": "4155"}, "area_code"),
        ({"area_code": "015"}, "area_code"),
        ({"area_code": "abc"}, "area_code"),
        ({"area_code": "415", "number_type": "toll_free"}, "area_code"),
        ({"number_type": "mobile"}, "number_type"),
    ],
)
async def test_bad_search_is_400(client: httpx.AsyncClient, params: dict[str, str], needle: str) -> None:
    error_of(await client.get("/v1/numbers/available", params=params), 400, needle)


async def test_a_purchased_number_leaves_the_inventory(client: httpx.AsyncClient, org_b: Any) -> None:
    before = await available(client, area_code="415", limit=5)
    r = await client.post("/v1/numbers/purchase", json={"phone_number": before[1]["phone_number"]})
    assert r.status_code == 201, r.text
    after = await available(client, area_code="415", limit=5)
    assert before[1]["phone_number"] not in [a["phone_number"] for a in after]
    assert after[:4] == [before[0], *before[2:]]
    # The inventory is global: no other org is offered it either.
    assert after == await available(org_b.client, area_code="415", limit=5)


# ---- purchase --------------------------------------------------------------------------


async def test_purchase_answers_201_with_the_number(client: httpx.AsyncClient, org_id: str) -> None:
    offer = (await available(client, area_code="312", limit=1))[0]
    r = await client.post("/v1/numbers/purchase", json={"phone_number": offer["phone_number"]})
    assert r.status_code == 201, r.text
    number = r.json()
    assert set(number) == NUMBER_KEYS
    assert UUID_RE.match(number["id"])
    assert TIMESTAMP_RE.match(number["purchased_at"])
    assert {k: v for k, v in number.items() if k not in ("id", "purchased_at")} == {
        "e164": offer["phone_number"],
        "friendly_name": None,
        "country_code": "US",
        "number_type": "local",
        "status": "active",
        "monthly_cost_cents": 100,
        "inbound_agent_id": None,
        "outbound_agent_ids": [],
        "inbound_enabled": False,
        "inbound_prompt": None,
        "inbound_returns": None,
        "inbound_webhook_url": None,
        "inbound_language": None,
        "inbound_tools": None,
        "inbound_voicemail_action": "hangup",
    }
    assert (await page(client, "/v1/numbers"))["data"] == [number]


async def test_purchase_debits_the_monthly_cost(client: httpx.AsyncClient, org_id: str) -> None:
    start = (await org_state(client, org_id))["balance_milli_cents"]
    local = (await available(client, limit=1))[0]["phone_number"]
    assert (await client.post("/v1/numbers/purchase", json={"phone_number": local})).status_code == 201
    assert (await org_state(client, org_id))["balance_milli_cents"] == start - 100_000
    toll_free = (await available(client, number_type="toll_free", limit=1))[0]["phone_number"]
    r = await client.post("/v1/numbers/purchase", json={"phone_number": toll_free})
    assert r.status_code == 201, r.text
    assert (r.json()["number_type"], r.json()["monthly_cost_cents"]) == ("toll_free", 200)
    assert (await org_state(client, org_id))["balance_milli_cents"] == start - 300_000


async def test_purchase_with_exactly_enough_credit(client: httpx.AsyncClient, org_id: str) -> None:
    await set_balance(client, org_id, 100_000)
    r = await client.post("/v1/numbers/purchase", json={"phone_number": "+14155550100"})
    assert r.status_code == 201, r.text
    assert (await org_state(client, org_id))["balance_milli_cents"] == 0


async def test_insufficient_balance_is_402_and_changes_nothing(client: httpx.AsyncClient, org_id: str) -> None:
    await set_balance(client, org_id, 99_999)
    r = await client.post("/v1/numbers/purchase", json={"phone_number": "+14155550100"})
    error_of(r, 402, "Your balance is $0.99 ", "costs $1.00")
    assert (await org_state(client, org_id))["balance_milli_cents"] == 99_999
    assert await page(client, "/v1/numbers") == {"data": [], "has_more": False}


async def test_a_number_already_owned_cannot_be_bought(client: httpx.AsyncClient, org_b: Any, org_id: str) -> None:
    await client.post("/v1/numbers/purchase", json={"phone_number": "+14155550100"})
    balance_b = (await org_state(client, org_b.id))["balance_milli_cents"]
    error_of(
        await org_b.client.post("/v1/numbers/purchase", json={"phone_number": "+14155550100"}),
        400,
        "phone_number",
        "not available",
    )
    assert (await org_state(client, org_b.id))["balance_milli_cents"] == balance_b
    assert await page(org_b.client, "/v1/numbers") == {"data": [], "has_more": False}
    # Buying it twice in the same org is refused too.
    error_of(await client.post("/v1/numbers/purchase", json={"phone_number": "+14155550100"}), 400, "phone_number")
    assert len((await page(client, "/v1/numbers"))["data"]) == 1


@pytest.mark.parametrize(
    "body, needles",
    [
        ({"phone_number": "4155550100"}, ("phone_number", "E.164")),
        ({"phone_number": "+1 415 555 0100"}, ("phone_number", "E.164")),
        ({"phone_number": "+442071234567"}, ("phone_number", "US")),
        ({"phone_number": "+11155550100"}, ("phone_number", "US")),
        ({"phone_number": ""}, ("phone_number",)),
        ({}, ("phone_number", "required")),
        ({"phone_number": "+14155550100", "friendly_name": "x"}, ("friendly_name", "not a known field")),
        ({"phone_number": 14155550100}, ("phone_number", "string")),
        ({"phone_number": None}, ("phone_number", "null")),
        ({"phone_number": ["+14155550100"]}, ("phone_number", "string")),
    ],
)
async def test_bad_purchase_is_400(client: httpx.AsyncClient, org_id: str, body: Any, needles: tuple[str, ...]) -> None:
    start = (await org_state(client, org_id))["balance_milli_cents"]
    error_of(await client.post("/v1/numbers/purchase", json=body), 400, *needles)
    assert (await org_state(client, org_id))["balance_milli_cents"] == start
    assert (await page(client, "/v1/numbers"))["data"] == []


async def test_purchase_without_a_body_is_400(client: httpx.AsyncClient) -> None:
    error_of(await client.post("/v1/numbers/purchase"), 400, "body")


# ---- legacy inbound config -------------------------------------------------------------

FULL_INBOUND = {
    "enabled": True,
    "prompt": "Answer as the front desk.",
    "returns": {"reason": "string", "urgent": "boolean"},
    "webhook_url": "https://hooks.example.test/inbound",
    "language": "es",
    "tools": [{"type": "builtin", "name": "end_call"}],
    "voicemail_action": "leave_message",
}
CLEARED = {key: None for key in FULL_INBOUND} | {"enabled": False}


async def test_put_inbound_sets_every_key(client: httpx.AsyncClient, api: Any) -> None:
    number = await api.buy_number()
    r = await client.put(f"/v1/numbers/{number['id']}/inbound", json=FULL_INBOUND)
    assert r.status_code == 200, r.text
    expected = number | {f"inbound_{k}": v for k, v in FULL_INBOUND.items()}
    assert r.json() == expected
    assert (await page(client, "/v1/numbers"))["data"] == [expected]


async def test_put_inbound_null_clears(client: httpx.AsyncClient, api: Any) -> None:
    number = await api.buy_number()
    await client.put(f"/v1/numbers/{number['id']}/inbound", json=FULL_INBOUND)
    r = await client.put(f"/v1/numbers/{number['id']}/inbound", json=CLEARED)
    assert r.status_code == 200, r.text
    assert r.json() == number  # back to the defaults: disabled, nulls, hangup


@pytest.mark.parametrize("missing", sorted(FULL_INBOUND))
async def test_put_inbound_needs_all_seven_keys(client: httpx.AsyncClient, api: Any, missing: str) -> None:
    number = await api.buy_number()
    body = {k: v for k, v in FULL_INBOUND.items() if k != missing}
    error_of(await client.put(f"/v1/numbers/{number['id']}/inbound", json=body), 400, missing, "required")
    assert (await page(client, "/v1/numbers"))["data"] == [number]


@pytest.mark.parametrize(
    "change, needle",
    [
        ({"voicemail_action": "beep"}, "voicemail_action"),
        ({"returns": {"reason": "integer"}}, "returns"),
        ({"webhook_url": "ftp://hooks.example.test"}, "webhook_url"),
        ({"language": "not a language"}, "language"),
        ({"enabled": "yes"}, "enabled"),
        ({"enabled": None}, "enabled"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_put_inbound_rejects_bad_values(
    client: httpx.AsyncClient, api: Any, change: dict[str, Any], needle: str
) -> None:
    number = await api.buy_number()
    error_of(await client.put(f"/v1/numbers/{number['id']}/inbound", json=FULL_INBOUND | change), 400, needle)
    assert (await page(client, "/v1/numbers"))["data"] == [number]


@pytest.mark.parametrize("number_id", [new_id(), "pn_abc123"])
async def test_put_inbound_on_an_unknown_number_is_404(client: httpx.AsyncClient, number_id: str) -> None:
    error_of(await client.put(f"/v1/numbers/{number_id}/inbound", json=FULL_INBOUND), 404, number_id, "not found")
