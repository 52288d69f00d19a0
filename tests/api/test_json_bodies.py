"""Request bodies at the edges of what a JSON body may hold, on POST /v1/calls: the depth
limit exactly, surrogates however they arrive (an escape, raw bytes, UTF-16), and what is
fine even when it looks suspicious. A refused body keeps nothing and draws no id."""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import httpx

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import DEFAULT_KEY, MAGIC_TO, error_of, page

JSON = {"content-type": "application/json"}


def nested(levels: int) -> Any:
    """``levels`` lists, each inside the one before, the innermost empty."""
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


def call_body(agent_id: str, context: Any) -> dict[str, Any]:
    return {"agent_id": agent_id, "to": MAGIC_TO, "context": {"k": context}}


async def refused(client: httpx.AsyncClient, content: bytes, *needles: str) -> None:
    error_of(await client.post("/v1/calls", content=content, headers=JSON), 400, *needles)
    assert (await page(client, "/v1/calls"))["data"] == []


async def test_the_depth_limit_is_exact(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    # body (1) > context (2) > lists from depth 3: 98 of them reach depth 100, the limit.
    await refused(client, json.dumps(call_body(agent["id"], nested(99))).encode(), "nested deeper than 100")
    r = await client.post("/v1/calls", content=json.dumps(call_body(agent["id"], nested(98))).encode(), headers=JSON)
    assert r.status_code == 201, r.text
    assert r.json()["context"] == {"k": nested(98)}


async def test_many_brackets_side_by_side_are_fine(client: httpx.AsyncClient, api: Any) -> None:
    """Hundreds of brackets, none deep, and brackets inside strings: a body, not a bomb."""
    agent = await api.agent()
    context = {"rows": [[i] for i in range(300)], "text": "[{" * 200}
    r = await client.post("/v1/calls", content=json.dumps(call_body(agent["id"], context)).encode(), headers=JSON)
    assert r.status_code == 201, r.text
    assert r.json()["context"]["k"] == context


async def test_a_surrogate_in_raw_utf8_bytes_is_refused(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    content = json.dumps(call_body(agent["id"], "x")).encode().replace(b'"x"', b'"\xed\xa0\x80"')
    await refused(client, content, "surrogate")


async def test_utf16_bodies(client: httpx.AsyncClient, api: Any) -> None:
    """JSON in UTF-16 is JSON: a lone surrogate in it is refused, a paired one kept."""
    agent = await api.agent()
    lone = json.dumps(call_body(agent["id"], "\ud83d"), ensure_ascii=False)
    await refused(client, lone.encode("utf-16-le", "surrogatepass"), "surrogate")
    paired = json.dumps(call_body(agent["id"], "ok \U0001f600"), ensure_ascii=False)
    r = await client.post("/v1/calls", content=paired.encode("utf-16-le"), headers=JSON)
    assert r.status_code == 201, r.text
    assert r.json()["context"] == {"k": "ok \U0001f600"}


async def test_escapes_that_are_not_surrogates_are_kept(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    content = json.dumps(call_body(agent["id"], "caf\u00e9 \U0001f600 \\u")).encode()  # ASCII escapes only
    assert b"\\u00e9" in content and b"\\ud83d\\ude00" in content
    r = await client.post("/v1/calls", content=content, headers=JSON)
    assert r.status_code == 201, r.text
    assert r.json()["context"] == {"k": "caf\u00e9 \U0001f600 \\u"}


async def test_ids_are_the_seeded_streams_version_4_uuids() -> None:
    """The same seed gives the same ids: each is the standard version-4 UUID of the next
    128 bits of the seeded stream (the default org's id is the first draw)."""
    for seed in (0, 7, 2**40 + 3):
        emulator = Emulator(Config(seed=seed))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(emulator)),
            base_url="http://emulator.test",
            headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
        ) as c:
            orgs = (await c.get("/_emulator/orgs")).json()["data"]
        stream = random.Random(seed)
        assert orgs[0]["id"] == str(uuid.UUID(int=stream.getrandbits(128), version=4))
