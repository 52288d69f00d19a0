"""Signatures, checked with the official SDK (``Webhooks.construct_event``, callingbox 0.1.0)."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from callingbox import BadRequestError
from callingbox.resources.webhooks import Webhooks

from .helpers import (
    COMPLETED,
    DAY,
    LIFECYCLE,
    RETURNS,
    Receiver,
    advance,
    by_path,
    default_secret,
    endpoint,
)

SIGNATURE = re.compile(r"^t=(\d+),v1=([0-9a-f]{64})$")


async def test_inline_deliveries_verify_with_the_orgs_default_secret(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    secret = await default_secret(client)
    other = await endpoint(client, r.base_url + "/endpoint", enabled_events=["call.queued"])
    agent = await api.agent(webhook_url=r.url, returns=RETURNS)
    call = await api.call(agent["id"], COMPLETED)
    await advance(client, 120)

    inline = by_path(r)["/hook"]
    assert [h.type for h in inline] == LIFECYCLE
    for hit in inline:
        event = hit.verify(secret)
        assert (event.id, event.type, event.created, event.api_version) == (
            hit.json["id"],
            hit.type,
            hit.json["created"],
            "2026-04",
        )
        assert event.data["call"]["id"] == call["id"]
        # The scheme by hand: HMAC-SHA256 over "<t>." + raw body, lowercase hex.
        t, v1 = SIGNATURE.match(hit.signature).groups()  # type: ignore[union-attr]
        assert v1 == hmac.new(secret.encode(), t.encode() + b"." + hit.body, hashlib.sha256).hexdigest()
        for wrong in (other["signing_secret"], secret + "x", "whsec_" + "0" * 32):
            with pytest.raises(BadRequestError):
                hit.verify(wrong)
        with pytest.raises(BadRequestError):  # one changed byte of the body
            Webhooks.construct_event(hit.body.replace(b'"id"', b'"Id"', 1), hit.signature, secret)


async def test_endpoint_deliveries_verify_with_the_endpoints_own_secret(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    first = await endpoint(client, r.base_url + "/first")
    second = await endpoint(client, r.base_url + "/second")
    assert first["signing_secret"] != second["signing_secret"]
    await api.call((await api.agent(returns=RETURNS))["id"], COMPLETED)
    await advance(client, 120)

    hits = by_path(r)
    for path, own, foreign in (("/first", first, second), ("/second", second, first)):
        assert [h.type for h in hits[path]] == LIFECYCLE
        for hit in hits[path]:
            assert hit.verify(own["signing_secret"]).id == hit.event_id
            for wrong in (foreign["signing_secret"], await default_secret(client)):
                with pytest.raises(BadRequestError):
                    hit.verify(wrong)


async def test_after_rotate_secret_only_the_new_secret_verifies(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(script=[500])  # the first attempt fails, so a retry goes out after the rotation
    created = await endpoint(client, r.url, enabled_events=["call.queued"])
    agent = await api.agent()
    await api.call(agent["id"], COMPLETED)
    await advance(client, 0)
    assert len(r.hits) == 1
    assert r.hits[0].verify(created["signing_secret"])

    rotated = await api.ok("POST", f"/v1/webhook_endpoints/{created['id']}/rotate_secret")
    new, old = rotated["signing_secret"], created["signing_secret"]
    assert new != old and new.startswith("whsec_")
    await api.call(agent["id"], COMPLETED)
    await advance(client, 120)  # the new call's delivery, and the retry of the old one

    assert len(r.hits) == 3
    retry, fresh = sorted(r.hits[1:], key=lambda h: h.event_id != r.hits[0].event_id)
    assert retry.event_id == r.hits[0].event_id and fresh.event_id != retry.event_id
    for hit in (retry, fresh):
        assert hit.verify(new)
        with pytest.raises(BadRequestError):
            hit.verify(old)


async def test_the_signature_time_is_wall_clock_time_even_days_ahead(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    await advance(client, 3 * DAY)  # virtual time is now three days ahead of the wall clock
    agent = await api.agent(webhook_url=r.url, returns=RETURNS)
    await api.call(agent["id"], COMPLETED)
    await advance(client, 2 * DAY)
    secret = await default_secret(client)

    assert r.types() == LIFECYCLE
    for hit in r.hits:
        t = int(SIGNATURE.match(hit.signature).group(1))  # type: ignore[union-attr]
        assert abs(t - time.time()) < 5
        assert abs(t - hit.at) < 2
        assert hit.json["created"] - time.time() > 3 * DAY - 60  # the envelope keeps virtual time
        hit.verify(secret)  # the SDK's default 300 s tolerance: fresh by the receiver's clock
