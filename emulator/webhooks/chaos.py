"""Webhook chaos: rules that make deliveries misbehave the way production does, to test receivers.

A rule matches deliveries by org, endpoint and URL (each optional; none matches every
delivery; the oldest matching rule acts) and turns knobs:

- ``duplicate``: a share of attempts is sent twice, same event id, body and headers;
- ``reorder``: a share of deliveries is held (up to ``reorder_window_seconds`` of virtual
  time) until the next delivery of the same call to the same destination has been sent;
- ``delay_seconds``: every delivery waits a virtual delay drawn from ``[low, high]`` first;
- ``stale_timestamp_seconds``: the signature is made with a timestamp that many seconds old;
- ``bad_signature``: a share of attempts is signed with a random secret;
- ``both_signatures``: two signatures are sent, a random "previous" secret's first, as
  during a secret rotation.

Which knobs a webhook format takes is the format's to say (``chaos_knobs``; a format
without a timestamp has no stale timestamp); the others are refused when a rule is armed.
Each rule draws from its own seeded stream (its ``seed``, else one forked from the
emulator's seed and the rule's place in the arming order), so the same run does the
same things. Every action is recorded on the attempt it touched (``chaos``).
"""

from __future__ import annotations

import random
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from emulator.domain.records import Delivery
from emulator.errors import InvalidRequest, NotFound
from emulator.faults import WholeNumber  # a JSON integer: 5.0 counts, as JSON Schema says
from emulator.ids import Ids

