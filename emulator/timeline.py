"""A call's whole story as one ordered JSON document, and the differences between two stories.

Gathered from what the emulator keeps anyway (nothing is recorded twice): the request
journal (the API requests that name the call, and the one that created it), the event
history (each event carries a snapshot of the call, so its status then), the webhook
attempt log, and the scenario registry (which scenario, and why). All of these are
bounded; a story whose beginning left one of them says so in ``truncated``.

``story`` is the part two runs of the same build must agree on (see ``compare``): times
are offsets from the call's creation, ids are masked, generated values are compared by
type only, since they come from the seeded stream at the position the run had reached.
"""

from __future__ import annotations

import json
import re
from typing import Any

from collections import deque
from typing import Callable

from emulator.clock import iso
from emulator.dialect import STATUS, Change
from emulator.simulation.registry import matches

FORMAT = "callingbox-emulator.timeline/1"
TRANSITIONS_KEPT = 50_000  # status changes of all calls together (about 100 bytes each)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
# Webhook body fields compared as "<varies>": times (the transitions' offsets are compared instead)
# and the call's webhook state, which depends on when the previous attempt's answer landed.
REAL_TIME_FIELDS = frozenset({"created", "webhook_status", "webhook_error"})
BODY_KEEP = 4096  # characters of each request or webhook body in the document
CALL_FIELDS = ("id", "org_id", "agent_id", "direction", "to_number", "from_number", "status", "scenario",
               "result", "result_status", "result_error", "created_at", "ended_at")


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
        created = entry.method == "POST" and entry.status in (200, 201) and call.id.encode() in entry.response_body \
            and call.id not in entry.path
        if call.id in entry.path or created:
            found.append({
                "kind": "request", **_at(emulator, entry.received_at, call.created_at), "seq": entry.seq,
                "method": entry.method, "path": entry.path, "query": entry.query, "status": entry.status,
                "creates_call": created, "duration_ms": entry.duration_ms,
                "request_body": entry.request_body.decode("utf-8", "replace")[:BODY_KEEP],
                "request_body_truncated": entry.request_cut,
                "response_body": entry.response_body.decode("utf-8", "replace")[:BODY_KEEP],
            })
    return found


def _events(emulator: Any, call: Any) -> list[dict[str, Any]]:
    return [{"kind": "event", **_at(emulator, event.created, call.created_at), "wall": iso(wall), "type": event.type,
             "status": event.call.status} for event, wall in emulator.history.entries(call.id)]


def _transitions(emulator: Any, call: Any) -> list[dict[str, Any]]:
    kept = getattr(emulator, "transitions", None)
    return [{"kind": "transition", **_at(emulator, at, call.created_at), "wall": iso(wall), "from": before,
             "to": after} for before, after, at, wall in (kept.of(call.id) if kept is not None else ())]


def _attempts(emulator: Any, call: Any) -> list[dict[str, Any]]:
    return [{
        "kind": "webhook_attempt", **_at(emulator, a.sent_at, call.created_at), "delivery_id": a.delivery_id,
        "event_type": a.event_type, "url": a.url, "attempt": a.attempt, "manual": a.manual,
        "request_headers": a.request_headers, "request_body": a.request_body[:BODY_KEEP],
        "response_status": a.response_status, "response_body": a.response_body[:BODY_KEEP], "error": a.error,
        "latency_ms": a.latency_ms,
    } for a in emulator.dispatcher.log.items() if a.call_id == call.id]


def _agent(emulator: Any, call: Any) -> dict[str, Any] | None:
    org = emulator.store.orgs.get(call.org_id)
    agent = org.agents.get(call.agent_id) if org is not None and call.agent_id else None
    if agent is None:
        return None
    return {k: getattr(agent, k) for k in ("id", "name", "type", "persona", "instructions", "voice", "language",
                                            "returns", "tools", "webhook_url", "voicemail_action")}


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


# -- comparing two stories ----------------------------------------------------------------


def _mask(value: Any, generated: set[str], key: str | None = None) -> Any:
    """Ids masked; result fields drawn from the seed by type; in webhook bodies (``timed``), times
    and the delivery state, which under the realtime clock depend on when tasks ran."""
    if isinstance(value, dict):
        return {k: (f"<generated {type(v).__name__}>" if key == "result" and k in generated
                    else "<varies>" if k in REAL_TIME_FIELDS else _mask(v, generated, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, generated) for v in value]
    if isinstance(value, str):
        return "<time>" if TIME.match(value) else UUID.sub("<id>", value)
    return value


def _body(text: Any, generated: set[str]) -> Any:
    try:
        parsed = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        parsed = text
    return _mask(parsed, generated)


def _offset(value: Any) -> Any:
    """To the tenth of a second: under the realtime clock a step lands a few ms after its due time."""
    return round(value, 1) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def story(doc: dict[str, Any]) -> dict[str, Any]:
    """What is compared: statuses and their times, events in order with their times, the result,
    the scenario, the requests' statuses, and each webhook attempt in order (event, body with ids
    masked, the answer it got). Any document reads (a hand-edited one too): what is missing is None."""
    generated = {g for g in _list(_dict(doc.get("generated")).get("result")) if isinstance(g, str)}
    entries = [e for e in _list(doc.get("entries")) if isinstance(e, dict)]
    call = _dict(doc.get("call"))

    def of(kind: str, *keys: str) -> list[list[Any]]:
        return [[e.get(k) for k in keys] for e in entries if e.get("kind") == kind]

    return {
        "scenario": _dict(doc.get("scenario")).get("name"),
        "transitions": [[a, b, _offset(t)] for a, b, t in of("transition", "from", "to", "offset")],
        "events": [[kind, _offset(t)] for kind, t in of("event", "type", "offset")],
        "requests": [[m, UUID.sub("<id>", p) if isinstance(p, str) else p, st]
                     for m, p, st in of("request", "method", "path", "status")],
        "result": {"status": call.get("status"), "result_status": call.get("result_status"),
                   "result_error": call.get("result_error"),
                   "result": _mask({"result": call.get("result")}, generated)["result"]},
        # Not when each attempt went: under the realtime clock that is the moment a task ran, not a due time.
        "webhooks": [{"event_type": t, "response_status": st, "body": _body(body, generated)}
                     for t, st, body in of("webhook_attempt", "event_type", "response_status", "request_body")],
    }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def compare(recorded: Any, replayed: Any, pointer: str = "") -> list[dict[str, Any]]:
    """Each place where the two stories differ, as a JSON pointer with both values."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        found = []
        for key in sorted(set(recorded) | set(replayed), key=str):
            here = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in recorded or key not in replayed:
                found.append({"pointer": here, "recorded": recorded.get(key), "replayed": replayed.get(key)})
            else:
                found.extend(compare(recorded[key], replayed[key], here))
        return found
    if isinstance(recorded, list) and isinstance(replayed, list):
        found = []
        for i in range(max(len(recorded), len(replayed))):
            if i >= len(recorded) or i >= len(replayed):
                found.append({"pointer": f"{pointer}/{i}", "recorded": recorded[i] if i < len(recorded) else None,
                              "replayed": replayed[i] if i < len(replayed) else None})
            else:
                found.extend(compare(recorded[i], replayed[i], f"{pointer}/{i}"))
        return found
    return [] if recorded == replayed else [{"pointer": pointer or "/", "recorded": recorded, "replayed": replayed}]
