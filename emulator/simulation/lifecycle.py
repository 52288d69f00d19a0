"""The call status machine: which status may follow which, and what each emits.

Pure data and two functions; the engine refuses any move the table does not
allow, so a scenario can never produce an impossible status sequence.
"""

from __future__ import annotations

TERMINAL = frozenset({"completed", "no_answer", "busy", "canceled", "failed"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"initiated", "failed", "canceled"}),
    "initiated": frozenset({"ringing", "busy", "failed", "canceled"}),
    "ringing": frozenset({"in_progress", "no_answer", "busy", "failed", "canceled"}),
    "in_progress": frozenset({"completed", "failed"}),
}

# The event a status change publishes. `initiated` emits nothing. A call enters
# `completed` only once extraction is done, so `call.completed` carries the final
# result (docs: webhook-events, "normal end and structured extraction done").
EVENT_ON_ENTER = {
    "ringing": "call.ringing",
    "in_progress": "call.answered",
    "completed": "call.completed",
    "no_answer": "call.no_answer",
    "busy": "call.busy",
    "canceled": "call.canceled",
    "failed": "call.failed",
}


class InvalidTransition(Exception):
    pass


def check(current: str, new: str) -> None:
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"a call cannot go from {current} to {new}")


def is_terminal(status: str) -> bool:
    return status in TERMINAL
