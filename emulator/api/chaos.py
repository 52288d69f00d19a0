"""/_emulator/webhook_chaos: arm, list and clear webhook chaos rules (emulator/webhooks/chaos.py)."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.wire.common import Deleted
from emulator.api.wire.control import Cleared
from emulator.errors import NotFound
from emulator.runtime import Emulator
from emulator.webhooks.chaos import ChaosSpec, Rule, knobs_of


class ChaosRuleOut(BaseModel):
    id: str
    org_id: str | None
    endpoint_id: str | None
    url: str | None
    duplicate: float
    reorder: float
    reorder_window_seconds: float
    delay_seconds: list[float] | None
    stale_timestamp_seconds: int | None
    bad_signature: float
    both_signatures: bool
    seed: int | None
    fired: int  # actions taken so far


class ChaosRuleList(BaseModel):
    data: list[ChaosRuleOut]


def rule_out(rule: Rule) -> ChaosRuleOut:
    return ChaosRuleOut(id=rule.id, fired=rule.fired, **rule.spec.model_dump())


def _check_scope(emulator: Emulator, spec: ChaosSpec) -> None:
    """A rule names an org or endpoint that exists: a typo would otherwise arm nothing, silently."""
    store = emulator.store
    if spec.org_id is not None and store.orgs.get(spec.org_id) is None:
        raise NotFound.of("org", spec.org_id)
    if spec.endpoint_id is not None:
        owners = [o for o in store.orgs.oldest_first() if o.endpoints.get(spec.endpoint_id) is not None]
        if not owners or (spec.org_id is not None and owners[0].id != spec.org_id):
            raise NotFound.of("webhook endpoint", spec.endpoint_id)


async def create_rule(request: Request) -> Response:
    emulator = http.emulator(request)
    spec = http.parse(ChaosSpec, await http.json_object(request))
    _check_scope(emulator, spec)
    fmt = emulator.dispatcher.formats[emulator.profile.webhook_format]
    return http.respond(rule_out(emulator.chaos.add(spec, fmt.name, knobs_of(fmt))), 201)


async def list_rules(request: Request) -> Response:
    return http.respond(ChaosRuleList(data=[rule_out(r) for r in http.emulator(request).chaos.all()]))


async def clear_rules(request: Request) -> Response:
    await http.no_body(request)
    http.emulator(request).chaos.clear()
    return http.respond(Cleared())


async def delete_rule(request: Request) -> Response:
    await http.no_body(request)
    rule = http.emulator(request).chaos.remove(request.path_params["rule_id"])
    return http.respond(Deleted(id=rule.id))


routes = [
    http.route("/_emulator/webhook_chaos", get=list_rules, post=create_rule, delete=clear_rules),
    http.route("/_emulator/webhook_chaos/{rule_id}", delete=delete_rule),
]
