"""What the core knows of the dialect it serves: its profile, and the neutral signals.

The core (domain, simulation, webhooks, control plane) names no vendor. It keeps the
neutral call statuses (queued, initiated, ringing, in_progress, completed, no_answer,
busy, canceled, failed) and publishes neutral ``Change`` signals; a dialect package
under ``emulator/api/<dialect>/`` supplies a ``Profile`` that turns them into its own
named events and says what its keys, secrets, webhook formats and API prefix are.
``NEUTRAL`` is what an Emulator built without a dialect uses (tests of the core alone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.config import DEFAULT_API_KEY

STATUSES = ("queued", "initiated", "ringing", "in_progress", "completed", "no_answer", "busy", "canceled", "failed")
TERMINAL = frozenset({"completed", "no_answer", "busy", "canceled", "failed"})
# An attempt that ends so is redialled while the call has attempts left (``max_attempts``);
# a canceled call was stopped on purpose, an answered one reached its person.
REDIALLED = frozenset({"no_answer", "busy", "failed"})

STATUS = "status"  # the call's status changed, before -> after
ENDED = "ended"  # the line dropped: ended_at, duration and billing are known (the status may not be final yet)
RESULT = "result"  # the call's result (transcript, extracted answers) is final


@dataclass(frozen=True, slots=True)
class Change:
    """A neutral signal about one call. ``call`` is the live record: a mapper reads it,
    the publisher snapshots it for each named event."""

    kind: str
    call: Any
    before: str | None = None  # STATUS only: None when the call was just created
    after: str | None = None


def redial_pending(call: Any) -> bool:
    """The call's latest attempt ended unanswered and another is due: it has not ended for good."""
    return call.status in REDIALLED and call.attempt_count < call.max_attempts


def ended_for_good(call: Any) -> bool:
    return call.status in TERMINAL and not redial_pending(call)


def no_events(change: Change) -> tuple[str, ...]:
    return ()


def _neutral_events(change: Change) -> tuple[str, ...]:
    return (f"status.{change.after}",) if change.kind == STATUS else ()


@dataclass(frozen=True, slots=True)
class Profile:
    """The core-facing half of a dialect (its HTTP half lives in its package)."""

    name: str
    default_api_key: str  # the default org's key when none is configured
    api_key_prefix: str  # generated org keys: prefix + 32 hex
    secret_prefix: str  # generated signing secrets: prefix + 32 hex
    api_prefix: str  # the product's routes ("the API" for the journal and faults): this path and below
    api_key_pattern: str  # a key an org may be given (regular expression, whole match) ...
    api_key_hint: str  # ... and what a refusal says it must be
    default_prompt: str  # a prompt-based call's when none is given (a legacy body, an inbound number)
    event_types: tuple[str, ...]  # the named events endpoints may subscribe to, in lifecycle order
    events: Callable[[Change], tuple[str, ...]] = no_events  # neutral signal -> its named events
    webhook_format: str = "neutral"  # the format new deliveries use (by name, see webhooks/format.py)
    formats: Mapping[str, Any] = field(default_factory=dict)  # name -> webhooks.format.Format
    # Told when a delivery's state changes (pending / delivered / failed, with its last error):
    # the dialect decides whether a call field reflects it.
    on_delivery: Callable[[Any, Any, str, str | None], None] | None = None  # (store, delivery, state, error)
    on_change: Callable[[Any, Change], None] | None = None  # (store, change): after its named events
    on_org_created: Callable[[Any, Any], None] | None = None  # (context, org): what every new org starts with

    def is_api(self, path: str) -> bool:
        return path == self.api_prefix or path.startswith(self.api_prefix + "/")


NEUTRAL = Profile(
    # The product's documented default key, so Emulator(Config()).config.api_key reads the same before
    # and after a dialect arrives (the default dialect's default key is that one).
    name="neutral",
    default_api_key=DEFAULT_API_KEY,
    api_key_prefix="key_",
    secret_prefix="secret_",
    api_prefix="/api",
    api_key_pattern=r"[A-Za-z0-9_]{4,120}",
    api_key_hint="must be 4-120 letters, digits or underscores",
    default_prompt="Hello from the emulator.",
    event_types=tuple(f"status.{s}" for s in STATUSES),
    events=_neutral_events,
)
