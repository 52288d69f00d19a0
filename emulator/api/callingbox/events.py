"""CallingBox's webhook events: the names, and the mapping from the core's neutral changes.

A call enters ``completed`` only once extraction is done, so ``call.completed`` carries the
final result (docs: webhook-events, "normal end and structured extraction done"); the
line dropping and the result being ready publish nothing of their own. ``initiated``
emits nothing.
"""

from __future__ import annotations

from typing import Any

from emulator.dialect import STATUS, Change
from emulator.domain.records import touch

EVENT_TYPES = (
    "call.queued",
    "call.ringing",
    "call.answered",
    "call.completed",
    "call.failed",
    "call.no_answer",
    "call.busy",
    "call.canceled",
)

ON_ENTER = {
    "queued": "call.queued",
    "ringing": "call.ringing",
    "in_progress": "call.answered",
    "completed": "call.completed",
    "no_answer": "call.no_answer",
    "busy": "call.busy",
    "canceled": "call.canceled",
    "failed": "call.failed",
}
_ON_ENTER = {status: (name,) for status, name in ON_ENTER.items()}


def events(change: Change) -> tuple[str, ...]:
    return _ON_ENTER.get(change.after or "", ()) if change.kind == STATUS else ()


def on_delivery(store: Any, delivery: Any, state: str, error: str | None) -> None:
    """The call's webhook_status reflects its latest inline delivery (docs: call-object);
    deliveries to account endpoints leave it alone."""
    if delivery.endpoint_id is not None or delivery.call_id is None:
        return
    org = store.orgs.get(delivery.org_id)
    call = org.calls.get(delivery.call_id) if org else None
    if call is not None:
        call.webhook_status, call.webhook_error = state, error
        touch(call)
