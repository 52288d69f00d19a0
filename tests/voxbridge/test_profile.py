"""The profile the core gets: its key rules agree with the dialect's own key check."""

from __future__ import annotations

import re

from emulator.api.voxbridge import auth
from emulator.api.voxbridge.profile import DEFAULT_API_KEY, profile
from emulator.api.voxbridge.webhook_format import VoxBridgeFormat
from emulator.dialect import STATUS, Change

from .calls import FakeCall


def test_the_profile_names_voxbridge_keys_events_and_format() -> None:
    made = profile()
    assert made.name == "voxbridge" and made.default_api_key == "sk_live_emulator"
    assert auth.bearer_key(f"Bearer {DEFAULT_API_KEY}") == DEFAULT_API_KEY
    assert re.fullmatch(made.api_key_pattern, auth.new_key("ab" * 16))
    assert not re.fullmatch(made.api_key_pattern, "sk_test_emulator")
    assert made.event_types == ("call.queued", "call.ended", "call.analyzed")
    assert made.events(Change(STATUS, FakeCall(), None, "queued")) == ("call.queued",)
    assert isinstance(made.formats[made.webhook_format], VoxBridgeFormat)
    assert made.is_api("/v1/calls/outbound") and not made.is_api("/_emulator/orgs")
    assert len(made.default_prompt) >= 20


def test_a_given_format_is_the_one_used() -> None:
    fmt = VoxBridgeFormat(recording_url=lambda call: "http://x/r.wav")
    assert profile(fmt).formats["voxbridge"] is fmt
