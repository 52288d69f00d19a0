"""A call's whole story as one ordered JSON document.

Gathered from what the emulator keeps anyway (nothing is recorded twice): the request
journal (the API requests that name the call, and the one that created it), the event
history (each event carries a snapshot of the call, so its status then), the webhook
attempt log, and the scenario registry (which scenario, and why). All of these are
bounded; a story whose beginning left one of them says so in ``truncated``.

What two runs of the same build must agree on, and where they differ, is
emulator/timeline_diff.py.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from emulator.clock import iso
from emulator.dialect import STATUS, Change
from emulator.simulation.registry import matches

FORMAT = "callingbox-emulator.timeline/1"
TRANSITIONS_KEPT = 50_000  # status changes of all calls together (about 100 bytes each)
BODY_KEEP = 4096  # characters of each request or webhook body in the document
CALL_FIELDS = (
    "id",
    "org_id",
    "agent_id",
    "direction",
    "to_number",
    "from_number",
    "status",
    "scenario",
    "result",
    "result_status",
    "result_error",
    "created_at",
    "ended_at",
)


class Transitions:
    """Every status change of every call, with its virtual and wall time; the newest TRANSITIONS_KEPT."""

    def __init__(self, now: Callable[[], float], wall: Callable[[], float], limit: int = TRANSITIONS_KEPT) -> None:
        self._now, self._wall = now, wall
        self._kept: deque[tuple[str, str | None, str | None, float, float]] = deque(maxlen=limit)

    def on_change(self, change: Change) -> None:
        if change.kind == STATUS:
            self._kept.append((change.call.id, change.before, change.after, self._now(), self._wall()))

    def of(self, call_id: str) -> list[tuple[str | None, str | None, float, float]]:
        return [(before, after, at, wall) for cid, before, after, at, wall in self._kept if cid == call_id]


def _at(emulator: Any, seconds: float, start: float) -> dict[str, Any]:
    # Never below 0: under the realtime clock the creating request arrives a moment before the call is made.
    return {"at": iso(seconds), "offset": round(max(0.0, seconds - start), 6)}


def scenario_choice(emulator: Any, call: Any) -> dict[str, Any]:
    """Which scenario the call runs and why: a header named it, a ``match`` held, or the default.
    Worked out again from the registry (what it holds now), the call and its agent."""
    org = emulator.store.orgs.get(call.org_id)
    agent = org.agents.get(call.agent_id) if org is not None and call.agent_id else None
    chosen: dict[str, Any] = {"name": call.scenario, "reason": "default", "match": None}
    for scenario, source in emulator.scenarios.entries():
        if scenario.match is not None and matches(scenario.match, call, agent.name if agent else None):
            if scenario.name == call.scenario:
                chosen.update(reason="match", match=scenario.match.model_dump(exclude_none=True), source=source)
            else:
                chosen["reason"] = "header"  # the first match is another one: a header chose it
            return chosen
    if call.scenario != "default":
        chosen["reason"] = "header"
    return chosen


def _requests(emulator: Any, call: Any) -> list[dict[str, Any]]:
    """The journal's API requests that name the call in their path, and the one that created it."""
    journal = emulator.journal
    found = []
    for entry in reversed(journal.find(limit=max(1, len(journal)))):
        if entry.org_id != call.org_id:
            continue
        created = (
            entry.method == "POST"
            and entry.status in (200, 201)
            and call.id.encode() in entry.response_body
            and call.id not in entry.path
        )
        if call.id in entry.path or created:
            found.append(
                {
                    "kind": "request",
                    **_at(emulator, entry.received_at, call.created_at),
                    "seq": entry.seq,
                    "method": entry.method,
                    "path": entry.path,
                    "query": entry.query,
                    "status": entry.status,
                    "creates_call": created,
                    "duration_ms": entry.duration_ms,
                    "request_body": entry.request_body.decode("utf-8", "replace")[:BODY_KEEP],
                    "request_body_truncated": entry.request_cut,
                    "response_body": entry.response_body.decode("utf-8", "replace")[:BODY_KEEP],
                }
            )
    return found


def _events(emulator: Any, call: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": "event",
            **_at(emulator, event.created, call.created_at),
            "wall": iso(wall),
            "type": event.type,
            "status": event.call.status,
        }
        for event, wall in emulator.history.entries(call.id)
    ]


def _transitions(emulator: Any, call: Any) -> list[dict[str, Any]]:
    kept = getattr(emulator, "transitions", None)
    return [
        {"kind": "transition", **_at(emulator, at, call.created_at), "wall": iso(wall), "from": before, "to": after}
        for before, after, at, wall in (kept.of(call.id) if kept is not None else ())
    ]


def _attempts(emulator: Any, call: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": "webhook_attempt",
            **_at(emulator, a.sent_at, call.created_at),
            "delivery_id": a.delivery_id,
            "event_type": a.event_type,
            "url": a.url,
            "attempt": a.attempt,
            "manual": a.manual,
            "request_headers": a.request_headers,
            "request_body": a.request_body[:BODY_KEEP],
            "response_status": a.response_status,
            "response_body": a.response_body[:BODY_KEEP],
            "error": a.error,
            "latency_ms": a.latency_ms,
        }
        for a in emulator.dispatcher.log.items()
        if a.call_id == call.id
    ]


def _agent(emulator: Any, call: Any) -> dict[str, Any] | None:
    org = emulator.store.orgs.get(call.org_id)
    agent = org.agents.get(call.agent_id) if org is not None and call.agent_id else None
    if agent is None:
        return None
    return {
        k: getattr(agent, k)
        for k in (
            "id",
            "name",
            "type",
            "persona",
            "instructions",
            "voice",
            "language",
            "returns",
            "tools",
            "webhook_url",
            "voicemail_action",
        )
    }


def _generated(emulator: Any, call: Any) -> dict[str, Any]:
    """The result fields the scenario did not give literally: drawn from the seeded stream."""
    literal: dict[str, Any] = {}
    try:
        literal = dict(emulator.scenarios.by_name(call.scenario).result or {})
    except Exception:  # the scenario was replaced or removed since: nothing is known literal
        literal = {}
    return {"result": sorted(k for k in (call.result or {}) if k not in literal)}


def build(emulator: Any, call: Any) -> dict[str, Any]:
    """The timeline document of ``call`` (a record of ``emulator``)."""
    requests = _requests(emulator, call)
    events, transitions = _events(emulator, call), _transitions(emulator, call)
    attempts = _attempts(emulator, call)
    entries = sorted([*requests, *transitions, *events, *attempts], key=lambda e: e["offset"])
    truncated = []
    if not any(r["creates_call"] for r in requests) and call.direction == "outbound":
        truncated.append("requests")
    if not events or events[0]["status"] != "queued":  # every call's story begins queued
        truncated.append("events")
    if not transitions or transitions[0]["from"] is not None:  # the first change is the call's creation
        truncated.append("transitions")
    if emulator.dispatcher.log.evicted and not attempts:
        truncated.append("webhook_attempts")
    return {
        "format": FORMAT,
        "seed": emulator.config.seed,
        "captured_at": _at(emulator, emulator.clock.now(), call.created_at),
        "call": {k: getattr(call, k) for k in CALL_FIELDS},
        "scenario": scenario_choice(emulator, call),
        "agent": _agent(emulator, call),
        "generated": _generated(emulator, call),
        "entries": entries,
        "truncated": truncated,
    }
