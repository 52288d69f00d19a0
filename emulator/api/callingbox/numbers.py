"""/v1/numbers: the org's numbers, the purchasable inventory, purchase, legacy inbound."""

from __future__ import annotations

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.callingbox import paging
from emulator.api.callingbox.wire import numbers as wire
from emulator.api.wire.common import Page
from emulator.domain.records import Number

NumberPage = Page[wire.PhoneNumber]
AVAILABLE = TypeAdapter(list[wire.AvailableNumber])


def number_out(number: Number) -> wire.PhoneNumber:
    return wire.PhoneNumber.model_validate(number, from_attributes=True)


async def list_numbers(request: Request) -> Response:
    org = http.org(request)
    rows, more = org.numbers.page(**paging.page_params(request))
    return http.respond(NumberPage(data=[number_out(n) for n in rows], has_more=more))


async def search_available_numbers(request: Request) -> Response:
    http.org(request)
    http.only_params(request, "country_code", "area_code", "number_type", "limit")
    found = http.emulator(request).services.numbers.available(
        country_code=request.query_params.get("country_code", "US"),
        area_code=request.query_params.get("area_code"),
        number_type=http.query_choice(request, "number_type", ("local", "toll_free")),
        limit=http.query_int(request, "limit", 10, 1, 100),
    )
    # The docs answer a bare array here (search-available-numbers).
    items = [wire.AvailableNumber.model_validate(a, from_attributes=True) for a in found]
    return Response(AVAILABLE.dump_json(items), media_type="application/json")


async def purchase_number(request: Request) -> Response:
    org = http.org(request)
    body = http.parse(wire.PurchaseNumber, await http.json_object(request))
    number = http.emulator(request).services.numbers.purchase(org, body.phone_number)
    return http.respond(number_out(number), 201)


async def update_inbound_config(request: Request) -> Response:
    org = http.org(request)
    body = http.parse(wire.LegacyInboundConfig, await http.json_object(request))
    number = http.emulator(request).services.numbers.set_legacy_inbound(
        org, request.path_params["number_id"], **body.model_dump()
    )
    return http.respond(number_out(number))


routes = [
    http.route("/v1/numbers", get=list_numbers),
    http.route("/v1/numbers/available", get=search_available_numbers),
    http.route("/v1/numbers/purchase", post=purchase_number),
    http.route("/v1/numbers/{number_id}/inbound", put=update_inbound_config),
]
