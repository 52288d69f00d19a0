"""The call status machine: which status may follow which (the neutral statuses).

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

# What each status publishes is the dialect's choice (its Profile.events). A call enters
# `completed` only once extraction is done, so that event can carry the final result.


class InvalidTransition(Exception):
    pass


def check(current: str, new: str) -> None:
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(f"a call cannot go from {current} to {new}")


def is_terminal(status: str) -> bool:
    return status in TERMINAL
