"""Server-side waits: block until a call reaches a status (or sends an event), or a webhook
reaches a sink, so a suite in any language needs no polling and no sleeps.

Under the manual clock a wait steps time instant by instant (``Emulator.step_async``),
checking after each, and answers 409 at once when the condition can no longer hold:
the call is past it, or ended without it, or nothing more is scheduled. Past
``max_seconds`` of virtual time it answers 408. Under the realtime clock it
long-polls: woken by the feed (emulator/domain/events.py) whenever something
about the call or the sink happens, until ``timeout`` real seconds have passed.
The failure texts are the pytest plugin's own, which is now a thin client of these routes.
The loop that steps or long-polls is emulator/api/wait_loop.py; here, what each wait checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.observe import SINK_NAME
from emulator.api.wait_loop import Check, Failed, wait
from emulator.api.wire import control as wire
from emulator.api.wire.common import iso
from emulator.api.wire.observe import STATUSES, WaitForCall, WaitForWebhook
from emulator.dialect import STATUS, Change, Profile, redial_pending
from emulator.domain.events import Item
from emulator.domain.records import Call
from emulator.errors import InvalidRequest, NotFound
from emulator.runtime import Emulator

TERMINAL = frozenset(STATUSES[4:])
RANK = {status: rank for rank, status in enumerate(STATUSES[:4])}  # a call only moves forward
Present = Callable[[Call], Any]  # the dialect's call, as its own routes answer it


def find_call(emulator: Emulator, call_id: str) -> Call:
    for org in emulator.store.orgs.oldest_first():
        call = org.calls.get(call_id)
        if call is not None:
            return call
    raise NotFound.of("call", call_id)


def story(emulator: Emulator, call_id: str) -> tuple[str, list[dict[str, Any]]]:
    events = emulator.history.events(call_id)
    shown = [{"type": e.type, "status": e.call.status, "created": iso(e.created)} for e in events]
    text = ", ".join(f"{e['type']} at {e['created']}" for e in shown) or "none"
    return f"Events so far: {text}", shown


def event_statuses(profile: Profile) -> dict[str, str]:
    """Each of the dialect's events and the status whose entry publishes it (a dialect's
    status events depend on the status change alone, not on the call)."""
    found: dict[str, str] = {}
    for status in STATUSES:
        for name in profile.events(Change(STATUS, None, None, status)):
            found.setdefault(name, status)
    return found


def call_check(
    emulator: Emulator, call_id: str, body: WaitForCall, present: Present
) -> tuple[Check, Callable[[], str]]:
    wanted = body.status or body.event or ""
    emitted = event_statuses(emulator.profile)

    def check() -> Response | None:
        call = find_call(emulator, call_id)
        now = call.status
        if body.status is not None:
            if now == body.status:
                return http.respond(present(call))
            if redial_pending(call):  # back to queued soon: the wanted status may still come
                return None
            shown = present(call) if now in TERMINAL else None
            if shown is not None and getattr(shown, "status", None) == body.status:  # the dialect's word for it
                return http.respond(shown)
            if now in TERMINAL or RANK[now] > RANK.get(body.status, len(RANK)):
                raise Failed(409, missed(emulator, call, body.status, present))
            return None
        if sent(call, emitted.get(wanted)) or any(e.type == wanted for e in emulator.history.events(call_id)):
            return http.respond(present(call))
        implied = emitted.get(wanted)
        if redial_pending(call):
            return None
        if now in TERMINAL or (implied in RANK and RANK[now] > RANK[implied]):
            text, events = story(emulator, call_id)
            head = f"call {call_id} ended as {now!r}" if now in TERMINAL else f"call {call_id} is {now!r}"
            raise Failed(
                409,
                {
                    "error": f"{head}, it never sent {wanted}. {text}",
                    "events": events,
                    "call": _call_json(call, present),
                },
            )
        return None

    def explain() -> str:
        call = find_call(emulator, call_id)
        return f"call {call_id} is {call.status!r}, not {wanted!r}. {story(emulator, call_id)[0]}"

    return check, explain


def sent(call: Call, on_entering: str | None) -> bool:
    """Whether the call's own fields prove it sent the event published on entering the status
    ``on_entering`` (the event history is bounded; the call is not): every call is queued, an
    answered one rang and was answered, a terminal event is its status."""
    if on_entering is None:
        return False
    if on_entering in ("queued", call.status):
        return True
    return on_entering in ("ringing", "in_progress") and call.answered_at is not None


def _call_json(call: Call, present: Present) -> Any:
    return present(call).model_dump(mode="json")


def missed(emulator: Emulator, call: Call, wanted: str, present: Present) -> dict[str, Any]:
    """Why a wait for ``wanted`` can no longer succeed: the call is past it, or ended without it."""
    text, events = story(emulator, call.id)
    had = {e["status"] for e in events}  # each event carries the call's status at that moment
    # `initiated` publishes no event; any event after call.queued means the call went through it.
    passed = bool(had - {"queued"}) if wanted == "initiated" else wanted in had
    now = call.status
    head = f"call {call.id} ended as {now!r}" if now in TERMINAL else f"call {call.id} is {now!r}"
    tail = f"already past {wanted!r}" if passed else f"never {wanted!r}"
    return {"error": f"{head}, {tail}. {text}", "events": events, "call": _call_json(call, present)}


async def wait_for_call(request: Request) -> Response:
    emulator = http.emulator(request)
    call_id = path_id(request)
    body = http.parse(WaitForCall, await http.json_object(request), {"profile": emulator.profile})
    if (body.status is None) == (body.event is None):
        example = next((e for e, s in event_statuses(emulator.profile).items() if s == "completed"), "")
        raise InvalidRequest(f'give exactly one of "status" (like "completed") or "event" (like "{example}")')
    find_call(emulator, call_id)
    check, explain = call_check(emulator, call_id, body, http.dialect(request).call_out)
    return await wait(emulator, check, explain, lambda i: i.call_id == call_id, body.max_seconds, body.timeout)


def path_id(request: Request) -> str:
    raw = str(request.path_params["call_id"])
    if not http.UUID.fullmatch(raw):
        raise NotFound.of("call", raw[:64])
    return raw


async def wait_for_webhook(request: Request) -> Response:
    emulator = http.emulator(request)
    name = _sink_name(request)
    body = http.parse(WaitForWebhook, await http.json_object(request), {"profile": http.emulator(request).profile})
    url = f"{str(request.base_url).rstrip('/')}/_emulator/sinks/{name}"

    def check() -> Response | None:
        for item in emulator.sinks.items(name):
            if item.event_type == body.type and (body.call_id is None or item.call_id == body.call_id):
                return http.respond_as(wire.RECEIVED, item)
        return None

    def explain() -> str:
        got = [f"{w.event_type} (call {w.call_id})" for w in emulator.sinks.items(name)]
        return (
            f"no {body.type} webhook{' for call ' + body.call_id if body.call_id else ''} reached {url}; "
            f"received: {', '.join(got) or 'nothing'}"
        )

    def relevant(item: Item) -> bool:
        return item.type == "sink.received" and item.subject.sink == name

    return await wait(emulator, check, explain, relevant, body.max_seconds, body.timeout)


def _sink_name(request: Request) -> str:
    name = str(request.path_params["name"])
    if not SINK_NAME.match(name):
        raise InvalidRequest("sink name: use 1-64 letters, digits, '.', '_' or '-'")
    return name


routes = [
    http.route("/_emulator/calls/{call_id}/wait", post=wait_for_call),
    http.route("/_emulator/sinks/{name}/wait", post=wait_for_webhook),
]
