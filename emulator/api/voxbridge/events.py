"""VoxBridge's events from the core's neutral changes (emulator.dialect.Change).

STATUS with no ``before`` is the call being stored; ENDED is an answered call's line
dropping; RESULT is extraction done. statuses.events_for holds the rules.
"""

from __future__ import annotations

from emulator.api.voxbridge import statuses
from emulator.api.voxbridge.webhooks import EVENTS
from emulator.dialect import ENDED, RESULT, STATUS, Change

EVENT_TYPES = EVENTS
MOMENTS = {ENDED: "hung_up", RESULT: "result_ready"}


def events(change: Change) -> tuple[str, ...]:
    if change.call is None:  # a probe of status -> event (the waits'): here events depend on the call
        return ()
    if change.kind == STATUS:
        return statuses.events_for("stored" if change.before is None else "status", change.call)
    moment = MOMENTS.get(change.kind)
    return statuses.events_for(moment, change.call) if moment else ()
