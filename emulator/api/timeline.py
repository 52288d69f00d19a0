"""/_emulator/calls/{call_id}/timeline (a call's whole story) and /_emulator/timelines/replay."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from emulator import timeline
from emulator.api import http, replay, waits


def _json(body: object) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


async def get_timeline(request: Request) -> Response:
    http.only_params(request)
    emulator = http.emulator(request)
    call = waits.find_call(emulator, waits.path_id(request))
    return _json(timeline.build(emulator, call))


async def replay_timeline(request: Request) -> Response:
    http.only_params(request)
    document = await http.json_object(request)
    return _json(await replay.run(http.emulator(request), document, getattr(request.app.state, "dialect", None)))


routes = [
    http.route("/_emulator/calls/{call_id}/timeline", get=get_timeline),
    http.route("/_emulator/timelines/replay", post=replay_timeline),
]
