"""/_emulator/webhook_chaos as a resource: arm, list, remove one, clear; bad rules refused
with a message and changing nothing (not even the id stream); at most 64 rules; and a dialect
whose webhook format has no use for a knob refuses it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

from .conftest import arm, attempts, one_call


async def test_rules_are_listed_removed_one_by_one_and_cleared(client) -> None:
    a = await arm(client, duplicate=0.5, seed=1)
    b = await arm(client, delay_seconds=[1, 2])
    listed = (await client.get("/_emulator/webhook_chaos")).json()["data"]
    assert [r["id"] for r in listed] == [a["id"], b["id"]]
    assert listed[1]["delay_seconds"] == [1.0, 2.0] and listed[0]["seed"] == 1 and listed[0]["fired"] == 0
    assert (await client.delete(f"/_emulator/webhook_chaos/{a['id']}")).json() == {"id": a["id"], "deleted": True}
    assert (await client.delete(f"/_emulator/webhook_chaos/{a['id']}")).status_code == 404
    assert (await client.delete("/_emulator/webhook_chaos")).json() == {"cleared": True}
    assert (await client.get("/_emulator/webhook_chaos")).json()["data"] == []


async def test_a_removed_rule_acts_no_more_and_fired_counts_its_actions(client, receiver) -> None:
    r = receiver()
    rule = await arm(client, duplicate=1.0)
    call_id, _ = await one_call(client, r.url, seconds=0)
    await client.post("/_emulator/clock/advance", json={"seconds": 3})  # queued and ringing went, twice each
    listed = (await client.get("/_emulator/webhook_chaos")).json()["data"]
    assert listed[0]["fired"] == 2
    await client.delete(f"/_emulator/webhook_chaos/{rule['id']}")
    await client.post("/_emulator/clock/advance", json={"seconds": 120})
    assert [h.json["type"] for h in r.hits].count("call.completed") == 1
    assert len(await attempts(client, call_id=call_id)) == 6


@pytest.mark.parametrize(
    "body, says",
    [
        ({}, "a rule needs at least one knob"),
        ({"duplicate": 1.5}, "duplicate"),
        ({"duplicate": "1"}, "duplicate"),
        ({"reorder": -0.1}, "reorder"),
        ({"reorder": 1, "reorder_window_seconds": 0}, "reorder_window_seconds"),
        ({"delay_seconds": [1]}, "delay_seconds"),
        ({"delay_seconds": 3}, "delay_seconds"),
        ({"stale_timestamp_seconds": 0}, "stale_timestamp_seconds"),
        ({"stale_timestamp_seconds": 1.5}, "stale_timestamp_seconds"),
        ({"bad_signature": 1, "both_signatures": True}, "cannot go together"),
        ({"both_signatures": "yes"}, "both_signatures"),
        ({"duplicate": 1, "seed": -1}, "seed"),
        ({"duplicate": 1, "surprise": True}, "surprise"),
        ({"duplicate": 1, "url": ""}, "url"),
    ],
)
async def test_bad_rules_are_refused_and_draw_nothing(client, emulator, body, says) -> None:
    r = await client.post("/_emulator/webhook_chaos", json=body)
    assert r.status_code == 400 and says in r.json()["error"], r.text
    assert (await client.get("/_emulator/webhook_chaos")).json()["data"] == []
    # The resource id stream did not move: the next endpoint gets the id a fresh emulator gives.
    mine = (await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/h"})).json()
    assert mine["id"] == await _first_endpoint_id(emulator.config.seed)


async def _first_endpoint_id(seed: int) -> str:
    twin = Emulator(Config(seed=seed))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(twin)),
        base_url="http://t.test",
        headers={"Authorization": "Bearer sk_test_emulator"},
    ) as c:
        return (await c.post("/v1/webhook_endpoints", json={"url": "https://example.com/h"})).json()["id"]


async def test_arming_a_rule_moves_no_resource_id(client, emulator) -> None:
    await arm(client, duplicate=1.0)
    mine = (await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/h"})).json()
    assert mine["id"] == await _first_endpoint_id(emulator.config.seed)


async def test_unknown_scope_is_a_404(client) -> None:
    r = await client.post("/_emulator/webhook_chaos", json={"org_id": "nope", "duplicate": 1})
    assert r.status_code == 404 and r.json() == {"error": "org nope not found"}
    r = await client.post("/_emulator/webhook_chaos", json={"endpoint_id": "nope", "duplicate": 1})
    assert r.status_code == 404 and r.json() == {"error": "webhook endpoint nope not found"}


async def test_at_most_64_rules(client) -> None:
    for _ in range(64):
        await arm(client, duplicate=0.1)
    r = await client.post("/_emulator/webhook_chaos", json={"duplicate": 0.1})
    assert r.status_code == 400 and "at most 64" in r.json()["error"]


async def test_a_reset_drops_every_rule(client) -> None:
    await arm(client, duplicate=1.0)
    assert (await client.post("/_emulator/reset")).status_code == 200
    assert (await client.get("/_emulator/webhook_chaos")).json()["data"] == []


# -- another dialect: VoxBridge signs with no timestamp and one signature ---------------------


@pytest.fixture
async def vox() -> Any:
    emulator = Emulator(Config(conformance="strict"))
    app = create_app(emulator, "voxbridge")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://vox.test",
        headers={"Authorization": "Bearer sk_live_emulator"},
    ) as client:
        yield client
    await emulator.transport.aclose()


@pytest.mark.parametrize(
    "knob, value, why",
    [
        ("stale_timestamp_seconds", 600, "stale_timestamp_seconds: does not apply to the voxbridge webhook format"),
        ("both_signatures", True, "both_signatures: does not apply to the voxbridge webhook format"),
    ],
)
async def test_a_knob_the_format_has_no_use_for_is_refused(vox, knob, value, why) -> None:
    r = await vox.post("/_emulator/webhook_chaos", json={knob: value})
    assert r.status_code == 400 and why in r.json()["error"], r.text


async def test_voxbridge_deliveries_are_duplicated_and_missigned(vox, receiver) -> None:
    import hashlib
    import hmac
    import json

    hooks = receiver()
    org = (await vox.get("/_emulator/orgs")).json()["data"][0]
    org = (await vox.patch(f"/_emulator/orgs/{org['id']}", json={"webhook_url": hooks.url})).json()
    await arm(vox, duplicate=1.0, bad_signature=1.0)
    assert (await vox.post("/v1/calls/outbound", json={"to": "+15551234567"})).status_code == 201
    await vox.post("/_emulator/clock/advance", json={"seconds": 300})
    events = [json.loads(h.body)["event"] for h in hooks.hits]
    assert events == ["call.queued", "call.queued", "call.ended", "call.ended", "call.analyzed", "call.analyzed"]
    good = [
        "sha256=" + hmac.new(org["webhook_secret"].encode(), h.body, hashlib.sha256).hexdigest() for h in hooks.hits
    ]
    assert all(g != h.headers["x-voice-signature"] for g, h in zip(good, hooks.hits, strict=True))
    actions = [[a["action"] for a in x["chaos"]] for x in await attempts(vox)]
    assert actions == [["bad_signature"], ["duplicate"]] * 3


async def test_voxbridge_renders_realism_refusals_in_its_own_shape() -> None:
    emulator = Emulator(Config(rate_limit="0.01/1", do_not_call="+15551234567"))
    app = create_app(emulator, "voxbridge")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://vox.test",
        headers={"Authorization": "Bearer sk_live_emulator"},
    ) as vox:
        refused = await vox.post("/v1/calls/outbound", json={"to": "+15551234567"})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "to"]
        assert "do-not-call" in refused.json()["detail"][0]["msg"]
        limited = await vox.get("/v1/calls")
        assert limited.status_code == 429 and "rate limit exceeded" in limited.json()["detail"]
        assert int(limited.headers["retry-after"]) >= 1
    await emulator.transport.aclose()
