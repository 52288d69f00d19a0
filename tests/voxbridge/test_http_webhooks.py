"""VoxBridge webhooks through HTTP: call.queued, call.ended, call.analyzed to the org URL or the
per-call URL, flat bodies signed with X-Voice-Signature, retried on the virtual clock. Receivers
are real HTTP servers on loopback ports (and the emulator's own sinks)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from webhooks.helpers import Receiver

from .conftest import BASE, SEED_REQUEST


@pytest.fixture
def receiver() -> Iterator[Any]:
    started: list[Receiver] = []

    def make(**settings: Any) -> Receiver:
        r = Receiver(**settings).start()
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()


def verified(secret: str, hit: Any) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), hit.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, hit.headers["x-voice-signature"])


async def test_an_answered_call_sends_queued_ended_analyzed_to_the_org_url_signed(api, receiver) -> None:
    hooks = receiver()
    org = await api.org()
    await api.ok("PATCH", f"/_emulator/orgs/{org['id']}", json={"webhook_url": hooks.url})
    call = await api.call(metadata={"crm_id": "lead_8821"})
    await api.advance(300)
    bodies = [json.loads(h.body) for h in hooks.hits]
    assert [b["event"] for b in bodies] == ["call.queued", "call.ended", "call.analyzed"]
    assert all(verified(org["webhook_secret"], h) for h in hooks.hits)
    assert not verified(org["webhook_secret"] + "x", hooks.hits[0])
    queued, ended, analyzed = bodies
    assert list(queued) == ["event", "org_id", "call_id", "timestamp", "to", "status", "metadata"]
    assert (queued["org_id"], queued["call_id"], queued["to"], queued["status"]) == (
        org["id"],
        call["id"],
        "+15551234567",
        "queued",
    )
    assert (ended["status"], ended["disposition"], ended["duration_seconds"], ended["attempt_count"]) == (
        "completed",
        "answered",
        45,
        1,
    )
    assert analyzed["transcript"] and analyzed["recording_url"].startswith(f"{BASE}/v1/calls/{call['id']}/")
    assert all(b["metadata"] == {"crm_id": "lead_8821"} for b in bodies)
    assert hooks.hits[0].headers["content-type"] == "application/json"
    assert (await api.conformance())["total"] == 0  # every body matched the contract's webhooks


async def test_the_per_call_url_replaces_the_org_url_for_every_event(api, receiver) -> None:
    org_hooks, call_hooks = receiver(), receiver()
    org = await api.org()
    await api.ok("PATCH", f"/_emulator/orgs/{org['id']}", json={"webhook_url": org_hooks.url})
    await api.call(webhook_url=call_hooks.url)
    await api.advance(300)
    assert [json.loads(h.body)["event"] for h in call_hooks.hits] == ["call.queued", "call.ended", "call.analyzed"]
    assert org_hooks.hits == []


async def test_a_failed_call_sends_one_call_ended_after_its_last_attempt_and_no_analysis(api, receiver) -> None:
    hooks = receiver()
    call = await api.call(to="+15005550001", webhook_url=hooks.url)
    await api.advance(2000)
    events = [json.loads(h.body) for h in hooks.hits]
    assert [e["event"] for e in events] == ["call.queued", "call.ended"]
    ended = events[1]
    assert (ended["call_id"], ended["status"], ended["disposition"], ended["attempt_count"]) == (
        call["id"],
        "failed",
        "busy",
        3,
    )
    assert ended["error_message"] == "Line busy after 3 attempts"


async def test_a_failing_receiver_is_retried_on_the_virtual_clock_until_a_2xx(api, receiver) -> None:
    hooks = receiver(script=[500, 503], status=202)
    await api.call(webhook_url=hooks.url, to="+15005550002", max_attempts=1)
    await api.advance(1)
    assert len(hooks.hits) == 1  # call.queued, answered 500
    await api.advance(40)  # 30 s +- 10 %
    assert len(hooks.hits) >= 2
    await api.advance(200)  # 2 min +- 10 % after that
    queued = [h for h in hooks.hits if json.loads(h.body)["event"] == "call.queued"]
    assert len(queued) == 3 and len({h.body for h in queued}) == 1  # the same body each attempt
    attempts = await api.ok("GET", "/_emulator/deliveries")
    mine = [a for a in reversed(attempts["data"]) if a["event_type"] == "call.queued"]  # oldest first
    assert [a["response_status"] for a in mine] == [500, 503, 202]
    gaps = [b["sent_at"] for b in mine]
    assert len(set(gaps)) == 3  # each retry at a later virtual time


async def test_the_emulators_sink_verifies_a_voxbridge_delivery(api) -> None:
    r = await api.client.post("/v1/calls/outbound", json=SEED_REQUEST)  # its webhook_url: the "seed" sink
    assert r.status_code == 201
    await api.advance(300)
    received = await api.sink("seed")
    assert [json.loads(i["raw_body"])["event"] for i in received] == ["call.queued", "call.ended", "call.analyzed"]
    assert all(i["verified"] and i["verified_with"] == "org default secret" for i in received)
    forged = await api.client.post(
        "/_emulator/sinks/forged",
        content=received[0]["raw_body"],
        headers={"Content-Type": "application/json", "X-Voice-Signature": "sha256=00"},
    )
    assert forged.status_code < 300
    assert (await api.sink("forged"))[0]["verified"] is False


async def test_webhooks_wait_15_seconds_for_an_answer(vox, vox_emulator) -> None:
    assert vox_emulator.transport.timeout == 15.0  # the docs' figure, as no --webhook-timeout was given
