"""The two contracts and the app describe the same emulator: same routes, same handlers,
same files served, and the product contract holds nothing of the control plane."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.routing import Match, Route

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

from .support import CONTROL_SPEC, SPEC

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
PRODUCT = yaml.safe_load(SPEC.read_text())
CONTROL = yaml.safe_load(CONTROL_SPEC.read_text())


def app_operations() -> set[tuple[str, str]]:
    """(path, METHOD) for every route the app serves (HEAD aside)."""
    return {
        (route.path, method)
        for route in create_app(Emulator(Config())).routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }


def documented_operations(*docs: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for doc in docs
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML silently keeps the last of two equal keys: here that is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        twice = sorted({str(k) for k in keys if keys.count(k) > 1})
        assert not twice, f"line {node.start_mark.line + 1}: keys given twice: {twice}"
        return super().construct_mapping(node, deep=deep)


@pytest.mark.parametrize("path", [SPEC, CONTROL_SPEC], ids=lambda p: p.name)
def test_no_key_is_given_twice(path: Path) -> None:
    assert yaml.load(path.read_text(), UniqueKeyLoader) == yaml.safe_load(path.read_text())


def test_every_route_is_documented_and_every_operation_is_served() -> None:
    served, documented = set(app_operations()), set(documented_operations(PRODUCT, CONTROL))
    assert sorted(served - documented) == [], "routes the app serves that neither contract documents"
    assert sorted(documented - served) == [], "operations the contracts document that the app does not serve"
    assert not set(documented_operations(PRODUCT)) & set(documented_operations(CONTROL)), "documented twice"


def test_the_product_contract_is_the_api_alone() -> None:
    """What users fuzz is /v1 and its webhooks: nothing there moves the clock or arms a fault."""
    assert all(path.startswith("/v1/") for path in PRODUCT["paths"]), sorted(PRODUCT["paths"])
    assert PRODUCT["webhooks"] and "webhooks" not in CONTROL
    assert not any(path.startswith("/v1/") for path in CONTROL["paths"])
    links = [
        (op["operationId"], link["operationId"])
        for doc in (PRODUCT, CONTROL)
        for op in documented_operations(doc).values()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    product_ids = {op["operationId"] for op in documented_operations(PRODUCT).values()}
    crossing = [(a, b) for a, b in links if (a in product_ids) != (b in product_ids)]
    assert crossing == [], "links from one contract to the other cannot resolve"


def test_shared_components_are_identical() -> None:
    """Each contract stands alone, so the pieces both need are written twice: never apart."""
    differ = [
        f"{section}/{name}"
        for section, items in CONTROL["components"].items()
        for name, value in items.items()
        if name in PRODUCT["components"].get(section, {}) and PRODUCT["components"][section][name] != value
    ]
    assert differ == [], "changed in one of openapi.yaml and emulator-openapi.yaml only: make both the same"


def concrete(path: str) -> str:
    """A documented path with each parameter filled in (`{x:int}` with a number)."""
    return re.sub(r"\{[^}:]+(:int)?\}", lambda m: "7" if m.group(1) else "x", path)


def test_every_documented_operation_reaches_a_route() -> None:
    """Routing as a request meets it: the concrete path and method of each operation match a
    route fully (not only by path, which would answer 405; not at all, which would answer 404)."""
    routes = [route for route in create_app(Emulator(Config())).routes if isinstance(route, Route)]
    missed = [
        f"{method} {path}"
        for path, method in documented_operations(PRODUCT, CONTROL)
        if not any(
            route.matches({"type": "http", "path": concrete(path), "method": method})[0] == Match.FULL
            for route in routes
        )
    ]
    assert missed == [], "documented operations no route serves"


def test_operation_ids_are_unique() -> None:
    """Links and generated clients name operations by operationId: two with one name break both."""
    ids = [op.get("operationId") for op in documented_operations(PRODUCT, CONTROL).values()]
    assert None not in ids, "operations without an operationId"
    assert sorted({i for i in ids if ids.count(i) > 1}) == [], "operationIds used twice"


TAGS = {
    "numbers": "numbers",
    "agents": "agents",
    "calls": "calls",
    "webhook_endpoints": "webhooks",
    "webhook_deliveries": "webhooks",
}


def test_operations_are_tagged_and_secured_as_documented() -> None:
    """/v1 operations: the global bearer scheme and their resource's tag; the control plane
    and the served contracts: no security and the `emulator` tag. Every error response is one
    of the shared components/responses (all of them the Error envelope)."""
    assert PRODUCT["openapi"] == CONTROL["openapi"] == "3.1.0"
    assert PRODUCT["security"] == [{"bearerAuth": []}] and CONTROL["security"] == []
    assert PRODUCT["components"]["securitySchemes"]["bearerAuth"] == {
        **PRODUCT["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    for doc, control in ((PRODUCT, False), (CONTROL, True)):
        for (path, method), operation in documented_operations(doc).items():
            expected = "emulator" if control else TAGS[path.split("/")[2]]
            assert operation.get("tags") == [expected], f"{method} {path}: tags {operation.get('tags')}"
            assert ("security" in operation and operation["security"] == []) == control, f"{method} {path}"
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["$ref"].startswith("#/components/responses/"), f"{method} {path} {status}"


@pytest.mark.parametrize(("prefix", "path"), [("", SPEC), ("/_emulator", CONTROL_SPEC)])
async def test_the_served_contracts_are_the_files(prefix: str, path: Path) -> None:
    app = create_app(Emulator(Config()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        as_yaml = await client.get(f"{prefix}/openapi.yaml")
        as_json = await client.get(f"{prefix}/openapi.json")
    assert as_yaml.status_code == 200 and as_yaml.headers["content-type"].startswith("application/yaml")
    assert as_yaml.content == path.read_bytes()
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
    assert json.loads(as_json.content) == yaml.safe_load(path.read_text())


def test_the_wheel_ships_both_contracts() -> None:
    """emulator/resources.py looks for the documents inside the package first (a wheel),
    then at the top of a checkout: pyproject's force-include must put both in the wheel."""
    import tomllib

    from emulator import resources

    pyproject = tomllib.loads((SPEC.parent / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for name in (resources.PRODUCT, resources.CONTROL):
        assert shipped.get(name) == f"emulator/{name}", f"{name} is not shipped in the wheel"
    assert resources.openapi_path(resources.PRODUCT) == SPEC
    assert resources.openapi_path(resources.CONTROL) == CONTROL_SPEC
