"""The call status machine: which status may follow which (the neutral statuses).

Pure data and two functions; the engine refuses any move the table does not
allow, so a scenario can never produce an impossible status sequence.
"""

from __future__ import annotations

from typing import Any

from emulator.dialect import redial_pending

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


def check_redial(call: Any) -> None:
    """The one way out of a terminal status: an unanswered attempt with attempts left."""
    if not redial_pending(call):
        raise InvalidTransition(
            f"a {call.status} call with {call.attempt_count} of {call.max_attempts} attempts made is not redialled"
        )


def is_terminal(status: str) -> bool:
    return status in TERMINAL
