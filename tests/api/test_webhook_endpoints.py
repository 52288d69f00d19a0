"""/v1/webhook_endpoints: create, list, get, patch, delete, rotate_secret."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.runtime import Emulator

from .helpers import SECRET_RE, TIMESTAMP_RE, UUID_RE, error_of, ids, new_id, page

ENDPOINT_KEYS = {
    "id",
    "org_id",
    "url",
    "description",
    "enabled_events",
    "status",
    "disabled_reason",
    "disabled_at",
    "consecutive_failures",
    "created_at",
    "updated_at",
}
URL = "https://hooks.example.test/callingbox"
EVENTS = [
    "call.queued",
    "call.ringing",
    "call.answered",
    "call.completed",
    "call.failed",
    "call.no_answer",
    "call.busy",
    "call.canceled",
]


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await client.post("/v1/webhook_endpoints", json={"url": URL, **body})
    assert r.status_code == 201, r.text
    return r.json()


def without_secret(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in endpoint.items() if k != "signing_secret"}


# ---- create ----------------------------------------------------------------------------


async def test_create_answers_201_with_the_secret(client: httpx.AsyncClient, org_id: str) -> None:
    r = await client.post("/v1/webhook_endpoints", json={"url": URL})
    assert r.status_code == 201, r.text
    endpoint = r.json()
    assert set(endpoint) == ENDPOINT_KEYS | {"signing_secret"}
    assert SECRET_RE.match(endpoint["signing_secret"])
    assert UUID_RE.match(endpoint["id"])
    assert TIMESTAMP_RE.match(endpoint["created_at"]) and endpoint["updated_at"] == endpoint["created_at"]
    assert {k: endpoint[k] for k in ENDPOINT_KEYS - {"id", "created_at", "updated_at"}} == {
        "org_id": org_id,
        "url": URL,
        "description": None,
        "enabled_events": ["*"],
        "status": "enabled",
        "disabled_reason": None,
        "disabled_at": None,
        "consecutive_failures": 0,
    }


async def test_create_with_description_and_events(client: httpx.AsyncClient) -> None:
    endpoint = await create(
        client, description="CRM sync", enabled_events=["call.completed", "call.failed", "call.completed"]
    )
    assert endpoint["description"] == "CRM sync"
    assert endpoint["enabled_events"] == ["call.completed", "call.failed"]
    every = await create(client, enabled_events=EVENTS)
    assert every["enabled_events"] == EVENTS
    # Loopback and plain http are fine for a local tool (design: webhooks).
    assert (await create(client, url="http://127.0.0.1:9000/hook", description=None))[
        "url"
    ] == "http://127.0.0.1:9000/hook"


async def test_each_endpoint_gets_its_own_secret(client: httpx.AsyncClient) -> None:
    secrets = {(await create(client))["signing_secret"] for _ in range(3)}
    assert len(secrets) == 3


@pytest.mark.parametrize(
    "body, needles",
    [
        ({"url": URL, "enabled_events": ["call.exploded"]}, ("enabled_events", "call.exploded")),
        ({"url": URL, "enabled_events": ["call.queued", "queued"]}, ("enabled_events", "queued")),
        ({"url": URL, "enabled_events": []}, ("enabled_events",)),
        ({"url": URL, "enabled_events": "call.queued"}, ("enabled_events", "array")),
        ({"url": URL, "enabled_events": [1]}, ("enabled_events",)),
        ({"url": URL, "enabled_events": None}, ("enabled_events", "null")),
        ({"url": "ftp://hooks.example.test/x"}, ("url",)),
        ({"url": "hooks.example.test/x"}, ("url",)),
        ({"url": "https://"}, ("url",)),
        ({"url": ""}, ("url",)),
        ({"url": None}, ("url", "null")),
        ({}, ("url", "required")),
        ({"url": URL, "description": 5}, ("description", "string")),
        ({"url": URL, "status": "disabled"}, ("status", "not a known field")),
        ({"url": URL, "signing_secret": "whsec_" + "0" * 32}, ("signing_secret", "not a known field")),
    ],
)
async def test_bad_create_is_400_and_creates_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], needles: tuple[str, ...]
) -> None:
    error_of(await client.post("/v1/webhook_endpoints", json=body), 400, *needles)
    assert await page(client, "/v1/webhook_endpoints") == {"data": [], "has_more": False}


# ---- list and get ------------------------------------------------------------------------


async def test_list_is_newest_first_without_secrets(client: httpx.AsyncClient) -> None:
    made = [await create(client, description=f"e{i}") for i in range(3)]
    body = await page(client, "/v1/webhook_endpoints")
    assert body == {"data": [without_secret(e) for e in made[::-1]], "has_more": False}
    first = await page(client, "/v1/webhook_endpoints", limit=2)
    assert (ids(first["data"]), first["has_more"]) == (ids(made[:0:-1]), True)
    rest = await page(client, "/v1/webhook_endpoints", starting_after=made[1]["id"])
    assert ids(rest["data"]) == [made[0]["id"]]
    error_of(await client.get("/v1/webhook_endpoints", params={"starting_after": new_id()}), 400, "starting_after")


async def test_get_hides_the_secret(client: httpx.AsyncClient, api: Any) -> None:
    endpoint = await create(client)
    got = await api.ok("GET", f"/v1/webhook_endpoints/{endpoint['id']}")
    assert got == without_secret(endpoint)


@pytest.mark.parametrize("endpoint_id", [new_id(), "we_123"])
async def test_unknown_endpoint_is_404_everywhere(client: httpx.AsyncClient, endpoint_id: str) -> None:
    path = f"/v1/webhook_endpoints/{endpoint_id}"
    error_of(await client.get(path), 404, endpoint_id, "not found")
    error_of(await client.patch(path, json={"description": "x"}), 404, endpoint_id)
    error_of(await client.delete(path), 404, endpoint_id)
    error_of(await client.post(f"{path}/rotate_secret"), 404, endpoint_id)


# ---- patch -------------------------------------------------------------------------------


async def test_patch_updates_the_given_fields(client: httpx.AsyncClient, api: Any, emulator: Emulator) -> None:
    endpoint = await create(client, description="before")
    emulator.advance(10)
    changes = {"url": "https://hooks.example.test/v2", "enabled_events": ["call.completed"], "description": "after"}
    r = await client.patch(f"/v1/webhook_endpoints/{endpoint['id']}", json=changes)
    assert r.status_code == 200, r.text
    updated = r.json()
    assert set(updated) == ENDPOINT_KEYS  # no secret outside create/rotate
    assert updated["updated_at"] > endpoint["updated_at"]
    assert updated == without_secret(endpoint) | changes | {"updated_at": updated["updated_at"]}
    assert await api.ok("GET", f"/v1/webhook_endpoints/{endpoint['id']}") == updated


async def test_patch_description_null_clears_it(client: httpx.AsyncClient, api: Any) -> None:
    endpoint = await create(client, description="note")
    updated = await api.ok("PATCH", f"/v1/webhook_endpoints/{endpoint['id']}", json={"description": None})
    assert updated["description"] is None
    assert updated["url"] == URL and updated["enabled_events"] == ["*"]


async def test_disable_and_enable(client: httpx.AsyncClient, api: Any, emulator: Emulator) -> None:
    endpoint = await create(client)
    path = f"/v1/webhook_endpoints/{endpoint['id']}"
    emulator.advance(5)
    disabled = await api.ok("PATCH", path, json={"status": "disabled"})
    assert disabled["status"] == "disabled"
    assert isinstance(disabled["disabled_reason"], str) and disabled["disabled_reason"]
    assert TIMESTAMP_RE.match(disabled["disabled_at"]) and disabled["disabled_at"] > endpoint["created_at"]
    # Failures counted before the endpoint was disabled (set here as the dispatcher would).
    emulator.default_org.endpoints.get(endpoint["id"]).consecutive_failures = 10
    assert (await api.ok("GET", path))["consecutive_failures"] == 10
    enabled = await api.ok("PATCH", path, json={"status": "enabled"})
    assert (enabled["status"], enabled["disabled_reason"], enabled["disabled_at"]) == ("enabled", None, None)
    assert enabled["consecutive_failures"] == 0  # re-enabling zeroes the counter (docs: webhook-retries)


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"status": "paused"}, "status"),
        ({"status": None}, "status"),
        ({"url": "ftp://x.example.test"}, "url"),
        ({"url": None}, "url"),
        ({"enabled_events": []}, "enabled_events"),
        ({"enabled_events": ["call.exploded"]}, "enabled_events"),
        ({"enabled_events": None}, "enabled_events"),
        ({"signing_secret": "whsec_x"}, "signing_secret"),
        ({"consecutive_failures": 0}, "consecutive_failures"),
    ],
)
async def test_bad_patch_is_400_and_changes_nothing(
    client: httpx.AsyncClient, api: Any, body: dict[str, Any], needle: str
) -> None:
    endpoint = await create(client)
    path = f"/v1/webhook_endpoints/{endpoint['id']}"
    error_of(
        await client.patch(path, json={"description": "changed", "url": "https://changed.example.test", **body}),
        400,
        needle,
    )
    assert await api.ok("GET", path) == without_secret(endpoint)


# ---- delete and rotate -------------------------------------------------------------------


async def test_delete_answers_json_then_404(client: httpx.AsyncClient) -> None:
    keep, gone = await create(client), await create(client)
    path = f"/v1/webhook_endpoints/{gone['id']}"
    r = await client.delete(path)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": gone["id"], "deleted": True}
    error_of(await client.get(path), 404, gone["id"])
    error_of(await client.delete(path), 404, gone["id"])
    assert ids((await page(client, "/v1/webhook_endpoints"))["data"]) == [keep["id"]]
    error_of(await client.get("/v1/webhook_endpoints", params={"starting_after": gone["id"]}), 400, "starting_after")


async def test_rotate_secret(client: httpx.AsyncClient, api: Any) -> None:
    endpoint = await create(client)
    # SDK 0.1.0 sends Content-Type on this body-less POST.
    r = await client.post(
        f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", headers={"content-type": "application/json"}
    )
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert set(rotated) == ENDPOINT_KEYS | {"signing_secret"}
    assert SECRET_RE.match(rotated["signing_secret"])
    assert rotated["signing_secret"] != endpoint["signing_secret"]
    assert without_secret(rotated) == without_secret(endpoint) | {"updated_at": rotated["updated_at"]}
    again = await api.ok("POST", f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", json={})
    assert again["signing_secret"] not in (endpoint["signing_secret"], rotated["signing_secret"])
    assert "signing_secret" not in await api.ok("GET", f"/v1/webhook_endpoints/{endpoint['id']}")


async def test_rotate_and_delete_take_no_body(client: httpx.AsyncClient, api: Any) -> None:
    endpoint = await create(client)
    path = f"/v1/webhook_endpoints/{endpoint['id']}"
    error_of(await client.post(f"{path}/rotate_secret", json={"secret": "mine"}), 400, "body")
    error_of(await client.request("DELETE", path, json={"really": True}), 400, "body")
    assert await api.ok("GET", path) == without_secret(endpoint)
