"""The contract checked at run time: responses and webhook bodies against an OpenAPI 3.1 document.

The document is any dialect's, given as a parsed dict. Its schemas are JSON Schema 2020-12;
each one is compiled once (on first use, by jsonschema-rs) as a ``$ref`` into the whole
document held in a registry, so ``#/components/...`` references resolve as they would for any
client, and a violation's rule is its place in the document. Nothing here knows HTTP frameworks: the middleware in ``api/conformance.py`` feeds it.

Modes: ``off`` (nothing checked), ``warn`` (violations kept here, bounded, and each rule logged
once), ``strict`` (the same, and the caller replaces the answer or withholds the webhook).
"""

from __future__ import annotations

import json
import logging
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

import jsonschema_rs

MODES = ("off", "warn", "strict")
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
BASE = "urn:callingbox-emulator:contract"
MAX_ITEMS = 1000  # violations kept
MAX_BYTES = 1024 * 1024  # of kept violations
MESSAGE_KEEP = 500  # characters of each message
SEEN_KEPT = 4096  # (method, path) lookups remembered per contract
LOG = logging.getLogger("callingbox_emulator.conformance")


@dataclass(slots=True)
class Violation:
    kind: str  # "response" or "webhook"
    operation: str  # operationId, or "METHOD /template" without one
    status: int | None  # the HTTP status answered (None for a webhook)
    pointer: str  # JSON pointer into the body ("" for the body itself or its content type)
    rule: str  # the violated rule, a pointer into the document
    message: str
    at: float  # virtual time

    def size(self) -> int:
        return 128 + len(self.operation) + len(self.pointer) + len(self.rule) + len(self.message)

    def describe(self) -> str:
        where = f" at {self.pointer or '/'}" if self.rule else ""
        answered = f" answered {self.status}" if self.status is not None else ""
        return f"contract violation: {self.operation}{answered}{where}: {self.message} (rule {self.rule or '-'})"


@dataclass(slots=True)
class Operation:
    name: str
    responses: dict[str, Any]  # status key ("200", "4XX", "default") -> response object
    pointer: str  # of the operation in the document


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


class Contract:
    """One OpenAPI document, ready to check answers and webhook bodies against."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry = jsonschema_rs.Registry([(BASE, document)])
        self._validators: dict[str, Any] = {}
        self._schemas: dict[tuple[str, int, str], tuple[str | None, str | None]] = {}  # (op, status, media)
        self._seen: dict[tuple[str, str], Operation | None] = {}  # (method, path): recent lookups
        self._paths = [(_template(p), p, item) for p, item in (document.get("paths") or {}).items()]
        # Literal templates first, so /v1/numbers/available wins over /v1/numbers/{id}.
        self._paths.sort(key=lambda t: t[1].count("{"))

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            parts, node = node["$ref"][2:].split("/"), self.document
            for part in parts:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation serving ``method path``, or None when the document has none."""
        key = (method, path)
        if key in self._seen:
            return self._seen[key]
        if len(self._seen) >= SEEN_KEPT:  # bounded: ids make most paths unique
            self._seen.clear()
        found = self._seen[key] = self._lookup(method.lower(), path)
        return found

    def _lookup(self, method: str, path: str) -> Operation | None:
        for pattern, template, item in self._paths:
            if pattern.match(path):
                op = item.get(method)
                if not isinstance(op, dict):
                    return None
                name = op.get("operationId") or f"{method.upper()} {template}"
                return Operation(name, op.get("responses") or {}, _pointer(("paths", template, method)))
        return None

    def webhook(self, event_type: str) -> tuple[str, str] | None:
        """(operation name, pointer to the body schema) of a webhook, or None when undocumented."""
        op = ((self.document.get("webhooks") or {}).get(event_type) or {}).get("post")
        if not isinstance(op, dict):
            return None
        content = (self._resolve(op.get("requestBody")) or {}).get("content") or {}
        if "application/json" not in content:
            return None
        base = ("webhooks", event_type, "post", "requestBody", "content", "application/json", "schema")
        return op.get("operationId") or event_type, _pointer(base)

    def response_schema(self, op: Operation, status: int, media: str) -> tuple[str | None, str | None]:
        """(pointer to the schema, problem): the schema the answer must match, or what is wrong."""
        cached = self._schemas.get((op.pointer, status, media))
        if cached is None:
            cached = self._schemas[(op.pointer, status, media)] = self._response_schema(op, status, media)
        return cached

    def _response_schema(self, op: Operation, status: int, media: str) -> tuple[str | None, str | None]:
        key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in op.responses), None)
        if key is None:
            return None, f"status {status} is not a documented answer of this operation"
        response = self._resolve(op.responses[key])
        content = response.get("content") or {}
        if not content:
            return None, None  # documented without a body: nothing more to check
        if media not in content:
            return None, f"content type {media or 'none'} is not documented (expected {', '.join(content)})"
        schema = content[media].get("schema")
        if schema is None:
            return None, None
        ref = op.responses[key].get("$ref") if isinstance(op.responses[key], dict) else None
        if ref:
            return f"{ref[1:]}/content/{media.replace('/', '~1')}/schema", None
        return f"{op.pointer}/responses/{key}/content/{media.replace('/', '~1')}/schema", None

    def errors(self, pointer: str, instance: Any) -> Iterator[tuple[str, str, str]]:
        """(instance pointer, rule pointer, message) of the first violation, if any."""
        validator = self._validators.get(pointer)
        if validator is None:
            ref = BASE + "#" + quote(pointer, safe="/~-_.")  # a URI fragment: `{` of templates is escaped
            validator = jsonschema_rs.Draft202012Validator({"$ref": ref}, registry=self._registry)
            self._validators[pointer] = validator
        if validator.is_valid(instance):  # the common case, and several times cheaper than collecting errors
            return
        for error in validator.iter_errors(instance):
            yield _pointer(error.instance_path), _pointer(error.schema_path), error.message
            return


