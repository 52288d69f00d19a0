"""/v1/webhook_endpoints and /v1/webhook_deliveries."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.callingbox import paging
from emulator.api.callingbox.wire import webhooks as wire
from emulator.api.wire.common import Deleted, Page
from emulator.domain.deliveries import DELIVERY_STATUSES

EndpointPage = Page[wire.WebhookEndpoint]
DeliveryPage = Page[wire.WebhookDelivery]


def endpoint_out(endpoint: object, secret: bool = False) -> wire.WebhookEndpoint:
    model = wire.WebhookEndpointWithSecret if secret else wire.WebhookEndpoint
    return model.model_validate(endpoint, from_attributes=True)


def delivery_out(delivery: object) -> wire.WebhookDelivery:
    return wire.WebhookDelivery.model_validate(delivery, from_attributes=True)


async def list_webhook_endpoints(request: Request) -> Response:
    org = http.org(request)
    rows, more = org.endpoints.page(**paging.page_params(request))
    return http.respond(EndpointPage(data=[endpoint_out(e) for e in rows], has_more=more))


async def create_webhook_endpoint(request: Request) -> Response:
    org = http.org(request)
    body = http.parse(wire.CreateWebhookEndpoint, await http.json_object(request))
    endpoint = http.emulator(request).services.endpoints.create(org, body.url, body.description, body.enabled_events)
    return http.respond(endpoint_out(endpoint, secret=True), 201)


async def get_webhook_endpoint(request: Request) -> Response:
    org = http.org(request)
    endpoint = http.emulator(request).services.endpoints.get(org, request.path_params["endpoint_id"])
    return http.respond(endpoint_out(endpoint))


async def update_webhook_endpoint(request: Request) -> Response:
    org = http.org(request)
    body = http.parse(wire.UpdateWebhookEndpoint, await http.json_object(request))
    endpoint = http.emulator(request).services.endpoints.update(
        org, request.path_params["endpoint_id"], body.model_dump(exclude_unset=True)
    )
    return http.respond(endpoint_out(endpoint))


async def delete_webhook_endpoint(request: Request) -> Response:
    org = http.org(request)
    await http.no_body(request)
    endpoint = http.emulator(request).services.endpoints.delete(org, request.path_params["endpoint_id"])
    return http.respond(Deleted(id=endpoint.id))


async def rotate_webhook_secret(request: Request) -> Response:
    org = http.org(request)
    await http.no_body(request)
    endpoint = http.emulator(request).services.endpoints.rotate_secret(org, request.path_params["endpoint_id"])
    return http.respond(endpoint_out(endpoint, secret=True))


async def list_webhook_deliveries(request: Request) -> Response:
    org = http.org(request)
    rows, more = http.emulator(request).services.deliveries.page(
        org,
        **paging.page_params(request, default=50, high=200, filters=("endpoint_id", "call_id", "status")),
        endpoint_id=http.query_id(request, "endpoint_id"),
        call_id=http.query_id(request, "call_id"),
        status=http.query_choice(request, "status", DELIVERY_STATUSES),
    )
    return http.respond(DeliveryPage(data=[delivery_out(d) for d in rows], has_more=more))


async def get_webhook_delivery(request: Request) -> Response:
    org = http.org(request)
    delivery = http.emulator(request).services.deliveries.get(org, request.path_params["delivery_id"])
    return http.respond(delivery_out(delivery))


async def redeliver_webhook_delivery(request: Request) -> Response:
    org = http.org(request)
    await http.no_body(request)
    delivery = http.emulator(request).services.deliveries.redeliver(org, request.path_params["delivery_id"])
    return http.respond(delivery_out(delivery))


routes = [
    http.route("/v1/webhook_endpoints", get=list_webhook_endpoints, post=create_webhook_endpoint),
    http.route(
        "/v1/webhook_endpoints/{endpoint_id}",
        get=get_webhook_endpoint,
        patch=update_webhook_endpoint,
        delete=delete_webhook_endpoint,
    ),
    http.route("/v1/webhook_endpoints/{endpoint_id}/rotate_secret", post=rotate_webhook_secret),
    http.route("/v1/webhook_deliveries", get=list_webhook_deliveries),
    http.route("/v1/webhook_deliveries/{delivery_id}", get=get_webhook_delivery),
    http.route("/v1/webhook_deliveries/{delivery_id}/redeliver", post=redeliver_webhook_delivery),
]
