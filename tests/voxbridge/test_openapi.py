"""The dialect's contract: a valid OpenAPI 3.1 document whose schemas say exactly what the
models accept and render (the docs' examples included)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError
from schemathesis import GenerationMode

from emulator.api.voxbridge import phone, present, webhooks, wire

from .calls import T0, FakeCall, answered_call
from .seeds import QUEUED_EVENT, REQUEST, RESPONSE

SPEC = Path(wire.__file__).with_name("openapi.yaml")
DOC = yaml.safe_load(SPEC.read_text())
ORG = "550e8400-e29b-41d4-a716-446655440000"
URL = "http://127.0.0.1:8787/v1/calls/6ba7b810-9dad-11d1-80b4-00c04fd430c8/recording.wav?token=" + "a" * 32


def validator(name: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for({"$ref": f"#/components/schemas/{name}", "components": DOC["components"]})


def errors_of(name: str, instance: Any) -> list[str]:
    return [e.message for e in validator(name).iter_errors(instance)]


def test_the_document_is_valid_openapi_3_1() -> None:
    schema = schemathesis.openapi.from_path(str(SPEC))
    schema.validate()
    assert DOC["openapi"] == "3.1.0"
    operations = {(path, method) for path, item in DOC["paths"].items() for method in item}
    assert operations == {
        ("/v1/calls/outbound", "post"),
        ("/v1/calls", "get"),
        ("/v1/calls/{call_id}", "get"),
        ("/v1/calls/{call_id}/recording.wav", "get"),
    }
    assert set(DOC["webhooks"]) == set(webhooks.EVENTS)


def test_every_documented_status_has_a_body_in_the_error_shape() -> None:
    create = DOC["paths"]["/v1/calls/outbound"]["post"]["responses"]
    assert {"201", "400", "401", "402", "404", "422"} <= set(create)
    for path, item in DOC["paths"].items():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["$ref"].rsplit("/", 1)[1]
                    schema = DOC["components"]["responses"][ref]["content"]["application/json"]["schema"]["$ref"]
                    assert schema.endswith("/ValidationError" if status == "422" else "/Error"), (path, status)


def test_the_docs_example_response_is_a_call_out_once_its_agent_id_is_a_uuid() -> None:
    example = json.loads(RESPONSE)
    # The docs elide agent_id as "..."; that placeholder is the only thing the schema refuses.
    assert errors_of("CallOut", example | {"error_message": None}) != []
    assert errors_of("CallOut", example | {"agent_id": FakeCall().agent_id, "error_message": None}) == []
    assert errors_of("CallOut", DOC["components"]["schemas"]["CallOut"]["example"]) == []


def test_the_docs_example_request_and_event_match_their_schemas() -> None:
    assert errors_of("OutboundCallRequest", json.loads(REQUEST)) == []
    assert errors_of("CallQueuedEvent", json.loads(QUEUED_EVENT)) == []


@pytest.mark.parametrize(
    "call",
    [
        FakeCall(),
        FakeCall(status="ringing", attempt_count=1, started_at=T0),
        answered_call(status="in_progress", result=None, result_status="pending"),
        answered_call(),
        FakeCall(status="busy", attempt_count=1, ended_at=T0),
        FakeCall(status="failed", attempt_count=3, ended_at=T0, billed_duration_seconds=0),
    ],
    ids=["queued", "calling", "hung-up", "analyzed", "redial", "failed"],
)
def test_every_rendered_call_and_event_matches_the_contract(call: FakeCall) -> None:
    shown = json.loads(present.call_out(call, URL).model_dump_json())
    assert errors_of("CallOut", shown) == []
    fields = present.event_fields(call, URL)
    names = {"call.queued": "CallQueuedEvent", "call.ended": "CallEndedEvent", "call.analyzed": "CallAnalyzedEvent"}
    final = shown["status"] in ("completed", "failed")
    # Each event is rendered at its moment: call.queued from the stored call, the others at the end.
    for event in (
        (("call.queued",) if call.status == "queued" else ())
        + (("call.ended",) if final else ())
        + (("call.analyzed",) if shown["recording_url"] else ())
    ):
        payload = json.loads(webhooks.body(webhooks.envelope(event, ORG, call.id, T0 + 0.5, fields)))
        assert errors_of(names[event], payload) == [], event


BODIES = [
    {"to": "+15551234567"},
    {"to": "5551234567"},
    {"to": "+442071838750"},
    {"to": "+1555123456"},
    {"to": "1555123456"},
    {"to": "+15551234567\n"},
    {},
    {"to": None},
    {"to": 15551234567},
    {"to": "+15551234567", "max_attempts": 0},
    {"to": "+15551234567", "max_attempts": 10},
    {"to": "+15551234567", "max_attempts": 11},
    {"to": "+15551234567", "max_attempts": "3"},
    {"to": "+15551234567", "max_attempts": None},
    {"to": "+15551234567", "max_attempts": 3.0},
    {"to": "+15551234567", "agent_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
    {"to": "+15551234567", "agent_id": "6ba7b810"},
    {"to": "+15551234567", "extra": 1},
    {"to": "+15551234567", "schedule_at": "2026-06-01T14:00:00Z"},
    {"to": "+15551234567", "schedule_at": "2026-06-01T14:00:00"},
    {"to": "+15551234567", "schedule_at": "2026-06-01T14:00:00.5+05:30"},
    {"to": "+15551234567", "schedule_at": "2026-06-01T14:00:00+24:00"},
    {"to": "+15551234567", "webhook_url": "http://127.0.0.1:9000/hooks"},
    {"to": "+15551234567", "webhook_url": "http://[::1]:9000/hooks?x=1"},
    {"to": "+15551234567", "webhook_url": "https://hooks.example"},
    {"to": "+15551234567", "webhook_url": "ftp://hooks.example"},
    {"to": "+15551234567", "webhook_url": "https://hooks example/x"},
    # Python's \s also takes \x1c-\x1f and the contract's ECMA \s does not: the pattern names its set.
    {"to": "+15551234567", "webhook_url": "http://[5beD117]:8765??\u00df\u001f"},
    {"to": "+15551234567", "webhook_url": "http://h.example/\u00df\U000c8821?q=\u3000"},
    {"to": "+15551234567", "webhook_url": "http://h.example/a\u007fb"},
    {"to": "+15551234567", "client_name": "x" * 255},
    {"to": "+15551234567", "client_name": "x" * 256},
    {"to": "+15551234567", "context": None, "metadata": None, "from": None, "client_name": None},
    {"to": "+15551234567", "context": [], "metadata": "x"},
]


@pytest.mark.parametrize("body", BODIES, ids=lambda b: json.dumps(b)[:60])
def test_the_request_schema_and_the_model_agree(body: dict[str, Any]) -> None:
    by_schema = errors_of("OutboundCallRequest", body) == []
    try:
        wire.OutboundCallRequest.model_validate(body)
        by_model = True
    except ValidationError:
        by_model = False
    assert by_schema == by_model


def test_patterns_are_the_codes_own() -> None:
    schemas = DOC["components"]["schemas"]
    assert schemas["Phone"]["pattern"] == phone.PATTERN
    assert schemas["OutboundCallRequest"]["properties"]["webhook_url"]["pattern"] == wire.URL_PATTERN
    assert schemas["OutboundCallRequest"]["properties"]["schedule_at"]["pattern"] == wire.INSTANT_PATTERN
    assert schemas["Uuid"]["pattern"] == wire.UUID_PATTERN
    assert schemas["CallStatus"]["enum"] == list(wire.STATUSES)
    assert schemas["Disposition"]["enum"] == list(wire.DISPOSITIONS)


REQUEST_SCHEMA = jsonschema_rs.validator_for(
    {"$ref": "#/components/schemas/OutboundCallRequest", "components": DOC["components"]}, validate_formats=True
)
CREATE = schemathesis.openapi.from_path(str(SPEC))["/v1/calls/outbound"]["POST"]
FUZZ = settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(CREATE.as_strategy(generation_mode=GenerationMode.POSITIVE))
def test_every_body_schemathesis_calls_valid_the_model_accepts(case: Any) -> None:
    wire.OutboundCallRequest.model_validate(case.body)


@FUZZ
@given(CREATE.as_strategy(generation_mode=GenerationMode.NEGATIVE))
def test_every_body_the_schema_refuses_the_model_refuses(case: Any) -> None:
    body = case.body
    # Negative cases also break headers or the media type; only a JSON body the schema refuses counts here.
    if isinstance(body, (bytes, bytearray)) or REQUEST_SCHEMA.is_valid(body):
        return
    with pytest.raises(ValidationError):
        wire.OutboundCallRequest.model_validate(body)