MAX_RULES = 64
MAX_HELD = 1_000  # deliveries held back by reorder at once (more are sent in order)
MAX_SEEN = 100_000  # deliveries remembered as already delayed or reordered (oldest forgotten first)
KNOBS = ("duplicate", "reorder", "delay_seconds", "stale_timestamp_seconds", "bad_signature", "both_signatures")
# What any format takes: sending twice, later or out of order, or signing with a wrong secret.
BASE_KNOBS = frozenset({"duplicate", "reorder", "delay_seconds", "bad_signature"})
DAY = 86_400
Share = Annotated[
    float,
    BeforeValidator(lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    Field(ge=0, le=1),
]
Seconds = Annotated[
    float,
    BeforeValidator(lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    Field(ge=0, le=DAY),
]


class ChaosSpec(BaseModel):
    """What a client arms. Strict: unknown fields and wrong types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    org_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    endpoint_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    duplicate: Share = 0.0
    reorder: Share = 0.0
    reorder_window_seconds: Annotated[Seconds, Field(gt=0)] = 30.0
    delay_seconds: Annotated[list[Seconds], Field(min_length=2, max_length=2)] | None = None
    stale_timestamp_seconds: Annotated[WholeNumber, Field(ge=1, le=10 * 365 * DAY)] | None = None
    bad_signature: Share = 0.0
    both_signatures: bool = False
    seed: Annotated[WholeNumber, Field(ge=0, le=2**63 - 1)] | None = None

    @model_validator(mode="after")
    def _coherent(self) -> ChaosSpec:
        if self.delay_seconds is not None:  # a range: given in either order
            self.delay_seconds = sorted(self.delay_seconds)
        if not self.knobs():
            raise ValueError(f"a rule needs at least one knob: {', '.join(KNOBS)}")
        if self.bad_signature and self.both_signatures:
            raise ValueError("bad_signature and both_signatures cannot go together: pick one signature test")
        return self

    def knobs(self) -> list[str]:
        """The knobs this rule turns, in KNOBS order."""
        return [k for k in KNOBS if getattr(self, k) not in (None, 0, 0.0, False)]


@dataclass(slots=True, eq=False)
class Rule:
    id: str
    spec: ChaosSpec
    rng: random.Random
    fired: int = 0  # actions taken

    def matches(self, delivery: Delivery) -> bool:
        s = self.spec
        return (
            (s.org_id is None or s.org_id == delivery.org_id)
            and (s.endpoint_id is None or s.endpoint_id == delivery.endpoint_id)
            and (s.url is None or s.url == delivery.url)
        )

    def act(self, action: str, why: str) -> dict[str, str]:
        self.fired += 1
        return {"action": action, "why": f"{why} (rule {self.id})"}


@dataclass(slots=True)
class Signed:
    """What one attempt sends: its headers, what chaos did to them, whether to send it twice."""

    headers: dict[str, str]
    actions: list[dict[str, str]] = field(default_factory=list)
    duplicate: dict[str, str] | None = None


class Chaos:
    def __init__(self, ids: Ids) -> None:
        self._seed = ids.seed
        self._ids = ids.fork("webhook-chaos-ids")  # arming never moves the ids of resources
        self._armed = 0  # rules ever armed: each unseeded rule's stream is forked by its number
        self._rules: list[Rule] = []
        self._seen: OrderedDict[str, None] = OrderedDict()  # deliveries already delayed or reordered
        self._held: dict[tuple[str | None, str], Delivery] = {}  # by lane: one held delivery each
        # Delivery id -> actions for its next attempt (bounded: a delivery given up while held never sends).
        self._notes: OrderedDict[str, list[dict[str, str]]] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self._rules)

    # -- the rules ---------------------------------------------------------------------
    def add(self, spec: ChaosSpec, format_name: str, knobs: frozenset[str]) -> Rule:
        if len(self._rules) >= MAX_RULES:
            raise InvalidRequest(f"at most {MAX_RULES} webhook chaos rules at a time; delete some first")
        for knob in spec.knobs():
            if knob not in knobs:
                raise InvalidRequest(
                    f"{knob}: does not apply to the {format_name} webhook format "
                    f"(it takes {', '.join(k for k in KNOBS if k in knobs)})"
                )
        self._armed += 1
        rng = random.Random(spec.seed if spec.seed is not None else f"{self._seed}:webhook-chaos:{self._armed}")
        rule = Rule(str(uuid.UUID(int=self._ids.getrandbits(128), version=4)), spec, rng)
        self._rules.append(rule)
        return rule

    def all(self) -> list[Rule]:
        return list(self._rules)

    def remove(self, rule_id: str) -> Rule:
        for rule in self._rules:
            if rule.id == rule_id:
                self._rules.remove(rule)
                return rule
        raise NotFound.of("webhook chaos rule", rule_id)

    def clear(self) -> None:
        self._rules.clear()

    def _rule(self, delivery: Delivery) -> Rule | None:
        return next((r for r in self._rules if r.matches(delivery)), None)

    # -- before an attempt: delay and reorder (once per delivery) ----------------------
    def hold_for(self, delivery: Delivery, lane: tuple[str | None, str], now: float) -> float | None:
        """Virtual seconds to hold ``delivery`` back before its first attempt, or None."""
        if self._held.get(lane) is delivery:
            del self._held[lane]  # its window ended with no later event: it goes now
            self._note(delivery, "reorder", "held back for its whole reorder window; no later event came")
            return None
        rule = self._rule(delivery) if self._rules and delivery.id not in self._seen else None
        if rule is None:
            return None
        self._remember(delivery.id)
        s = rule.spec
        if len(self._held) >= MAX_HELD:  # forget held ones that will never go (given up, their call pruned)
            self._held = {k: d for k, d in self._held.items() if d.status == "pending"}
        if s.reorder and lane not in self._held and len(self._held) < MAX_HELD and rule.rng.random() < s.reorder:
            self._held[lane] = delivery
            rule.fired += 1
            return s.reorder_window_seconds
        if s.delay_seconds is not None:
            low, high = s.delay_seconds
            wait = rule.rng.uniform(low, high)
            self._note(
                delivery, "delay", f"held {wait:.3f} s of virtual time (delay_seconds [{low:g}, {high:g}])", rule
            )
            return wait
        return None

    def passed(self, lane: tuple[str | None, str], delivery: Delivery) -> Delivery | None:
        """A delivery held back on ``lane`` that ``delivery`` (a later one) has just passed."""
        held = self._held.get(lane)
        if held is None or held is delivery:
            return None
        del self._held[lane]
        self._note(
            held,
            "reorder",
            f"held back so that a later event ({delivery.event_type}, delivery {delivery.id}) arrived first",
        )
        return held

    def _note(self, delivery: Delivery, action: str, why: str, rule: Rule | None = None) -> None:
        rule = rule or self._rule(delivery)
        note = rule.act(action, why) if rule is not None else {"action": action, "why": why}
        self._notes.setdefault(delivery.id, []).append(note)
        while len(self._notes) > MAX_SEEN:
            self._notes.popitem(last=False)

    def _remember(self, delivery_id: str) -> None:
        self._seen[delivery_id] = None
        while len(self._seen) > MAX_SEEN:
            self._seen.popitem(last=False)

    # -- at an attempt: signatures and duplicates ---------------------------------------
    def sign(
        self, fmt: Any, delivery: Delivery, body: bytes, secret: str, wall: int, headers: dict[str, str]
    ) -> Signed:
        """The attempt's headers after the matching rule's signature knobs, and its actions."""
        signed = Signed(headers, self._notes.pop(delivery.id, []))
        rule = self._rule(delivery) if self._rules else None
        if rule is None:
            return signed
        s = rule.spec
        stamp = wall
        if s.stale_timestamp_seconds:
            stamp = wall - s.stale_timestamp_seconds
            signed.actions.append(
                rule.act("stale_timestamp", f"signed with a timestamp {s.stale_timestamp_seconds} s old ({stamp})")
            )
        key = secret
        if s.bad_signature and rule.rng.random() < s.bad_signature:
            key = _random_secret(rule.rng, secret)
            signed.actions.append(rule.act("bad_signature", f"signed with a random secret {key}, not the endpoint's"))
        if s.both_signatures:
            previous = _random_secret(rule.rng, secret)
            signed.headers = fmt.sign_many(delivery, body, [previous, secret], stamp)
            signed.actions.append(
                rule.act(
                    "both_signatures",
                    f"signed with a previous secret {previous} (first) and the current one, as during a rotation",
                )
            )
        elif stamp != wall or key != secret:
            signed.headers = fmt.headers(delivery, body, key, stamp)
        if s.duplicate and rule.rng.random() < s.duplicate:
            signed.duplicate = rule.act("duplicate", "sent twice: same event id, body and headers")
        return signed


def _random_secret(rng: random.Random, like: str) -> str:
    """A secret shaped like ``like`` (its prefix kept) from the rule's stream."""
    head = like[: len(like) - 32] if len(like) > 32 else ""
    return head + f"{rng.getrandbits(128):032x}"


def knobs_of(fmt: Any) -> frozenset[str]:
    """The knobs a format takes: its ``chaos_knobs``, else the ones every format takes."""
    return frozenset(getattr(fmt, "chaos_knobs", BASE_KNOBS))
