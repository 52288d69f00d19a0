"""Rules every /v1 route shares: auth, unknown routes and methods, media type, body
parsing and size, and that a rejected request changes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from emulator.api.app import create_app
from emulator.runtime import Emulator

from .helpers import MAGIC_TO, error_of, new_id, org_state, page, set_balance

ID = new_id()
# Every /v1 operation; ids are well-formed but name nothing (auth comes first anyway).
ROUTES = [
    ("GET", "/v1/numbers"),
    ("GET", "/v1/numbers/available"),
    ("POST", "/v1/numbers/purchase"),
    ("PUT", f"/v1/numbers/{ID}/inbound"),
    ("GET", "/v1/agents"),
    ("POST", "/v1/agents"),
    ("GET", f"/v1/agents/{ID}"),
    ("PATCH", f"/v1/agents/{ID}"),
    ("DELETE", f"/v1/agents/{ID}"),
    ("POST", f"/v1/agents/{ID}/numbers"),
    ("DELETE", f"/v1/agents/{ID}/numbers/{ID}"),
    ("PUT", f"/v1/agents/{ID}/primary-number"),
    ("GET", "/v1/calls"),
    ("POST", "/v1/calls"),
    ("GET", f"/v1/calls/{ID}"),
    ("GET", f"/v1/calls/{ID}/transcript"),
    ("GET", "/v1/webhook_endpoints"),
    ("POST", "/v1/webhook_endpoints"),
    ("GET", f"/v1/webhook_endpoints/{ID}"),
    ("PATCH", f"/v1/webhook_endpoints/{ID}"),
    ("DELETE", f"/v1/webhook_endpoints/{ID}"),
    ("POST", f"/v1/webhook_endpoints/{ID}/rotate_secret"),
    ("GET", "/v1/webhook_deliveries"),
    ("GET", f"/v1/webhook_deliveries/{ID}"),
    ("POST", f"/v1/webhook_deliveries/{ID}/redeliver"),
]
BAD_AUTH = [
    (None, "missing API key"),
    ("Basic c2tfdGVzdF9lbXVsYXRvcjo=", "malformed"),
    ("Bearer", "malformed"),
    ("sk_test_emulator", "malformed"),
    ("Bearer sk_test_not_a_key", "invalid API key"),
]
JSON = {"content-type": "application/json"}


def test_route_table_covers_every_v1_operation(emulator: Emulator) -> None:
    served = set()
    for route in create_app(emulator).routes:
        if isinstance(route, Route) and route.path.startswith("/v1/"):
            served |= {(m, route.path) for m in route.methods or () if m != "HEAD"}
    listed = {(m, p.replace(ID, "{x}")) for m, p in ROUTES}
    normalized = set()
    for method, path in served:
        parts = ["{x}" if part.startswith("{") else part for part in path.split("/")]
        normalized.add((method, "/".join(parts)))
    assert normalized == listed


# ---- 401 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("authorization, needle", BAD_AUTH)
async def test_every_v1_route_needs_a_valid_key(
    connect: Any, method: str, path: str, authorization: str | None, needle: str
) -> None:
    client = connect(None)
    headers = {"authorization": authorization} if authorization is not None else {}
    # A body that would fail validation: auth must be checked first.
    content = b"[1]" if method in ("POST", "PUT", "PATCH") else None
    r = await client.request(method, path, content=content, headers=headers | JSON)
    error_of(r, 401, needle)


async def test_the_bearer_scheme_is_case_insensitive(connect: Any) -> None:
    r = await connect(None).get("/v1/numbers", headers={"authorization": "bearer sk_test_emulator"})
    assert r.status_code == 200, r.text


async def test_a_rejected_key_changes_nothing(connect: Any, client: httpx.AsyncClient) -> None:
    stranger = connect("sk_test_not_a_key")
    error_of(await stranger.post("/v1/agents", json={"name": "x", "type": "outbound"}), 401)
    assert (await page(client, "/v1/agents"))["data"] == []


async def test_the_control_plane_needs_no_key(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/_emulator/health")).status_code == 200


# ---- 404 / 405 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v1/nope", "/v2/calls", "/", "/v1/calls/x/y/z", "/v1/numbers/abc", "/v1/agents/x/numbers/y/z"]
)
@pytest.mark.parametrize("key", ["sk_test_emulator", None])
async def test_unknown_paths_are_json_404(connect: Any, path: str, key: str | None) -> None:
    r = await connect(key).get(path)
    error_of(r, 404, "no route", path)


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("DELETE", "/v1/numbers", {"GET", "HEAD"}),
        ("POST", "/v1/numbers/available", {"GET", "HEAD"}),
        ("GET", "/v1/numbers/purchase", {"POST"}),
        ("GET", f"/v1/numbers/{ID}/inbound", {"PUT"}),
        ("PUT", "/v1/calls", {"GET", "HEAD", "POST"}),
        ("DELETE", f"/v1/calls/{ID}", {"GET", "HEAD"}),
        ("PUT", f"/v1/agents/{ID}", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("GET", f"/v1/agents/{ID}/numbers", {"POST"}),
        ("GET", f"/v1/agents/{ID}/primary-number", {"PUT"}),
        ("POST", f"/v1/webhook_endpoints/{ID}", {"GET", "HEAD", "PATCH", "DELETE"}),
        ("GET", f"/v1/webhook_deliveries/{ID}/redeliver", {"POST"}),
        ("DELETE", "/v1/webhook_deliveries", {"GET", "HEAD"}),
    ],
)
async def test_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    r = await client.request(method, path)
    error_of(r, 405, method, path)
    assert set(r.headers["allow"].split(", ")) == allowed


# ---- media type and body parsing ---------------------------------------------------------

AGENT = {"name": "x", "type": "outbound"}


@pytest.mark.parametrize(
    "headers, needle",
    [
        ({"content-type": "text/plain"}, "text/plain"),
        ({"content-type": "application/x-www-form-urlencoded"}, "application/x-www-form-urlencoded"),
        ({}, "none"),
    ],
)
async def test_a_body_that_is_not_json_is_415(client: httpx.AsyncClient, headers: dict[str, str], needle: str) -> None:
    r = await client.post("/v1/agents", content=json.dumps(AGENT).encode(), headers=headers)
    error_of(r, 415, "Content-Type", needle)
    assert (await page(client, "/v1/agents"))["data"] == []


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json"]
)
async def test_json_media_types_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    r = await client.post("/v1/agents", content=json.dumps(AGENT).encode(), headers={"content-type": content_type})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "content, needles",
    [
        (b'{"name": "x",', ("not valid JSON",)),
        (b"{'name': 'x'}", ("not valid JSON",)),
        (b"[]", ("JSON object",)),
        (b'[{"name": "x", "type": "outbound"}]', ("JSON object",)),
        (b'"agent"', ("JSON object",)),
        (b"null", ("JSON object",)),
        (b"42", ("JSON object",)),
        (b"", ("body is required",)),
        (b"   \n", ("body is required",)),
        (b"\xff\xfe\x00", ("not valid JSON",)),
        (b'{"name": "x", "type": "outbound", "persona": NaN}', ("NaN",)),
        (b'{"name": "x", "type": "outbound", "persona": Infinity}', ("Infinity",)),
        (b'{"name": "x", "type": "outbound", "persona": "\\ud800"}', ("surrogate",)),
        (b'{"name": "x", "type": "outbound", "tools": [{"type": "http", "name": "\\udfff"}]}', ("surrogate",)),
        (b'{"name": "x", "type": "outbound", "returns": {"\\ud800": "string"}}', ("surrogate",)),
        (
            b'{"name": "x", "type": "outbound", "tools": [{"type": "http", "name": "a", "x": '
            + b"[" * 150
            + b"]" * 150
            + b"}]}",
            ("nested",),
        ),
        # deeper than the parser goes (where it stops depends on the Python): the same answer
        (
            b'{"name": "x", "type": "outbound", "tools": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            ("nested deeper than 100",),
        ),
        (b'{"name": "x", "type": "outbound", "tools": ' + b"[" * 500_000 + b"}", ("nested deeper than 100",)),
    ],
)
async def test_bad_json_is_400(client: httpx.AsyncClient, content: bytes, needles: tuple[str, ...]) -> None:
    error_of(await client.post("/v1/agents", content=content, headers=JSON), 400, *needles)
    assert (await page(client, "/v1/agents"))["data"] == []


@pytest.mark.parametrize(
    "field, value",
    [("context", 1e999), ("context", float("nan")), ("metadata", "\ud800"), ("context", "nested")],
)
async def test_free_form_call_fields_reject_what_cannot_be_echoed(
    client: httpx.AsyncClient, api: Any, field: str, value: Any
) -> None:
    """context and metadata take any JSON, but only JSON the call object can give back."""
    agent = await api.agent()
    if value == "nested":
        value = []
        for _ in range(150):
            value = [value]
    body = {"agent_id": agent["id"], "to": MAGIC_TO, field: {"k": value}}
    content = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
    error_of(await client.post("/v1/calls", content=content, headers=JSON), 400)
    assert (await page(client, "/v1/calls"))["data"] == []


@pytest.mark.parametrize(
    "url", ["http://[::1", "https://hooks.example.test:99999/x", "https://hooks.example.test:-1/x"]
)
async def test_malformed_urls_are_400(client: httpx.AsyncClient, api: Any, url: str) -> None:
    error_of(await client.post("/v1/webhook_endpoints", json={"url": url}), 400, "url")
    error_of(await client.post("/v1/agents", json={**AGENT, "webhook_url": url}), 400, "webhook_url")
    agent = await api.agent()
    error_of(
        await client.post("/v1/calls", json={"agent_id": agent["id"], "to": MAGIC_TO, "webhook_url": url}),
        400,
        "webhook_url",
    )


# ---- 413 ---------------------------------------------------------------------------------

LIMIT = 1024 * 1024


def agent_body_of_size(size: int) -> bytes:
    head = b'{"name": "x", "type": "outbound", "persona": "'
    tail = b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


async def test_a_body_over_one_mib_is_413(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/agents", content=agent_body_of_size(LIMIT + 1), headers=JSON)
    error_of(r, 413, str(LIMIT))
    assert (await page(client, "/v1/agents"))["data"] == []


async def test_a_body_of_exactly_one_mib_is_accepted(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/agents", content=agent_body_of_size(LIMIT), headers=JSON)
    assert r.status_code == 201, r.text[:200]


async def test_a_streamed_body_over_one_mib_is_413(client: httpx.AsyncClient) -> None:
    body = agent_body_of_size(2 * LIMIT)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        for i in range(0, len(body), 64 * 1024):
            yield body[i : i + 64 * 1024]

    r = await client.post("/v1/agents", content=chunks(), headers=JSON)
    error_of(r, 413, str(LIMIT))
    assert (await page(client, "/v1/agents"))["data"] == []


async def test_a_lying_content_length_is_413(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/agents", content=b"{}", headers=JSON | {"content-length": str(LIMIT + 1)})
    error_of(r, 413)


# ---- a rejected request changes nothing --------------------------------------------------


async def test_failed_agent_create_attaches_nothing(client: httpx.AsyncClient, api: Any) -> None:
    free = await api.buy_number()
    taken = (await api.agent(type="inbound"))["numbers"][0]
    numbers_before = (await page(client, "/v1/numbers"))["data"]
    agents_before = (await page(client, "/v1/agents"))["data"]
    for number_ids, status in (([free["id"], new_id()], 404), ([free["id"], taken["id"]], 400)):
        r = await client.post("/v1/agents", json={"name": "x", "type": "inbound", "number_ids": number_ids})
        error_of(r, status)
    assert (await page(client, "/v1/numbers"))["data"] == numbers_before
    assert (await page(client, "/v1/agents"))["data"] == agents_before


async def test_a_402_call_changes_nothing(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    await api.ok("POST", "/v1/webhook_endpoints", 201, json={"url": "https://hooks.example.test/all"})
    agent = await api.agent(webhook_url="https://hooks.example.test/agent")
    await set_balance(client, org_id, 299_999)
    before = await org_state(client, org_id)
    error_of(await client.post("/v1/calls", json={"agent_id": agent["id"], "to": MAGIC_TO}), 402, "Calls paused")
    assert await org_state(client, org_id) == before
    assert (await page(client, "/v1/calls"))["data"] == []
    assert (await page(client, "/v1/webhook_deliveries"))["data"] == []


async def test_a_400_call_changes_nothing(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    await api.ok("POST", "/v1/webhook_endpoints", 201, json={"url": "https://hooks.example.test/all"})
    agent = await api.agent()
    spare = await api.buy_number()
    before = await org_state(client, org_id)
    r = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": MAGIC_TO, "from_number": spare["e164"]})
    error_of(r, 400, "from_number")
    assert await org_state(client, org_id) == before
    assert (await page(client, "/v1/calls"))["data"] == []
    assert (await page(client, "/v1/webhook_deliveries"))["data"] == []


async def test_a_402_purchase_changes_nothing(client: httpx.AsyncClient, org_id: str) -> None:
    offer = (await client.get("/v1/numbers/available", params={"limit": 3})).json()
    await set_balance(client, org_id, 0)
    error_of(await client.post("/v1/numbers/purchase", json={"phone_number": offer[0]["phone_number"]}), 402)
    assert (await org_state(client, org_id))["balance_milli_cents"] == 0
    assert (await client.get("/v1/numbers/available", params={"limit": 3})).json() == offer
    assert (await page(client, "/v1/numbers"))["data"] == []


async def test_failed_attach_and_primary_change_nothing(client: httpx.AsyncClient, api: Any) -> None:
    owner = await api.agent(type="inbound")
    other = await api.agent(type="inbound")
    before = (await page(client, "/v1/agents"))["data"], (await page(client, "/v1/numbers"))["data"]
    r = await client.post(
        f"/v1/agents/{other['id']}/numbers", json={"number_id": owner["primary_number_id"], "set_as_primary": True}
    )
    error_of(r, 400, "inbound agent")
    r = await client.put(f"/v1/agents/{other['id']}/primary-number", json={"number_id": owner["primary_number_id"]})
    error_of(r, 400, "not attached")
    assert ((await page(client, "/v1/agents"))["data"], (await page(client, "/v1/numbers"))["data"]) == before
