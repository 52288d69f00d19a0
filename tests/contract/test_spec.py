"""openapi.yaml and the app describe the same API: same routes, same handlers, same file served."""

from __future__ import annotations

import json
from typing import Any

import httpx
import yaml
from starlette.routing import Route

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

from .support import SPEC

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
DOC = yaml.safe_load(SPEC.read_text())


def app_operations() -> dict[tuple[str, str], str]:
    """(path, METHOD) -> handler function name, for every route the app serves (HEAD aside)."""
    served: dict[tuple[str, str], str] = {}
    for route in create_app(Emulator(Config())).routes:
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        # http.route() keeps its method -> handler table in the endpoint's closure.
        cells = dict(zip(route.endpoint.__code__.co_freevars, route.endpoint.__closure__ or ()))
        table = cells["table"].cell_contents if "table" in cells else {}
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                served[(route.path, method)] = table[method].__name__ if method in table else route.endpoint.__name__
    return served


def documented_operations() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for path, item in DOC["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML silently keeps the last of two equal keys: here that is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        twice = sorted({str(k) for k in keys if keys.count(k) > 1})
        assert not twice, f"openapi.yaml line {node.start_mark.line + 1}: keys given twice: {twice}"
        return super().construct_mapping(node, deep=deep)


def test_no_key_is_given_twice() -> None:
    assert yaml.load(SPEC.read_text(), UniqueKeyLoader) == DOC


def test_every_route_is_documented_and_every_operation_is_served() -> None:
    served, documented = set(app_operations()), set(documented_operations())
    assert sorted(served - documented) == [], "routes the app serves that openapi.yaml does not document"
    assert sorted(documented - served) == [], "operations openapi.yaml documents that the app does not serve"


def test_operation_ids_are_the_handler_names() -> None:
    served, documented = app_operations(), documented_operations()
    wrong = {
        f"{method} {path}": (documented[(path, method)].get("operationId"), handler)
        for (path, method), handler in served.items()
        if (path, method) in documented and documented[(path, method)].get("operationId") != handler
    }
    assert wrong == {}, "(operationId, handler) pairs that differ"


TAGS = {"numbers": "numbers", "agents": "agents", "calls": "calls",
        "webhook_endpoints": "webhooks", "webhook_deliveries": "webhooks"}


def test_operations_are_tagged_and_secured_as_documented() -> None:
    """/v1 operations: the global bearer scheme and their resource's tag; the control plane
    and the served contract: no security and the `emulator` tag. Every error response is one
    of the shared components/responses (all of them the Error envelope)."""
    assert DOC["openapi"] == "3.1.0"
    assert DOC["security"] == [{"bearerAuth": []}]
    assert DOC["components"]["securitySchemes"]["bearerAuth"] == {
        **DOC["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    for (path, method), operation in documented_operations().items():
        control = path.startswith(("/_emulator/", "/openapi."))
        expected = "emulator" if control else TAGS[path.split("/")[2]]
        assert operation.get("tags") == [expected], f"{method} {path}: tags {operation.get('tags')}"
        assert ("security" in operation and operation["security"] == []) == control, f"{method} {path}: security"
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["$ref"].startswith("#/components/responses/"), f"{method} {path} {status}"


async def test_the_served_contract_is_the_file() -> None:
    app = create_app(Emulator(Config()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator.test") as client:
        as_yaml = await client.get("/openapi.yaml")
        as_json = await client.get("/openapi.json")
    assert as_yaml.status_code == 200 and as_yaml.headers["content-type"].startswith("application/yaml")
    assert as_yaml.content == SPEC.read_bytes()
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
    assert json.loads(as_json.content) == DOC
