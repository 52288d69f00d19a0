"""The outbound-call request model takes what the docs send and refuses, with 422 issues
that name the field, what they rule out; CallOut renders in the docs' field order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from emulator.api.voxbridge.errors import validation_body
from emulator.api.voxbridge.wire import CallList, CallOut, OutboundCallRequest, iso, parse_instant

from .seeds import REQUEST, RESPONSE


def refusal(body: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        OutboundCallRequest.model_validate(body)
    return validation_body(caught.value)["detail"]


def test_the_docs_example_request_parses_verbatim() -> None:
    request = OutboundCallRequest.model_validate(json.loads(REQUEST))
    assert request.to == "+15551234567" and request.from_ == "+15559876543"
    assert request.agent_id is None and request.schedule_at is None and request.max_attempts == 3
    assert request.context == {"reference_number": "398690", "product": "personal_loan"}
    assert request.metadata == {"crm_id": "lead_8821"}
    assert request.webhook_url == "https://partner.example/hooks/voice"
    assert request.client_name == "Jane Doe"


def test_only_to_is_required_and_max_attempts_defaults_to_3() -> None:
    request = OutboundCallRequest.model_validate({"to": "+15551234567"})
    assert (request.from_, request.agent_id, request.max_attempts) == (None, None, 3)
    assert refusal({}) == [{"loc": ["body", "to"], "msg": "Field required", "type": "missing"}]


@pytest.mark.parametrize(
    "to, e164",
    [
        ("5551234567", "+15551234567"),
        ("2125550100", "+12125550100"),
        ("+442071838750", "+442071838750"),
        ("+15551234567", "+15551234567"),
    ],
)
def test_e164_passes_and_us_ten_digits_gain_plus_1(to: str, e164: str) -> None:
    assert OutboundCallRequest.model_validate({"to": to, "from": to}).to == e164
    assert OutboundCallRequest.model_validate({"to": to, "from": to}).from_ == e164


@pytest.mark.parametrize(
    "to, says",
    [
        ("+1555123456", "exactly 10 digits after +1"),
        ("+155512345678", "exactly 10 digits after +1"),
        ("+1555", "4 digits after '+'"),
        ("+4420718387501234", "16 digits after '+'"),
        ("555123456", "9 digits"),
        ("15551234567", "11 digits"),
        ("1555123456", "cannot start with 0 or 1"),
        ("(555) 123-4567", "not a phone number"),
        ("+1 555 123 4567", "not a phone number"),
        ("+1555123456\n", "not a phone number"),
        ("+1５５５1234567", "not a phone number"),
    ],
)
def test_phone_problems_are_422_naming_the_field(to: str, says: str) -> None:
    (issue,) = refusal({"to": to})
    assert issue["loc"] == ["body", "to"] and issue["type"] == "value_error"
    assert says in issue["msg"]


@pytest.mark.parametrize(
    "value, kind",
    [
        (0, "greater_than_equal"),
        (11, "less_than_equal"),
        ("3", "int_type"),
        (True, "int_type"),
        (2.5, "int_type"),
        (None, "int_type"),
    ],
)
def test_max_attempts_is_an_integer_from_1_to_10(value: object, kind: str) -> None:
    (issue,) = refusal({"to": "+15551234567", "max_attempts": value})
    assert issue["loc"] == ["body", "max_attempts"] and issue["type"] == kind


def test_max_attempts_takes_a_whole_float_as_json_schema_does() -> None:
    assert OutboundCallRequest.model_validate({"to": "+15551234567", "max_attempts": 10.0}).max_attempts == 10


def test_unknown_fields_are_refused_each_named() -> None:
    issues = refusal({"to": "+15551234567", "schedule_time": "2026-06-01T14:00:00Z", "from_number": "+15551234567"})
    assert sorted(i["loc"][1] for i in issues) == ["from_number", "schedule_time"]
    assert {i["type"] for i in issues} == {"extra_forbidden"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("context", "x"),
        ("metadata", []),
        ("client_name", 5),
        ("agent_id", "not-a-uuid"),
        ("webhook_url", "ftp://x.example/h"),
        ("webhook_url", "https://"),
        ("webhook_url", ""),
        ("from", 15551234567),
        ("client_name", "x" * 256),
        ("webhook_url", "https://a.example/" + "p" * 2048),
    ],
)
def test_wrong_types_and_shapes_are_refused(field: str, value: object) -> None:
    (issue,) = refusal({"to": "+15551234567", field: value})
    assert issue["loc"] == ["body", field]


def test_agent_id_is_kept_lowercase() -> None:
    request = OutboundCallRequest.model_validate(
        {"to": "+15551234567", "agent_id": "6BA7B810-9DAD-11D1-80B4-00C04FD430C8"}
    )
    assert request.agent_id == "6ba7b810-9dad-11d1-80b4-00c04fd430c8"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-06-01T14:00:00Z", "2026-06-01T14:00:00Z"),
        ("2026-06-01t14:00:00z", "2026-06-01T14:00:00Z"),
        ("2026-06-01T16:00:00+02:00", "2026-06-01T14:00:00Z"),
        ("2026-06-01T09:30:00-04:30", "2026-06-01T14:00:00Z"),
        ("2026-06-01T14:00:00.250Z", "2026-06-01T14:00:00.250000Z"),
        ("2026-06-01T14:00:00.123456789Z", "2026-06-01T14:00:00.123456Z"),
        ("0001-01-01T00:00:00-01:00", "0001-01-01T01:00:00Z"),
        ("9999-12-31T23:59:59+01:00", "9999-12-31T22:59:59Z"),
        ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
    ],
)
def test_schedule_at_is_rfc3339_converted_to_utc(text: str, expected: str) -> None:
    request = OutboundCallRequest.model_validate({"to": "+15551234567", "schedule_at": text})
    assert iso(request.schedule_at) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-06-01",
        "2026-06-01T14:00:00",
        "2026-06-01 14:00:00Z",
        "tomorrow",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2026-06-01T14:00:00+24:00",
        "2026-06-01T14:00:00Z\n",
        1780322400,
    ],
)
def test_schedule_at_without_zone_or_not_a_date_time_is_refused(text: object) -> None:
    (issue,) = refusal({"to": "+15551234567", "schedule_at": text})
    assert issue["loc"] == ["body", "schedule_at"] and issue["type"] == "value_error"


def test_parse_instant_gives_unix_seconds() -> None:
    assert parse_instant("1970-01-01T00:01:40Z") == 100.0


def example_call(**changes: Any) -> CallOut:
    data = json.loads(RESPONSE) | {"agent_id": "9b2f4c1e-3d5a-4e6f-8a7b-1c2d3e4f5a6b"}
    data.update(scheduled_at=parse_instant(data["scheduled_at"]), created_at=parse_instant(data["created_at"]))
    return CallOut.model_validate(data | changes)


def test_call_out_renders_the_docs_example_in_its_order_plus_error_message() -> None:
    rendered = json.loads(example_call().model_dump_json())
    example = json.loads(RESPONSE) | {"agent_id": "9b2f4c1e-3d5a-4e6f-8a7b-1c2d3e4f5a6b"}
    assert list(rendered) == [*example, "error_message"]
    assert rendered == example | {"error_message": None}


def test_call_list_wraps_items_with_total_limit_offset() -> None:
    page = CallList(items=[example_call()], total=142, limit=25, offset=0)
    assert list(json.loads(page.model_dump_json())) == ["items", "total", "limit", "offset"]


def test_timestamps_show_fractions_only_when_there_are_some() -> None:
    assert iso(1780322400.0) == "2026-06-01T14:00:00Z"
    assert iso(1780322400.5) == "2026-06-01T14:00:00.500000Z"
    assert iso(None) is None


def test_path_ids_are_uuids_or_a_422_on_the_path() -> None:
    from emulator.api.voxbridge.errors import VoxError, render_error
    from emulator.api.voxbridge.wire import path_uuid

    assert path_uuid("call_id", "6BA7B810-9DAD-11D1-80B4-00C04FD430C8") == "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    for bad in ("nope", "6ba7b810-9dad-11d1-80b4-00c04fd430c8\n", "6ba7b8109dad11d180b400c04fd430c8", ""):
        with pytest.raises(VoxError) as caught:
            path_uuid("call_id", bad)
        status, body, _ = render_error(caught.value)
        assert status == 422 and body["detail"][0]["loc"] == ["path", "call_id"]