class Conformance:
    """The checks of one emulator, and the violations they found (bounded in entries and bytes)."""

    def __init__(self, mode: str, contracts: list[Contract]) -> None:
        if mode not in MODES:
            raise ValueError(f"conformance: unknown mode {mode!r} (one of {', '.join(MODES)})")
        self.mode = mode
        self.contracts = contracts
        self._kept: deque[Violation] = deque()
        self.bytes = 0
        self.total = 0  # found since start or the last clear
        self._logged: set[tuple[str, str, str]] = set()

    @property
    def strict(self) -> bool:
        return self.mode == "strict"

    def check_response(
        self, method: str, path: str, status: int, media: str, body: bytes | None, now: float
    ) -> Violation | None:
        """``body`` None: check the status and content type only (a stream, a page)."""
        for contract in self.contracts:
            op = contract.operation(method, path)
            if op is None:
                continue
            schema, problem = contract.response_schema(op, status, media)
            if problem is not None:
                return self._add(Violation("response", op.name, status, "", "", problem, now))
            if schema is None or body is None:
                return None
            return self._check_json(contract, "response", op.name, status, schema, body, now)
        return None  # no document describes it (an unknown route): nothing to hold it to

    def check_webhook(self, event_type: str, body: bytes, now: float) -> Violation | None:
        for contract in self.contracts:
            found = contract.webhook(event_type)
            if found is not None:
                return self._check_json(contract, "webhook", found[0], None, found[1], body, now)
        if any("webhooks" in c.document for c in self.contracts):
            return self._add(
                Violation(
                    "webhook",
                    event_type,
                    None,
                    "",
                    "",
                    f"webhook event type {event_type!r} is not in the contract",
                    now,
                )
            )
        return None

    def _check_json(
        self, contract: Contract, kind: str, name: str, status: int | None, schema: str, body: bytes, now: float
    ) -> Violation | None:
        try:
            instance = json.loads(body)
        except ValueError as exc:
            return self._add(Violation(kind, name, status, "", schema, f"body is not JSON: {exc}", now))
        for pointer, rule, message in contract.errors(schema, instance):
            return self._add(Violation(kind, name, status, pointer, rule, message[:MESSAGE_KEEP], now))
        return None

    def _add(self, violation: Violation) -> Violation:
        self.total += 1
        self._kept.append(violation)
        self.bytes += violation.size()
        while len(self._kept) > MAX_ITEMS or (self.bytes > MAX_BYTES and len(self._kept) > 1):
            self.bytes -= self._kept.popleft().size()
        key = (violation.operation, str(violation.status), violation.rule or violation.message)
        if key not in self._logged and len(self._logged) < MAX_ITEMS:  # once per rule
            self._logged.add(key)
            LOG.warning("%s", violation.describe())
        return violation

    def items(self) -> list[dict[str, Any]]:
        """Kept violations, newest first."""
        return [asdict(v) for v in reversed(self._kept)]

    def clear(self) -> None:
        self._kept.clear()
        self.bytes = 0
        self.total = 0
        self._logged.clear()
