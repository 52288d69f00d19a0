"""The core-facing half of the VoxBridge dialect (emulator.dialect.Profile): keys, secrets,
API prefix, event names and the neutral-change mapping, its webhook format.

The HTTP half (routes, error rendering, the contract) is assembled with the routes.
"""

from __future__ import annotations

from emulator.api.voxbridge import agents, auth, events
from emulator.api.voxbridge.webhook_format import NAME, VoxBridgeFormat
from emulator.dialect import Profile

DEFAULT_API_KEY = auth.PREFIX + "emulator"  # the default org's key, like the other dialect's
SECRET_PREFIX = "vbsec_"  # undocumented: a recognisable prefix, then 32 hex from the seeded source
INBOUND_PROMPT = agents.DEFAULT_AGENTS[1]["system_prompt"]


def profile(fmt: VoxBridgeFormat | None = None) -> Profile:
    """The profile; ``fmt`` carries the recording URL maker (see webhook_format)."""
    fmt = fmt or VoxBridgeFormat()
    return Profile(
        name="voxbridge",
        default_api_key=DEFAULT_API_KEY,
        api_key_prefix=auth.PREFIX,
        secret_prefix=SECRET_PREFIX,
        api_prefix="/v1",
        api_key_pattern=r"sk_live_[A-Za-z0-9_]{4,120}",
        api_key_hint="must be sk_live_ then 4-120 letters, digits or underscores (like sk_live_mykey)",
        default_prompt=INBOUND_PROMPT,
        event_types=events.EVENT_TYPES,
        events=events.events,
        webhook_format=NAME,
        formats={NAME: fmt},
    )
