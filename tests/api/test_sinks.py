"""The built-in sinks (/_emulator/sinks/{name}): the raw body is kept, memory is bounded in bytes."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from callingbox.resources.webhooks import Webhooks

from emulator.api.callingbox import signing
from emulator.webhooks.sinks import MAX_ITEM_BYTES, MAX_TOTAL_BYTES


async def default_secret(client: httpx.AsyncClient) -> str:
    orgs = (await client.get("/_emulator/orgs")).json()["data"]
    return next(o["default_signing_secret"] for o in orgs if o["api_key"] == "sk_test_emulator")


def signed(secret: str, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "CallingBox-Signature": signing.header(secret, int(time.time()), body)}


async def received(client: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    r = await client.get(f"/_emulator/sinks/{name}")
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def test_the_raw_body_is_kept_so_a_signature_verifies_over_it(client: httpx.AsyncClient) -> None:
    secret = await default_secret(client)
    # Not compact, keys unsorted, a non-ASCII character: what a receiver really gets.
    raw = '{ "type": "call.completed",  "id": "e1", "data": {"call": {"to_number": "+15551234567", "note": "café"}}}'
    body = raw.encode()
    headers = signed(secret, body)
    r = await client.post("/_emulator/sinks/raw", content=body, headers=headers)
    assert r.status_code == 200, r.text
    (item,) = await received(client, "raw")
    assert (item["raw_body"], item["body_bytes"], item["truncated"], item["verified"]) == (raw, len(body), False, True)
    assert item["body"] == json.loads(raw)
    # The official SDK verifies the kept raw body; the parsed body re-serialised does not verify.
    event = Webhooks.construct_event(item["raw_body"].encode(), headers["CallingBox-Signature"], secret)
    assert event.type == "call.completed"
    compact = json.dumps(item["body"], separators=(",", ":")).encode()
    assert signing.signature(secret, 0, compact) != signing.signature(secret, 0, body)


async def test_a_body_over_the_item_budget_is_cut_and_still_verified_whole(client: httpx.AsyncClient) -> None:
    secret = await default_secret(client)
    body = json.dumps({"pad": "x" * (1024 * 1024 - 100)}).encode()
    r = await client.post("/_emulator/sinks/big", content=body, headers=signed(secret, body))
    assert r.status_code == 200, r.text
    (item,) = await received(client, "big")
    assert (item["body_bytes"], len(item["raw_body"]), item["truncated"]) == (len(body), MAX_ITEM_BYTES, True)
    assert item["body"] is None and item["verified"] is True
    assert item["raw_body"] == body[:MAX_ITEM_BYTES].decode()


async def test_sinks_are_bounded_in_bytes_oldest_first(client: httpx.AsyncClient) -> None:
    item_size = 200 * 1024
    count = MAX_TOTAL_BYTES // item_size + 40  # well past the total budget
    for i in range(count):
        body = json.dumps({"n": i, "pad": "y" * (item_size - 30)}).encode()
        r = await client.post(
            f"/_emulator/sinks/{'even' if i % 2 == 0 else 'odd'}",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 200, r.text
    kept = await received(client, "even") + await received(client, "odd")
    assert sum(len(k["raw_body"]) for k in kept) <= MAX_TOTAL_BYTES
    numbers = sorted(k["body"]["n"] for k in kept)
    # The newest are all there, in one unbroken run; the oldest went first.
    assert numbers == list(range(count - len(numbers), count))
    assert count - len(numbers) >= 40
    # Clearing a sink frees its share: the other one still takes new items.
    assert (await client.delete("/_emulator/sinks/even")).status_code == 200
    r = await client.post("/_emulator/sinks/odd", content=b'{"n": -1}', headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and (await received(client, "odd"))[-1]["body"] == {"n": -1}
