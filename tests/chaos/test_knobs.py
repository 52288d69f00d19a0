"""Each chaos knob, through HTTP, against a real receiver: what arrives, what the attempt
log says was done and why, and which handler survives it."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from callingbox.resources.webhooks import Webhooks

from tests.webhooks.helpers import LIFECYCLE

from .conftest import arm, attempts, correct_handler, naive_handler, one_call


async def test_duplicate_sends_every_event_twice_and_a_deduping_handler_survives(client, receiver) -> None:
    r = receiver()
    await arm(client, duplicate=1.0)
    _, secret = await one_call(client, r.url)
    assert [h.json["type"] for h in r.hits] == [t for t in LIFECYCLE for _ in (1, 2)]
    for first, second in zip(r.hits[::2], r.hits[1::2], strict=True):
        assert first.event_id == second.event_id and first.body == second.body
        assert first.signature == second.signature
    assert naive_handler(r.hits).count("call.completed") == 2  # the naive one acts twice
    assert correct_handler(r.hits, secret) == (LIFECYCLE, 0)
    log = await attempts(client)
    assert [a["chaos"] for a in log[1::2]] == [[{"action": "duplicate", "why": log[1]["chaos"][0]["why"]}]] * 4
    assert "same event id" in log[1]["chaos"][0]["why"] and all(a["chaos"] == [] for a in log[::2])


async def test_reorder_lets_a_later_event_arrive_first(client, receiver) -> None:
    r = receiver()
    rule = await arm(client, reorder=1.0, reorder_window_seconds=30)
    _, secret = await one_call(client, r.url, seconds=200)
    types = [h.json["type"] for h in r.hits]
    assert sorted(types) == sorted(LIFECYCLE) and types != LIFECYCLE
    assert types.index("call.ringing") < types.index("call.queued")  # held queued, ringing passed it
    naive = naive_handler(r.hits)
    assert any(naive[i + 1] == "call.queued" for i in range(len(naive) - 1))  # shown going back to queued
    shown, refused = correct_handler(r.hits, secret)
    assert refused == 0 and shown[-1] == "call.completed" and shown == sorted(shown, key=LIFECYCLE.index)
    queued = next(a for a in await attempts(client) if a["event_type"] == "call.queued")
    assert queued["chaos"][0]["action"] == "reorder"
    assert "call.ringing" in queued["chaos"][0]["why"] and rule["id"] in queued["chaos"][0]["why"]


async def test_a_held_event_with_nothing_after_it_goes_when_its_window_ends(client, receiver) -> None:
    r = receiver()
    await arm(client, reorder=1.0, reorder_window_seconds=30)
    await one_call(client, r.url, seconds=60)  # call.completed is sent ~+37 and held: nothing comes after it
    assert "call.completed" not in [h.json["type"] for h in r.hits]
    await client.post("/_emulator/clock/advance", json={"seconds": 30})
    assert r.hits[-1].json["type"] == "call.completed"
    completed = next(a for a in await attempts(client) if a["event_type"] == "call.completed")
    assert completed["chaos"][0]["action"] == "reorder" and "whole reorder window" in completed["chaos"][0]["why"]


async def test_delay_holds_deliveries_in_virtual_time(client, receiver) -> None:
    r = receiver()
    await arm(client, delay_seconds=[10, 10])
    await one_call(client, r.url, seconds=9.5)
    assert r.hits == []
    await client.post("/_emulator/clock/advance", json={"seconds": 1})
    assert [h.json["type"] for h in r.hits] == ["call.queued"]
    first = (await attempts(client))[0]
    assert first["chaos"][0]["action"] == "delay" and "10.000 s of virtual time" in first["chaos"][0]["why"]


async def test_stale_timestamp_is_refused_by_a_handler_with_replay_protection(client, receiver) -> None:
    r = receiver()
    await arm(client, stale_timestamp_seconds=600)
    _, secret = await one_call(client, r.url)
    for hit in r.hits:
        stamp = int(hit.signature.split(",")[0].removeprefix("t="))
        assert stamp <= time.time() - 599
        Webhooks.construct_event(hit.body, hit.signature, secret, tolerance=0)  # the signature itself is right
    assert correct_handler(r.hits, secret) == ([], 4)
    assert naive_handler(r.hits) == LIFECYCLE  # it would act on replayed requests
    assert (await attempts(client))[0]["chaos"][0]["action"] == "stale_timestamp"


async def test_bad_signature_uses_a_recorded_random_secret(client, receiver) -> None:
    r = receiver()
    await arm(client, bad_signature=1.0)
    _, secret = await one_call(client, r.url)
    assert correct_handler(r.hits, secret) == ([], 4)
    assert naive_handler(r.hits) == LIFECYCLE
    log = await attempts(client)
    for hit, attempt in zip(r.hits, log, strict=True):
        (action,) = attempt["chaos"]
        assert action["action"] == "bad_signature"
        used = re.search(r"whsec_[0-9a-f]{32}", action["why"]).group(0)  # type: ignore[union-attr]
        assert used != secret
        Webhooks.construct_event(hit.body, hit.signature, used)  # signed by exactly the secret it names


async def test_both_signatures_catches_a_handler_that_checks_only_the_first(client, receiver) -> None:
    r = receiver()
    await arm(client, both_signatures=True)
    _, secret = await one_call(client, r.url)
    assert correct_handler(r.hits, secret) == (LIFECYCLE, 0)  # the SDK accepts any v1=
    for hit in r.hits:
        t, first, second = hit.signature.split(",")
        assert first.startswith("v1=") and second.startswith("v1=")
        with pytest.raises(Exception, match="mismatch"):
            Webhooks.construct_event(hit.body, f"{t},{first}", secret)  # the old secret's alone
        Webhooks.construct_event(hit.body, f"{t},{second}", secret)


async def test_a_rule_scoped_to_one_endpoint_leaves_the_others_alone(client, receiver) -> None:
    a, b = receiver(), receiver()
    ep = (await client.post("/v1/webhook_endpoints", json={"url": a.url})).json()
    await arm(client, endpoint_id=ep["id"], duplicate=1.0)
    await one_call(client, b.url)
    assert len(a.hits) == 8 and len(b.hits) == 4


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_same_seed_draws_the_same_chaos(seed, receiver, emulator) -> None:
    from emulator.api.app import create_app
    from emulator.config import Config
    from emulator.runtime import Emulator

    runs = []
    for _ in range(2):
        em = Emulator(Config(seed=3))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(em)),
            base_url="http://e.test",
            headers={"Authorization": "Bearer sk_test_emulator"},
        ) as c:
            r = receiver()
            await arm(c, duplicate=0.5, bad_signature=0.5, seed=seed)
            await one_call(c, r.url)
            runs.append([(a["event_type"], [x["action"] for x in a["chaos"]]) for a in await attempts(c)])
        await em.transport.aclose()
    assert runs[0] == runs[1]
    actions = [x for _, acts in runs[0] for x in acts]
    assert 0 < actions.count("duplicate") < 4 or 0 < actions.count("bad_signature") < 4  # a share, not all
