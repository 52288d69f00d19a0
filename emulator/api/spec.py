"""The contracts, served: the active dialect's at /openapi.{yaml,json}, the control plane's
at /_emulator/openapi.{yaml,json} (see emulator/resources.py for why there are two)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator import resources
from emulator.api import http


def _product(request: Request) -> str:
    """The active dialect's contract (its routes and webhooks)."""
    contract: str = request.app.state.dialect.openapi
    return contract


async def get_openapi_yaml(request: Request) -> Response:
    return Response(resources.openapi_yaml(_product(request)), media_type="application/yaml")


async def get_openapi_json(request: Request) -> Response:
    return Response(resources.openapi_json(_product(request)), media_type="application/json")


async def get_control_openapi_yaml(request: Request) -> Response:
    return Response(resources.openapi_yaml(resources.CONTROL), media_type="application/yaml")


async def get_control_openapi_json(request: Request) -> Response:
    return Response(resources.openapi_json(resources.CONTROL), media_type="application/json")


routes = [
    http.route("/openapi.yaml", get=get_openapi_yaml),
    http.route("/openapi.json", get=get_openapi_json),
    http.route("/_emulator/openapi.yaml", get=get_control_openapi_yaml),
    http.route("/_emulator/openapi.json", get=get_control_openapi_json),
]
