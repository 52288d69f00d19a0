"""Two timelines of one call compared: ``story`` is the part two runs of the same build must
agree on, ``compare`` lists where two stories differ (emulator/timeline.py builds the documents).

Times are offsets from the call's creation, ids are masked, generated values are compared by
type only, since they come from the seeded stream at the position the run had reached. Kept
apart from the building because it reads any document, a hand-edited one too, not the emulator.
"""

from __future__ import annotations

import json
import re
from typing import Any

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
# Webhook body fields compared as "<varies>": times (the transitions' offsets are compared instead)
# and the call's webhook state, which depends on when the previous attempt's answer landed.
REAL_TIME_FIELDS = frozenset({"created", "webhook_status", "webhook_error"})


def _mask(value: Any, generated: set[str], key: str | None = None) -> Any:
    """Ids masked; result fields drawn from the seed by type; in webhook bodies (``timed``), times
    and the delivery state, which under the realtime clock depend on when tasks ran."""
    if isinstance(value, dict):
        return {
            k: (
                f"<generated {type(v).__name__}>"
                if key == "result" and k in generated
                else "<varies>"
                if k in REAL_TIME_FIELDS
                else _mask(v, generated, k)
            )
            for k, v in value.items()
        }
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
        "requests": [
            [m, UUID.sub("<id>", p) if isinstance(p, str) else p, st]
            for m, p, st in of("request", "method", "path", "status")
        ],
        "result": {
            "status": call.get("status"),
            "result_status": call.get("result_status"),
            "result_error": call.get("result_error"),
            "result": _mask({"result": call.get("result")}, generated)["result"],
        },
        # Not when each attempt went: under the realtime clock that is the moment a task ran, not a due time.
        "webhooks": [
            {"event_type": t, "response_status": st, "body": _body(body, generated)}
            for t, st, body in of("webhook_attempt", "event_type", "response_status", "request_body")
        ],
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
                found.append(
                    {
                        "pointer": f"{pointer}/{i}",
                        "recorded": recorded[i] if i < len(recorded) else None,
                        "replayed": replayed[i] if i < len(replayed) else None,
                    }
                )
            else:
                found.extend(compare(recorded[i], replayed[i], f"{pointer}/{i}"))
        return found
    return [] if recorded == replayed else [{"pointer": pointer or "/", "recorded": recorded, "replayed": replayed}]
