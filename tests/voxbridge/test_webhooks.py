"""Webhooks: the docs' flat envelope, byte for byte what is signed, the sha256= signature
and its constant-time verifier, the retry schedule and the dedupe key."""

from __future__ import annotations

import hashlib
import hmac
import json
import random

import pytest

from emulator.api.voxbridge import webhooks

from .seeds import QUEUED_EVENT

ORG = "550e8400-e29b-41d4-a716-446655440000"
CALL = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
AT = 1780324200.123456  # 2026-06-01T14:30:00.123456Z
SECRET = "whsec_0123456789abcdef"


def test_the_docs_queued_example_is_what_the_renderer_gives() -> None:
    payload = webhooks.envelope(
        "call.queued",
        ORG,
        CALL,
        AT,
        {"to": "+15551234567", "status": "queued", "metadata": {"source": "crm"}, "extra": 1},
    )
    assert payload == json.loads(QUEUED_EVENT)
    assert list(payload) == list(json.loads(QUEUED_EVENT))


def test_timestamps_always_have_microseconds_and_the_utc_offset() -> None:
    assert webhooks.timestamp(AT) == "2026-06-01T14:30:00.123456+00:00"
    assert webhooks.timestamp(1780324200.0) == "2026-06-01T14:30:00.000000+00:00"


def test_each_event_carries_its_fields_at_the_top_level() -> None:
    fields = {
        "status": "failed",
        "duration_seconds": 0,
        "disposition": "busy",
        "error_message": "Line busy",
        "attempt_count": 3,
        "metadata": {},
        "transcript": [],
        "structured_answers": None,
        "recording_url": "http://x/r.wav",
        "to": "+15551234567",
    }
    ended = webhooks.envelope("call.ended", ORG, CALL, AT, fields)
    assert list(ended) == [
        "event",
        "org_id",
        "call_id",
        "timestamp",
        "status",
        "duration_seconds",
        "disposition",
        "error_message",
        "attempt_count",
        "metadata",
    ]
    analyzed = webhooks.envelope("call.analyzed", ORG, CALL, AT, fields)
    assert list(analyzed)[4:] == ["transcript", "structured_answers", "recording_url", "metadata"]
    assert "data" not in ended and "data" not in analyzed


def test_an_envelope_missing_a_field_or_event_is_refused() -> None:
    with pytest.raises(KeyError, match="disposition"):
        webhooks.envelope("call.ended", ORG, CALL, AT, {"status": "failed"})
    with pytest.raises(ValueError):
        webhooks.envelope("call.completed", ORG, CALL, AT, {})


def test_the_signature_is_the_docs_recipe_over_the_raw_body() -> None:
    raw = webhooks.body(json.loads(QUEUED_EVENT))
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()  # the docs' Python example
    assert webhooks.signature(SECRET, raw) == expected
    assert webhooks.headers(SECRET, raw) == {"Content-Type": "application/json", "X-Voice-Signature": expected}
    assert json.loads(raw) == json.loads(QUEUED_EVENT)


def test_the_body_is_compact_utf8_in_envelope_order() -> None:
    raw = webhooks.body({"event": "call.queued", "metadata": {"name": "Zoë"}})
    assert raw == '{"event":"call.queued","metadata":{"name":"Zoë"}}'.encode()
    with pytest.raises(ValueError):
        webhooks.body({"x": float("nan")})


def test_the_verifier_accepts_only_the_exact_signature() -> None:
    raw = webhooks.body(json.loads(QUEUED_EVENT))
    good = webhooks.signature(SECRET, raw)
    assert webhooks.verify(good, raw, SECRET) and webhooks.verify(f" {good} ", raw, SECRET)
    assert not webhooks.verify(good, raw + b" ", SECRET)
    assert not webhooks.verify(good, raw, SECRET + "x")
    assert not webhooks.verify(good.removeprefix("sha256="), raw, SECRET)
    assert not webhooks.verify(good.upper(), raw, SECRET)
    assert not webhooks.verify(None, raw, SECRET) and not webhooks.verify("", raw, SECRET)
    assert not webhooks.verify("sha256=é", raw, SECRET)


def test_five_attempts_on_the_documented_schedule_with_seeded_jitter() -> None:
    rng = random.Random(7)
    delays = [webhooks.delay_before(n, rng) for n in range(1, webhooks.MAX_ATTEMPTS + 1)]
    assert delays[0] == 0
    for got, base in zip(delays[1:], (30, 120, 600, 3600), strict=False):
        assert base * 0.9 <= got <= base * 1.1
    again = random.Random(7)
    assert delays == [webhooks.delay_before(n, again) for n in range(1, 6)]
    with pytest.raises(ValueError):
        webhooks.delay_before(6, rng)


@pytest.mark.parametrize(
    "status, ok", [(200, True), (204, True), (299, True), (301, False), (404, False), (500, False), (None, False)]
)
def test_any_2xx_is_success(status: int | None, ok: bool) -> None:
    assert webhooks.succeeded(status) is ok


def test_dedupe_key_and_destination() -> None:
    assert webhooks.dedupe_key(CALL, "call.ended") == f"{CALL}:call.ended"
    assert webhooks.destination("https://call.example/h", "https://org.example/h") == "https://call.example/h"
    assert webhooks.destination(None, "https://org.example/h") == "https://org.example/h"
    assert webhooks.destination(None, None) is None
    assert webhooks.TIMEOUT == 15.0
