"""/_emulator: the control plane. No API key; it drives the emulator itself."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator import __version__
from emulator.api import http, stream
from emulator.api.wire import control as wire
from emulator.domain.store import Org
from emulator.realism import apply


def org_out(org: Org) -> wire.Org:
    return wire.Org.model_validate(org, from_attributes=True)


async def get_health(request: Request) -> Response:
    emulator = http.emulator(request)
    failures = emulator.scheduler.failures
    return http.respond(
        wire.Health(
            status="degraded" if failures.count else "ok",
            version=__version__,
            clock=wire.clock_out(emulator.clock),
            job_failures=wire.JobFailures(
                count=failures.count,
                recent=[wire.JobFailure.model_validate(f, from_attributes=True) for f in failures.recent],
            ),
        )
    )


async def reset(request: Request) -> Response:
    await http.no_body(request)
    emulator = http.emulator(request)
    emulator.reset()
    stream.state_replaced(emulator, "reset")
    return http.respond(wire.ResetResult(reset=True, default_org=org_out(emulator.default_org)))


async def list_orgs(request: Request) -> Response:
    store = http.emulator(request).store
    return http.respond(wire.OrgList(data=[org_out(o) for o in store.orgs.oldest_first()]))


async def create_org(request: Request) -> Response:
    body = http.parse(
        wire.CreateOrg, await http.json_object(request, required=False), {"profile": http.emulator(request).profile}
    )
    org = http.emulator(request).services.orgs.create(body.name, body.api_key, body.balance_milli_cents)
    return http.respond(org_out(org), 201)


async def get_org(request: Request) -> Response:
    org = http.emulator(request).services.orgs.get(request.path_params["org_id"])
    return http.respond(org_out(org))


async def update_org(request: Request) -> Response:
    body = http.parse(wire.UpdateOrg, await http.json_object(request))
    orgs = http.emulator(request).services.orgs
    org = orgs.get(request.path_params["org_id"])  # checked whole first: a refused PATCH changes nothing
    if body.balance_milli_cents is not None:
        orgs.set_balance(org.id, body.balance_milli_cents)
    apply(org.realism, body.changes())
    return http.respond(org_out(org))


routes = [
    http.route("/_emulator/health", get=get_health),
    http.route("/_emulator/reset", post=reset),
    http.route("/_emulator/orgs", get=list_orgs, post=create_org),
    http.route("/_emulator/orgs/{org_id}", get=get_org, patch=update_org),
]
