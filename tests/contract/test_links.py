"""The OpenAPI links of openapi.yaml chain the main workflow, step by step.

The stateful test walks the links at random; this one follows them on purpose, so
the workflow is proven reachable through links alone:

    search_available_numbers -> purchase_number -> create_agent (with the number)
    -> create_call -> get_call / get_call_transcript
    -> list_webhook_deliveries -> get_webhook_delivery -> redeliver_webhook_delivery

(between create_call and get_call, the clock moves through the control plane, which
the product contract does not link to). Every value a step needs comes from the
link's runtime expressions, and every
response goes through schemathesis' checks, so the shapes of a finished call (result,
transcript, billing) and of delivered webhooks are checked against the contract too.
"""

from __future__ import annotations

from typing import Any

import yaml

from emulator.config import Config

from .support import CONTROL_SPEC, SPEC, load_contract, new_app, rejects_only_conflicts

DOC = yaml.safe_load(SPEC.read_text())
OPERATIONS = {
    op["operationId"]: (path, method, op)
    for path, item in DOC["paths"].items()
    for method, op in item.items()
    if method != "parameters"
}


def pointer(document: Any, ptr: str) -> Any:
    for token in ptr.lstrip("/").split("/") if ptr.strip("/") else []:
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def evaluate(expr: Any, request_body: Any, response_body: Any) -> Any:
    """The runtime expressions these links use: ``$response.body#/...``, ``$request.body#/...``."""
    if isinstance(expr, dict):
        return {k: evaluate(v, request_body, response_body) for k, v in expr.items()}
    if isinstance(expr, list):
        return [evaluate(v, request_body, response_body) for v in expr]
    if isinstance(expr, str) and expr.startswith("$response.body#"):
        return pointer(response_body, expr.removeprefix("$response.body#"))
    if isinstance(expr, str) and expr.startswith("$request.body#"):
        return pointer(request_body, expr.removeprefix("$request.body#"))
    assert not (isinstance(expr, str) and expr.startswith("$")), f"unsupported runtime expression {expr}"
    return expr


