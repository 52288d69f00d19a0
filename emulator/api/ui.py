"""The live dashboard at /_emulator/ui, and the read-only control-plane routes it reads.

The page and its assets ship in the package (emulator/ui/, no CDN: it works
offline) and hold no data, so they are served without the control token; every
route they call is a control-plane route under the guard like any other. The
page sends the token (asked for once, kept in sessionStorage) as the header,
and to the event stream, which an EventSource cannot give headers, as ``?token=``.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http, waits
from emulator.api.wire import observe as out
from emulator.domain.store import Org

ASSETS = Path(__file__).resolve().parent.parent / "ui"
FILES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
PAGE_HEADERS = {
    # Only its own script and style; no frames (clickjacking), no referrer, nothing cached stale.
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}


def _asset(name: str, media: str) -> Response:
    return Response((ASSETS / name).read_bytes(), media_type=media, headers=PAGE_HEADERS)


async def dashboard(request: Request) -> Response:
    return _asset("index.html", "text/html; charset=utf-8")


async def dashboard_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        return Response(b'{"error": "no such dashboard file"}', 404, media_type="application/json")
    return _asset(name, FILES[name])


def _org(request: Request) -> Org:
    emulator = http.emulator(request)
    org_id = http.query_id(request, "org_id")
    return emulator.default_org if org_id is None else emulator.services.orgs.get(org_id)


async def list_org_calls(request: Request) -> Response:
    """One org's calls (the default org's when none is named), newest first, by cursor."""
    http.only_params(request, "org_id", "limit", "starting_after", "status")
    org = _org(request)
    limit = http.query_int(request, "limit", 50, 1, 200)
    status = http.query_choice(request, "status", out.STATUSES)
    rows, more = org.calls.page(
        limit,
        http.query_id(request, "starting_after"),
        where=None if status is None else (lambda c: c.status == status),
        words=("starting_after", "ending_before"),
    )
    return http.respond(out.CallList(data=[http.dialect(request).call_out(c) for c in rows], has_more=more))


async def get_call_detail(request: Request) -> Response:
    """A call with everything around it: transcript, timeline, deliveries and every attempt."""
    emulator = http.emulator(request)
    call = waits.find_call(emulator, waits.path_id(request))
    org = emulator.store.orgs.get(call.org_id)
    deliveries = org.deliveries_by_call.get(call.id) if org is not None else None
    speaks = http.dialect(request)
    return http.respond(
        out.CallDetail(
            call=speaks.call_out(call),
            transcript=[speaks.segment_out(s) for s in call.transcript],
            events=[
                out.TimelineEvent(type=e.type, status=e.call.status, created=e.created, wall=wall)
                for e, wall in emulator.history.entries(call.id)
            ],
            deliveries=[speaks.delivery_out(d) for d in (deliveries.oldest_first() if deliveries is not None else ())],
            attempts=[a for a in emulator.dispatcher.log.items() if a.call_id == call.id],
        )
    )


async def list_org_webhook_endpoints(request: Request) -> Response:
    """An org's webhook endpoints with their health (status, consecutive failures, why disabled)."""
    org = http.emulator(request).services.orgs.get(request.path_params["org_id"])
    endpoint_out = http.dialect(request).endpoint_out
    return http.respond(out.EndpointList(data=[endpoint_out(e) for e in org.endpoints.oldest_first()]))


async def list_sinks(request: Request) -> Response:
    sinks = http.emulator(request).sinks
    return http.respond(
        out.SinkList(data=[out.SinkInfo(name=n, count=c, last_received_at=t) for n, c, t in sinks.names()])
    )


routes = [
    http.route("/_emulator/ui", get=dashboard),
    http.route("/_emulator/ui/{name}", get=dashboard_asset),
    http.route("/_emulator/calls", get=list_org_calls),
    http.route("/_emulator/calls/{call_id}", get=get_call_detail),
    http.route("/_emulator/orgs/{org_id}/webhook_endpoints", get=list_org_webhook_endpoints),
    http.route("/_emulator/sinks", get=list_sinks),
]
