"""A call keeps its own copy of what it takes from its agent (returns, tools): nothing done
to the agent afterwards, not even an edit in place deep inside a tool, reaches the call."""

from __future__ import annotations

from typing import Any

import httpx

from emulator.runtime import Emulator

from .helpers import MAGIC_TO

TOOLS = [
    {
        "type": "http",
        "name": "lookup",
        "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
    },
    {"type": "builtin", "name": "transfer"},
]


async def test_a_calls_returns_and_tools_are_its_own(client: httpx.AsyncClient, api: Any, emulator: Emulator) -> None:
    agent = await api.agent(returns={"confirmed": "boolean"}, tools=TOOLS)
    first = await api.call(agent["id"])
    assert (first["returns"], first["tools"]) == ({"confirmed": "boolean"}, TOOLS)

    kept = emulator.default_org.agents.get(agent["id"])
    assert kept is not None
    kept.returns["note"] = "string"
    kept.tools[0]["parameters"]["properties"]["id"]["type"] = "integer"
    kept.tools[0]["parameters"]["required"].append("name")
    kept.tools.append({"type": "builtin", "name": "hangup"})

    stored = emulator.default_org.calls.get(first["id"])
    assert stored is not None
    assert (stored.returns, stored.tools) == ({"confirmed": "boolean"}, TOOLS)
    assert (await client.get(f"/v1/calls/{first['id']}")).json() == first
    second = await api.call(agent["id"], to=MAGIC_TO)
    assert second["returns"] == {"confirmed": "boolean", "note": "string"}
    assert second["tools"][0]["parameters"]["required"] == ["id", "name"]
    # The second call's copy is not the first's either.
    emulator.default_org.calls.get(second["id"]).tools[1]["name"] = "changed"  # type: ignore[union-attr]
    assert stored.tools == TOOLS