class Walk:
    def __init__(self) -> None:
        self.emulator, app = new_app()
        self.schema = load_contract(app)
        self.control = load_contract(app, CONTROL_SPEC)

    def call(
        self,
        operation_id: str,
        status: int,
        *,
        path: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[Any, Any]:
        control = operation_id not in OPERATIONS
        operation = (self.control if control else self.schema).find_operation_by_id(operation_id)
        headers = dict(headers or {})
        if not control:
            # Hand-made cases get no auth from the settings (only generated ones do).
            headers["Authorization"] = f"Bearer {Config().api_key}"
        kwargs: dict[str, Any] = {"path_parameters": path or {}, "query": query or {}, "headers": headers}
        if body is not None:
            kwargs["body"] = body
        case = operation.Case(**kwargs)
        response = case.call()
        case.validate_response(response, additional_checks=[rejects_only_conflicts])
        assert response.status_code == status, f"{operation_id}: {response.status_code} {response.text}"
        return body, response.json()

    def follow(
        self,
        source: str,
        status: int,
        link_name: str,
        request_body: Any,
        response_body: Any,
        expect: int,
        extra_body: dict[str, Any] | None = None,
    ) -> tuple[Any, Any]:
        """Call the target of ``source``'s link with what the link's expressions extract
        (``extra_body`` fills a required body that the link leaves to the generator)."""
        link = OPERATIONS[source][2]["responses"][str(status)]["links"][link_name]
        target = link["operationId"]
        path, _, operation = OPERATIONS[target]
        declared = {}
        for p in [*DOC["paths"][path].get("parameters", []), *operation.get("parameters", [])]:
            p = pointer(DOC, p["$ref"].removeprefix("#")) if "$ref" in p else p
            declared[p["name"]] = p["in"]
        params: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        for key, expr in link.get("parameters", {}).items():
            location, _, name = key.partition(".") if key.split(".")[0] in params else ("", "", key)
            params[location or declared[name]][name] = evaluate(expr, request_body, response_body)
        body = evaluate(link["requestBody"], request_body, response_body) if "requestBody" in link else None
        if extra_body is not None:
            body = {**extra_body, **(body or {})}
        return self.call(
            target, expect, path=params["path"], query=params["query"], headers=params["header"], body=body
        )


def test_links_walk_the_dispatch_workflow() -> None:
    walk = Walk()
    # An endpoint first, so the call's events have somewhere to go (the test transport answers 200).
    walk.call("create_webhook_endpoint", 201, body={"url": "https://example.com/callingbox/webhooks"})

    req, found = walk.call("search_available_numbers", 200, query={"area_code": "415", "limit": 1})
    req, number = walk.follow("search_available_numbers", 200, "PurchaseNumber", req, found, expect=201)
    req, agent = walk.follow("purchase_number", 201, "CreateAgentWithNumber", req, number, expect=201)
    assert agent["numbers"][0]["id"] == number["id"] and agent["type"] == "outbound"
    req, call = walk.follow("create_agent", 201, "CreateCall", req, agent, expect=201)
    assert call["agent_id"] == agent["id"] and call["status"] == "queued"

    walk.call("advance_clock", 200, body={"seconds": 60})  # the call runs; its result is extracted
    _, done = walk.follow("create_call", 201, "GetCall", req, call, expect=200)
    assert done["status"] == "completed" and done["result_status"] == "completed", done
    _, transcript = walk.follow("get_call", 200, "GetCallTranscript", None, done, expect=200)
    assert transcript["segments"], transcript

    _, deliveries = walk.follow("create_call", 201, "ListCallDeliveries", req, call, expect=200)
    assert {d["event_type"] for d in deliveries["data"]} >= {"call.queued", "call.completed"}, deliveries
    _, delivery = walk.follow("list_webhook_deliveries", 200, "GetWebhookDelivery", None, deliveries, expect=200)
    assert delivery["status"] == "delivered"
    _, replayed = walk.follow("get_webhook_delivery", 200, "RedeliverWebhookDelivery", None, delivery, expect=200)
    assert replayed["manual_retry_count"] == 1


def test_links_walk_agent_and_endpoint_lifecycles() -> None:
    walk = Walk()
    _, number = walk.call("purchase_number", 201, body={"phone_number": "+14155550123"})
    req, agent = walk.follow("purchase_number", 201, "CreateAgentWithNumber", None, number, expect=201)
    _, other = walk.call("purchase_number", 201, body={"phone_number": "+14155550124"})
    attach, attached = walk.call("attach_number", 200, path={"agent_id": agent["id"]}, body={"number_id": other["id"]})
    _, primary = walk.follow("attach_number", 200, "SetPrimaryNumber", attach, attached, expect=200)
    assert primary["primary_number_id"] == other["id"]
    _, ready = walk.follow("attach_number", 200, "CreateCall", attach, attached, expect=201)
    assert ready["from_number"] == other["e164"]
    walk.follow("attach_number", 200, "DetachNumber", attach, attached, expect=200)
    walk.follow("create_agent", 201, "DetachNumber", req, agent, expect=200)
    _, archived = walk.follow("create_agent", 201, "ArchiveAgent", req, agent, expect=200)
    assert archived["archived_at"] is not None and archived["numbers"] == []
    _, read = walk.follow("create_agent", 201, "GetAgent", req, agent, expect=200)  # a soft delete: still reads
    assert read["archived_at"] == archived["archived_at"]
    walk.follow("create_agent", 201, "CreateCall", req, agent, expect=400)  # ... but cannot dispatch

    req, endpoint = walk.call("create_webhook_endpoint", 201, body={"url": "https://example.com/hooks"})
    walk.follow("create_webhook_endpoint", 201, "RotateWebhookSecret", req, endpoint, expect=200)
    walk.follow(
        "create_webhook_endpoint",
        201,
        "UpdateWebhookEndpoint",
        req,
        endpoint,
        expect=200,
        extra_body={"status": "disabled"},
    )
    walk.follow("create_webhook_endpoint", 201, "DeleteWebhookEndpoint", req, endpoint, expect=200)
    walk.follow("create_webhook_endpoint", 201, "GetWebhookEndpoint", req, endpoint, expect=404)  # a hard delete
