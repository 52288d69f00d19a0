"""/v1/agents: create, list, get, patch, archive, attach, detach, primary number."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.runtime import Emulator

from .helpers import TIMESTAMP_RE, UUID_RE, error_of, ids, new_id, page

AGENT_KEYS = {
    "id",
    "org_id",
    "user_id",
    "name",
    "type",
    "persona",
    "instructions",
    "voice",
    "language",
    "returns",
    "tools",
    "webhook_url",
    "voicemail_action",
    "primary_number_id",
    "archived_at",
    "created_at",
    "updated_at",
    "numbers",
}
TOOLS = [
    {
        "type": "builtin",
        "name": "end_call",
        "description": "Hang up",
        "policy": "read",
        "builtin": "end_call",
        "parameters": {"type": "object", "properties": {}, "required": [], "additionalProperties": False},
    },
    {"type": "http", "name": "lookup", "url": "https://tools.example.test/lookup", "policy": "read"},
]
FULL = {
    "name": "Appointment reminders",
    "type": "outbound",
    "persona": "You are Sam from Dr. Chen's office.",
    "instructions": "Confirm tomorrow's appointment.",
    "voice": "verse",
    "language": "es-MX",
    "returns": {"confirmed": "boolean", "reschedule_to": "string", "party_size": "number"},
    "tools": TOOLS,
    "webhook_url": "https://hooks.example.test/agent",
    "voicemail_action": "leave_message",
}


async def create(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/agents", json={"name": "Reminders", "type": "outbound", **body})


async def numbers_by_id(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in (await page(client, "/v1/numbers", limit=100))["data"]}


# ---- create ----------------------------------------------------------------------------


async def test_create_answers_201_with_every_field(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    n1, n2 = await api.buy_number(), await api.buy_number()
    r = await client.post("/v1/agents", json={**FULL, "number_ids": [n1["id"], n2["id"]]})
    assert r.status_code == 201, r.text
    agent = r.json()
    assert set(agent) == AGENT_KEYS
    assert UUID_RE.match(agent["id"]) and agent["org_id"] == org_id
    assert isinstance(agent["user_id"], str) and agent["user_id"]
    assert TIMESTAMP_RE.match(agent["created_at"]) and agent["updated_at"] == agent["created_at"]
    assert {k: agent[k] for k in FULL} == FULL
    assert agent["archived_at"] is None
    assert agent["primary_number_id"] == n1["id"]  # the first number becomes primary
    assert ids(agent["numbers"]) == [n1["id"], n2["id"]]
    assert [n["outbound_agent_ids"] for n in agent["numbers"]] == [[agent["id"]], [agent["id"]]]
    assert agent["numbers"][0] == n1 | {"outbound_agent_ids": [agent["id"]]}
    # The numbers themselves now name the agent.
    owned = await numbers_by_id(client)
    assert owned[n1["id"]]["outbound_agent_ids"] == [agent["id"]]
    assert owned[n1["id"]]["inbound_agent_id"] is None


async def test_create_defaults(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/agents", json={"name": "Bare", "type": "inbound"})
    assert r.status_code == 201, r.text
    agent = r.json()
    assert {k: agent[k] for k in AGENT_KEYS - {"id", "org_id", "user_id", "created_at", "updated_at"}} == {
        "name": "Bare",
        "type": "inbound",
        "persona": None,
        "instructions": None,
        "voice": "alloy",
        "language": "en",
        "returns": {},
        "tools": [],
        "webhook_url": None,
        "voicemail_action": "hangup",
        "primary_number_id": None,
        "archived_at": None,
        "numbers": [],
    }


async def test_inbound_agent_owns_its_numbers(client: httpx.AsyncClient, api: Any) -> None:
    number = await api.buy_number()
    agent = await api.ok(
        "POST", "/v1/agents", 201, json={"name": "Desk", "type": "inbound", "number_ids": [number["id"]]}
    )
    assert agent["numbers"][0]["inbound_agent_id"] == agent["id"]
    assert agent["numbers"][0]["outbound_agent_ids"] == []
    assert (await numbers_by_id(client))[number["id"]]["inbound_agent_id"] == agent["id"]


async def test_explicit_primary_must_be_one_of_number_ids(client: httpx.AsyncClient, api: Any) -> None:
    a, b, c = [await api.buy_number() for _ in range(3)]
    r = await create(client, number_ids=[a["id"], b["id"]], primary_number_id=b["id"])
    assert r.status_code == 201, r.text
    assert r.json()["primary_number_id"] == b["id"]
    error_of(await create(client, number_ids=[a["id"]], primary_number_id=c["id"]), 400, "primary_number_id")
    error_of(await create(client, primary_number_id=c["id"]), 400, "primary_number_id")


async def test_duplicate_number_ids_attach_once(client: httpx.AsyncClient, api: Any) -> None:
    number = await api.buy_number()
    agent = (await create(client, number_ids=[number["id"], number["id"]])).json()
    assert ids(agent["numbers"]) == [number["id"]]
    assert (await numbers_by_id(client))[number["id"]]["outbound_agent_ids"] == [agent["id"]]


@pytest.mark.parametrize("hint", ["boolean", "string", "number"])
async def test_returns_accepts_the_three_type_hints(client: httpx.AsyncClient, hint: str) -> None:
    r = await create(client, returns={"field": hint})
    assert r.status_code == 201, r.text
    assert r.json()["returns"] == {"field": hint}


@pytest.mark.parametrize(
    "body, needles",
    [
        ({"returns": {"count": "integer"}}, ("returns.count",)),
        ({"returns": {"when": "date"}}, ("returns.when",)),
        ({"returns": {"nested": {"a": "string"}}}, ("returns.nested",)),
        ({"returns": {"flag": True}}, ("returns.flag",)),
        ({"returns": ["confirmed"]}, ("returns",)),
        ({"voicemail_action": "beep"}, ("voicemail_action", "hangup", "leave_message")),
        ({"type": "both"}, ("type", "inbound", "outbound")),
        ({"name": ""}, ("name",)),
        ({"name": "   "}, ("name",)),
        ({"name": 5}, ("name", "string")),
        ({"language": "english please"}, ("language",)),
        ({"voice": ""}, ("voice",)),
        ({"webhook_url": "ftp://hooks.example.test"}, ("webhook_url",)),
        ({"webhook_url": "not a url"}, ("webhook_url",)),
        ({"tools": [{"type": "mcp", "name": "x"}]}, ("tools[0].type",)),
        ({"tools": [{"type": "http"}]}, ("tools[0].name",)),
        ({"tools": [{"type": "builtin", "name": f"t{i}"} for i in range(17)]}, ("tools", "16")),
        ({"tools": {"type": "http"}}, ("tools",)),
        ({"number_ids": "abc"}, ("number_ids",)),
        ({"number_ids": ["pn_abc123"]}, ("number_ids",)),
        ({"primary_number_id": 5}, ("primary_number_id",)),
        ({"color": "blue"}, ("color", "not a known field")),
    ],
)
async def test_create_rejects_bad_fields(
    client: httpx.AsyncClient, body: dict[str, Any], needles: tuple[str, ...]
) -> None:
    error_of(await create(client, **body), 400, *needles)
    assert (await page(client, "/v1/agents", include_archived="true"))["data"] == []


@pytest.mark.parametrize("missing", ["name", "type"])
async def test_create_requires_name_and_type(client: httpx.AsyncClient, missing: str) -> None:
    body = {k: v for k, v in {"name": "x", "type": "outbound"}.items() if k != missing}
    error_of(await client.post("/v1/agents", json=body), 400, missing, "required")


@pytest.mark.parametrize(
    "field",
    ["name", "type", "voice", "language", "returns", "tools", "voicemail_action", "number_ids", "primary_number_id"],
)
async def test_explicit_null_for_a_non_nullable_field_is_400(client: httpx.AsyncClient, field: str) -> None:
    body = {"name": "x", "type": "outbound", field: None}
    error_of(await client.post("/v1/agents", json=body), 400, field)


@pytest.mark.parametrize("field", ["persona", "instructions", "webhook_url"])
async def test_nullable_fields_accept_null(client: httpx.AsyncClient, field: str) -> None:
    r = await create(client, **{field: None})
    assert r.status_code == 201, r.text
    assert r.json()[field] is None


# ---- list --------------------------------------------------------------------------------


async def test_list_is_newest_first(client: httpx.AsyncClient) -> None:
    made = [(await create(client, name=f"A{i}")).json() for i in range(3)]
    body = await page(client, "/v1/agents")
    assert body == {"data": made[::-1], "has_more": False}


async def test_list_filters_by_type(client: httpx.AsyncClient) -> None:
    out1 = (await create(client, type="outbound")).json()
    inb = (await create(client, type="inbound")).json()
    out2 = (await create(client, type="outbound")).json()
    assert ids((await page(client, "/v1/agents", type="outbound"))["data"]) == [out2["id"], out1["id"]]
    assert ids((await page(client, "/v1/agents", type="inbound"))["data"]) == [inb["id"]]
    error_of(await client.get("/v1/agents", params={"type": "sideways"}), 400, "type")


async def test_archived_agents_are_listed_only_on_request(client: httpx.AsyncClient) -> None:
    kept = (await create(client, name="kept")).json()
    gone = (await create(client, name="gone")).json()
    assert (await client.delete(f"/v1/agents/{gone['id']}")).status_code == 200
    assert ids((await page(client, "/v1/agents"))["data"]) == [kept["id"]]
    assert ids((await page(client, "/v1/agents", include_archived="false"))["data"]) == [kept["id"]]
    listed = (await page(client, "/v1/agents", include_archived="true"))["data"]
    assert ids(listed) == [gone["id"], kept["id"]]
    assert listed[0]["archived_at"] is not None
    error_of(await client.get("/v1/agents", params={"include_archived": "yes"}), 400, "include_archived")


async def test_list_paginates(client: httpx.AsyncClient) -> None:
    a = ids([(await create(client, name=f"A{i}")).json() for i in range(5)])
    first = await page(client, "/v1/agents", limit=2)
    assert (ids(first["data"]), first["has_more"]) == ([a[4], a[3]], True)
    rest = await page(client, "/v1/agents", limit=3, starting_after=a[3])
    assert (ids(rest["data"]), rest["has_more"]) == ([a[2], a[1], a[0]], False)
    back = await page(client, "/v1/agents", limit=2, ending_before=a[0])
    assert (ids(back["data"]), back["has_more"]) == ([a[2], a[1]], True)
    filtered = await page(client, "/v1/agents", limit=1, type="outbound", starting_after=a[1])
    assert (ids(filtered["data"]), filtered["has_more"]) == ([a[0]], False)
    error_of(await client.get("/v1/agents", params={"starting_after": new_id()}), 400, "starting_after")
    error_of(await client.get("/v1/agents", params={"limit": "101"}), 400, "limit")
    error_of(await client.get("/v1/agents", params={"limit": "0"}), 400, "limit")


# ---- get ---------------------------------------------------------------------------------


async def test_get_answers_the_agent(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=2)
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == agent


@pytest.mark.parametrize("agent_id", [new_id(), "not-a-uuid"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, agent_id: str) -> None:
    error_of(await client.get(f"/v1/agents/{agent_id}"), 404, f"agent {agent_id} not found")


# ---- patch -------------------------------------------------------------------------------


async def test_patch_updates_only_the_given_fields(client: httpx.AsyncClient, api: Any, emulator: Emulator) -> None:
    agent = await api.agent(**{k: v for k, v in FULL.items() if k not in ("name", "type")})
    emulator.advance(90)
    r = await client.patch(f"/v1/agents/{agent['id']}", json={"name": "Renamed", "returns": {"ok": "boolean"}})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["updated_at"] > agent["updated_at"]
    assert updated == agent | {"name": "Renamed", "returns": {"ok": "boolean"}, "updated_at": updated["updated_at"]}
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == updated


async def test_patch_every_editable_field(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    changes = {k: v for k, v in FULL.items() if k != "type"}
    updated = await api.ok("PATCH", f"/v1/agents/{agent['id']}", json=changes)
    assert {k: updated[k] for k in changes} == changes
    assert updated["type"] == "outbound" and updated["numbers"] == agent["numbers"]


async def test_patch_null_clears_the_nullable_fields(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(persona="P", instructions="I", webhook_url="https://hooks.example.test/a")
    updated = await api.ok(
        "PATCH", f"/v1/agents/{agent['id']}", json={"persona": None, "instructions": None, "webhook_url": None}
    )
    assert (updated["persona"], updated["instructions"], updated["webhook_url"]) == (None, None, None)


async def test_empty_patch_changes_nothing(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    assert await api.ok("PATCH", f"/v1/agents/{agent['id']}", json={}) == agent


@pytest.mark.parametrize(
    "field, value, route_hint",
    [
        ("type", "inbound", "fixed at creation"),
        ("number_ids", [], "POST /v1/agents/{id}/numbers"),
        ("primary_number_id", None, "PUT /v1/agents/{id}/primary-number"),
    ],
)
async def test_patch_refuses_fields_with_their_own_route(
    client: httpx.AsyncClient, api: Any, field: str, value: Any, route_hint: str
) -> None:
    agent = await api.agent()
    r = await client.patch(f"/v1/agents/{agent['id']}", json={"name": "Renamed", field: value})
    error_of(r, 400, field, route_hint)
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == agent


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"voice": None}, "voice"),
        ({"name": None}, "name"),
        ({"returns": None}, "returns"),
        ({"voicemail_action": "beep"}, "voicemail_action"),
        ({"returns": {"n": "integer"}}, "returns.n"),
        ({"language": "!!"}, "language"),
        ({"webhook_url": "mailto:x@example.test"}, "webhook_url"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_patch_rejects_bad_values_and_changes_nothing(
    client: httpx.AsyncClient, api: Any, body: dict[str, Any], needle: str
) -> None:
    agent = await api.agent()
    error_of(await client.patch(f"/v1/agents/{agent['id']}", json={"persona": "changed", **body}), 400, needle)
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == agent


async def test_patch_unknown_is_404(client: httpx.AsyncClient) -> None:
    agent_id = new_id()
    error_of(await client.patch(f"/v1/agents/{agent_id}", json={"name": "x"}), 404, agent_id)


# ---- archive -----------------------------------------------------------------------------


async def test_archive_answers_the_agent_and_frees_its_numbers(
    client: httpx.AsyncClient, api: Any, emulator: Emulator
) -> None:
    agent = await api.agent(numbers=2)
    emulator.advance(30)
    r = await client.delete(f"/v1/agents/{agent['id']}")
    assert r.status_code == 200, r.text
    archived = r.json()
    assert TIMESTAMP_RE.match(archived["archived_at"]) and archived["archived_at"] > agent["created_at"]
    assert archived["updated_at"] == archived["archived_at"]
    assert (archived["numbers"], archived["primary_number_id"]) == ([], None)
    assert archived == agent | {k: archived[k] for k in ("archived_at", "updated_at", "numbers", "primary_number_id")}
    for number in (await numbers_by_id(client)).values():
        assert number["outbound_agent_ids"] == []
    # Still readable, and archiving again is a no-op.
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == archived
    assert await api.ok("DELETE", f"/v1/agents/{agent['id']}") == archived


async def test_archived_agent_cannot_change_or_dispatch(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    spare = await api.buy_number()
    await api.ok("DELETE", f"/v1/agents/{agent['id']}")
    path = f"/v1/agents/{agent['id']}"
    error_of(await client.patch(path, json={"name": "x"}), 400, "archived")
    error_of(await client.post(f"{path}/numbers", json={"number_id": spare["id"]}), 400, "archived")
    error_of(await client.put(f"{path}/primary-number", json={"number_id": spare["id"]}), 400, "archived")
    error_of(await client.delete(f"{path}/numbers/{spare['id']}"), 400, "archived")
    error_of(await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"}), 400, "archived")


async def test_archiving_an_inbound_agent_lets_another_take_its_number(client: httpx.AsyncClient, api: Any) -> None:
    first = await api.agent(type="inbound")
    number_id = first["primary_number_id"]
    await api.ok("DELETE", f"/v1/agents/{first['id']}")
    second = await api.ok(
        "POST", "/v1/agents", 201, json={"name": "Next", "type": "inbound", "number_ids": [number_id]}
    )
    assert (await numbers_by_id(client))[number_id]["inbound_agent_id"] == second["id"]


async def test_archive_errors(client: httpx.AsyncClient, api: Any) -> None:
    error_of(await client.delete(f"/v1/agents/{new_id()}"), 404, "not found")
    agent = await api.agent()
    error_of(await client.request("DELETE", f"/v1/agents/{agent['id']}", json={"force": True}), 400, "body")
    assert (await api.ok("GET", f"/v1/agents/{agent['id']}"))["archived_at"] is None


# ---- attach ------------------------------------------------------------------------------


async def test_attach_first_number_becomes_primary(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=0)
    n1, n2 = await api.buy_number(), await api.buy_number()
    r = await client.post(f"/v1/agents/{agent['id']}/numbers", json={"number_id": n1["id"]})
    assert r.status_code == 200, r.text
    assert (r.json()["primary_number_id"], ids(r.json()["numbers"])) == (n1["id"], [n1["id"]])
    after = await api.ok("POST", f"/v1/agents/{agent['id']}/numbers", json={"number_id": n2["id"]})
    assert (after["primary_number_id"], ids(after["numbers"])) == (n1["id"], [n1["id"], n2["id"]])
    # Attaching again is a no-op, not a duplicate.
    again = await api.ok("POST", f"/v1/agents/{agent['id']}/numbers", json={"number_id": n2["id"]})
    assert ids(again["numbers"]) == [n1["id"], n2["id"]]
    assert (await numbers_by_id(client))[n2["id"]]["outbound_agent_ids"] == [agent["id"]]


async def test_attach_set_as_primary(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=1)
    other = await api.buy_number()
    after = await api.ok(
        "POST", f"/v1/agents/{agent['id']}/numbers", json={"number_id": other["id"], "set_as_primary": True}
    )
    assert after["primary_number_id"] == other["id"]
    # set_as_primary on an already attached number just moves the primary.
    back = await api.ok(
        "POST",
        f"/v1/agents/{agent['id']}/numbers",
        json={"number_id": agent["primary_number_id"], "set_as_primary": True},
    )
    assert back["primary_number_id"] == agent["primary_number_id"]
    assert len(back["numbers"]) == 2


async def test_a_number_has_at_most_one_inbound_agent(client: httpx.AsyncClient, api: Any) -> None:
    a = await api.agent(type="inbound")
    number_id = a["primary_number_id"]
    b = await api.agent(type="inbound", numbers=0)
    r = await client.post(f"/v1/agents/{b['id']}/numbers", json={"number_id": number_id, "set_as_primary": True})
    error_of(r, 400, number_id, "inbound agent", a["id"])
    assert await api.ok("GET", f"/v1/agents/{b['id']}") == b
    assert (await numbers_by_id(client))[number_id]["inbound_agent_id"] == a["id"]
    # Re-attaching to its own inbound agent is fine.
    assert ids((await api.ok("POST", f"/v1/agents/{a['id']}/numbers", json={"number_id": number_id}))["numbers"]) == [
        number_id
    ]
    # The same rule at creation.
    error_of(
        await client.post("/v1/agents", json={"name": "C", "type": "inbound", "number_ids": [number_id]}),
        400,
        "inbound agent",
    )


async def test_outbound_agents_share_numbers(client: httpx.AsyncClient, api: Any) -> None:
    a = await api.agent(type="outbound")
    number_id = a["primary_number_id"]
    b = await api.agent(type="outbound", numbers=0)
    inbound = await api.agent(type="inbound", numbers=0)
    await api.ok("POST", f"/v1/agents/{b['id']}/numbers", json={"number_id": number_id})
    await api.ok("POST", f"/v1/agents/{inbound['id']}/numbers", json={"number_id": number_id})
    number = (await numbers_by_id(client))[number_id]
    assert number["outbound_agent_ids"] == [a["id"], b["id"]]
    assert number["inbound_agent_id"] == inbound["id"]


@pytest.mark.parametrize(
    "body, needles",
    [
        ({}, ("number_id", "required")),
        ({"number_id": "pn_xyz789"}, ("number_id",)),
        ({"number_id": None}, ("number_id",)),
        ({"number_id": "{n}", "set_as_primary": "yes"}, ("set_as_primary", "boolean")),
        ({"number_id": "{n}", "primary": True}, ("primary", "not a known field")),
    ],
)
async def test_attach_rejects_bad_bodies(
    client: httpx.AsyncClient, api: Any, body: dict[str, Any], needles: tuple[str, ...]
) -> None:
    agent = await api.agent(numbers=0)
    spare = await api.buy_number()
    body = {k: (spare["id"] if v == "{n}" else v) for k, v in body.items()}
    error_of(await client.post(f"/v1/agents/{agent['id']}/numbers", json=body), 400, *needles)
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == agent


async def test_attach_to_an_unknown_agent_is_404(client: httpx.AsyncClient, api: Any) -> None:
    number = await api.buy_number()
    error_of(await client.post(f"/v1/agents/{new_id()}/numbers", json={"number_id": number["id"]}), 404, "agent")


# ---- detach ------------------------------------------------------------------------------


async def test_detaching_the_primary_promotes_the_next_number(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=3)
    n1, n2, n3 = ids(agent["numbers"])
    r = await client.delete(f"/v1/agents/{agent['id']}/numbers/{n1}")
    assert r.status_code == 200, r.text
    assert (r.json()["primary_number_id"], ids(r.json()["numbers"])) == (n2, [n2, n3])
    assert (await numbers_by_id(client))[n1]["outbound_agent_ids"] == []
    # Detaching a non-primary number leaves the primary alone.
    after = await api.ok("DELETE", f"/v1/agents/{agent['id']}/numbers/{n3}")
    assert (after["primary_number_id"], ids(after["numbers"])) == (n2, [n2])
    last = await api.ok("DELETE", f"/v1/agents/{agent['id']}/numbers/{n2}")
    assert (last["primary_number_id"], last["numbers"]) == (None, [])
    error_of(
        await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"}), 400, "no attached number"
    )


async def test_detach_from_an_inbound_agent_frees_the_number(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(type="inbound")
    number_id = agent["primary_number_id"]
    await api.ok("DELETE", f"/v1/agents/{agent['id']}/numbers/{number_id}")
    assert (await numbers_by_id(client))[number_id]["inbound_agent_id"] is None


async def test_detach_errors(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    spare = await api.buy_number()
    error_of(await client.delete(f"/v1/agents/{agent['id']}/numbers/{spare['id']}"), 404, spare["id"], "not attached")
    error_of(await client.delete(f"/v1/agents/{agent['id']}/numbers/{new_id()}"), 404, "not attached")
    error_of(await client.delete(f"/v1/agents/{new_id()}/numbers/{spare['id']}"), 404, "agent")
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == agent


# ---- primary number ----------------------------------------------------------------------


async def test_set_primary(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=2)
    second = agent["numbers"][1]["id"]
    r = await client.put(f"/v1/agents/{agent['id']}/primary-number", json={"number_id": second})
    assert r.status_code == 200, r.text
    assert r.json()["primary_number_id"] == second
    assert r.json()["numbers"] == agent["numbers"]
    assert (await api.ok("GET", f"/v1/agents/{agent['id']}"))["primary_number_id"] == second


async def test_set_primary_must_be_attached(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=1)
    spare = await api.buy_number()
    path = f"/v1/agents/{agent['id']}/primary-number"
    error_of(await client.put(path, json={"number_id": spare["id"]}), 400, "number_id", "not attached")
    error_of(await client.put(path, json={"number_id": new_id()}), 404, "number_id", "not found")
    error_of(await client.put(path, json={}), 400, "number_id", "required")
    error_of(await client.put(path, json={"number_id": spare["id"], "x": 1}), 400, "x")
    error_of(await client.put(path), 400, "body")
    assert await api.ok("GET", f"/v1/agents/{agent['id']}") == agent
    error_of(await client.put(f"/v1/agents/{new_id()}/primary-number", json={"number_id": spare["id"]}), 404, "agent")


async def test_an_unknown_number_in_a_body_is_404_like_in_a_path(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=0)
    missing = new_id()
    error_of(await create(client, number_ids=[missing]), 404, f"number_ids: number {missing} not found")
    error_of(
        await client.post(f"/v1/agents/{agent['id']}/numbers", json={"number_id": missing}),
        404,
        f"number_id: number {missing} not found",
    )
    listed = (await page(client, "/v1/agents"))["data"]
    assert [(a["id"], a["number_ids"] if "number_ids" in a else a["numbers"]) for a in listed] == [(agent["id"], [])]
