"""The contract, served: /openapi.yaml and /openapi.json."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator import resources
from emulator.api import http


async def get_openapi_yaml(request: Request) -> Response:
    return Response(resources.openapi_yaml(), media_type="application/yaml")


async def get_openapi_json(request: Request) -> Response:
    return Response(resources.openapi_json(), media_type="application/json")


routes = [
    http.route("/openapi.yaml", get=get_openapi_yaml),
    http.route("/openapi.json", get=get_openapi_json),
]
