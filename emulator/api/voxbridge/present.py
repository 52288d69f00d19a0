"""A core call as VoxBridge shows it: the CallOut and each webhook's fields.

The core keeps one neutral record; this is the only place that reads it for VoxBridge.
"""

from __future__ import annotations

from typing import Any

from emulator.api import rendered
from emulator.api.voxbridge import audio, statuses
from emulator.api.voxbridge.wire import CallOut
from emulator.domain.records import Call

# The core's records, read here as they are: only this module reads them for VoxBridge.
VoxCall = Call


def analyzed(call: VoxCall) -> bool:
    """An answered call whose result is final: transcript, answers and recording show."""
    return call.status == "completed" and statuses.answered(call)


def duration_seconds(call: VoxCall) -> int | None:
    """Connected seconds (answer to hangup: what is recorded and counted against the
    quota); 0 for a call that ended unanswered; null until the call has ended."""
    if statuses.status(call) not in ("completed", "failed"):
        return None
    return call.billed_duration_seconds or 0


def call_out(call: VoxCall, recording_url: str | None) -> CallOut:
    """``recording_url`` is the wiring's (audio.url(...)); shown only once analysed."""
    done = analyzed(call)
    final = statuses.status(call) in ("completed", "failed")
    return CallOut(
        id=call.id,
        agent_id=call.agent_id,
        direction=call.direction,
        status=statuses.status(call),
        to_number=call.to_number,
        from_number=call.from_number,
        client_name=call.client_name,
        context=call.context,
        metadata=call.metadata,
        disposition=statuses.disposition(call) if final else None,
        transcript=statuses.transcript(call.transcript, call.answered_at) if done else None,
        recording_url=recording_url if done else None,
        structured_answers=statuses.structured_answers(call.result, call.result_status) if done else None,
        attempt_count=call.attempt_count,
        max_attempts=call.max_attempts,
        duration_seconds=duration_seconds(call),
        scheduled_at=call.scheduled_at,
        started_at=call.started_at,
        completed_at=call.ended_at if final else None,
        created_at=call.created_at,
        error_message=statuses.error_message(call),
    )


def render(call: VoxCall, link: tuple[str, str]) -> bytes:
    """The call's CallOut bytes; ``link`` (base URL, the org's signing secret) makes the recording
    URL, as routes.recording_url does."""
    url = audio.url(link[0], call.id, link[1]) if analyzed(call) else None
    out = call_out(call, url)
    return out.__pydantic_serializer__.to_json(out)


def list_bytes(items: list[bytes], total: int, limit: int, offset: int) -> bytes:
    """What ``CallList(items=..., total=..., limit=..., offset=...)`` serializes to, assembled from
    the rows' kept bytes: a page rendered afresh was most of a list's cost."""
    return rendered.join(b'{"items":[', items, f'],"total":{total},"limit":{limit},"offset":{offset}}}'.encode())


def event_fields(call: VoxCall, recording_url: str | None) -> dict[str, Any]:
    """Every field a VoxBridge event may carry, by name (webhooks.envelope picks its own)."""
    out = call_out(call, recording_url)
    fields = out.model_dump(mode="json")
    fields["to"] = call.to_number
    return fields
