"""Structured results and transcripts made up for a call, deterministically.

Values follow the agent's ``returns`` type hints and look plausible for the
field's name (``email`` gets an address, ``reschedule_to`` a date). Each call
draws one seed at dispatch, so the same run seed gives the same results.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from emulator.domain.records import Call, Segment

_faker: Any = None


def _fake(seed: int) -> Any:
    global _faker
    if _faker is None:
        from faker import Faker  # costs ~60 ms, so only when a first result is made

        _faker = Faker("en_US")
    _faker.seed_instance(seed)
    return _faker


def _string(name: str, fake: Any, rng: random.Random, now: float) -> str:
    n = name.lower()
    if "email" in n:
        return str(fake.email())
    if "phone" in n or "number" in n:
        return f"+1{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    if any(w in n for w in ("date", "time", "when", "_at", "_to", "day")):
        when = datetime.fromtimestamp(now, UTC) + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8))
        return when.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if "name" in n:
        return str(fake.name())
    if "address" in n:
        return str(fake.address().replace("\n", ", "))
    if "city" in n:
        return str(fake.city())
    if "company" in n or "business" in n:
        return str(fake.company())
    if any(w in n for w in ("reason", "note", "summary", "comment", "feedback", "message")):
        return str(fake.sentence(nb_words=8))
    return str(fake.word())


def _number(name: str, rng: random.Random) -> int | float:
    n = name.lower()
    if any(w in n for w in ("amount", "price", "total", "cost", "balance", "payment", "budget")):
        return round(rng.uniform(10, 2000), 2)
    if any(w in n for w in ("score", "rating")):
        return rng.randint(1, 10)
    if "age" in n:
        return rng.randint(18, 90)
    return rng.randint(1, 20)


def generate(returns: dict[str, Any], given: dict[str, Any] | None, seed: int, now: float) -> dict[str, Any]:
    """A value for every ``returns`` field: the scenario's literal, else generated."""
    rng = random.Random(seed)
    fake = _fake(seed)
    result: dict[str, Any] = {}
    for name, hint in returns.items():
        if given is not None and name in given:
            result[name] = given[name]
        elif hint == "boolean":
            result[name] = rng.random() < 0.7
        elif hint == "number":
            result[name] = _number(name, rng)
        else:
            result[name] = _string(name, fake, rng, now)
    return result


DEFAULT_TURNS = (
    ("agent", "Hi, this is an AI assistant calling. Do you have a quick moment?"),
    ("user", "Sure, go ahead."),
    ("agent", "{task}"),
    ("user", "Yes, that works for me."),
    ("agent", "Great, I've noted that. Thank you for your time, goodbye!"),
    ("user", "Thanks, bye."),
)


def default_turns(call: Call) -> list[tuple[str, str]]:
    # An agent's call renders persona + instructions into `prompt`: only the
    # instructions are the task, the persona is never said aloud.
    source = call.instructions if call.agent_id is not None else call.prompt
    task = (source or "").strip().split("\n")[-1][:200]
    task = task or "I'm calling to follow up on your request."
    return [(role, text.format(task=task)) for role, text in DEFAULT_TURNS]


def segments(turns: Sequence[tuple[str, str]], start: float, talk: float) -> list[Segment]:
    """Turns spread over the talk time in proportion to their length."""
    total = sum(len(t) for _, t in turns) or 1
    out: list[Segment] = []
    at = start
    for i, (role, text) in enumerate(turns):
        span = talk * len(text) / total
        out.append(
            Segment(
                sequence_no=i,
                role=role,
                text=text,
                started_at=at,
                ended_at=at + span,
                duration_ms=int(round(span * 1000)),
                source="tts" if role == "agent" else "stt",
            )
        )
        at += span
    return out
