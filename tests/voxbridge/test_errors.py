"""One error shape, FastAPI's: {"detail": message}, and for 422 a list of {loc, msg, type}."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from emulator.api.voxbridge import errors
from emulator.api.voxbridge.wire import OutboundCallRequest


@pytest.mark.parametrize(
    "kind, status",
    [
        ("bad_request", 400),
        ("conflict", 400),
        ("auth", 401),
        ("quota", 402),
        ("not_found", 404),
        ("too_large", 413),
        ("media_type", 415),
        ("provider", 502),
        ("timeout", 408),
        ("method", 405),
        ("range", 416),
    ],
)
def test_each_kind_has_its_status_and_a_string_detail(kind: str, status: int) -> None:
    got, body, _ = errors.render(kind, "what went wrong")
    assert (got, body) == (status, {"detail": "what went wrong"})


def test_documented_messages() -> None:
    assert errors.render("bad_request", errors.NO_DEFAULT_AGENT)[:2] == (400, {"detail": "No default agent configured"})
    assert errors.render("quota", errors.QUOTA_REACHED)[:2] == (402, {"detail": "Monthly minute limit reached"})
    assert errors.render("not_found", errors.AGENT_NOT_FOUND)[:2] == (404, {"detail": "Agent not found or inactive"})


def test_401_asks_for_a_bearer_token() -> None:
    assert errors.render("auth", errors.INVALID_KEY)[2] == {"WWW-Authenticate": "Bearer"}
    assert errors.render("not_found", "x")[2] == {}


def test_validation_is_a_422_list_locating_the_field() -> None:
    status, body, _ = errors.render("validation", "must be 1..10", "max_attempts", "less_than_equal")
    assert status == 422
    assert body == {"detail": [{"loc": ["body", "max_attempts"], "msg": "must be 1..10", "type": "less_than_equal"}]}
    assert errors.render("validation", "x", ["query", "limit"])[1]["detail"][0]["loc"] == ["query", "limit"]
    assert errors.render("validation", "x")[1]["detail"][0]["loc"] == ["body"]


def test_a_vox_error_renders_as_its_kind() -> None:
    error = errors.VoxError("validation", "Input should be 'queued'", ["query", "status"], "enum")
    assert errors.render_error(error) == (
        422,
        {"detail": [{"loc": ["query", "status"], "msg": "Input should be 'queued'", "type": "enum"}]},
        {},
    )


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        errors.VoxError("teapot", "no")


def test_validation_lists_at_most_max_issues_and_never_echoes_input() -> None:
    body = {"to": "+15551234567", **{f"extra_{i}": "s" * 1000 for i in range(50)}}
    with pytest.raises(ValidationError) as caught:
        OutboundCallRequest.model_validate(body)
    detail = errors.validation_body(caught.value)["detail"]
    assert len(detail) == errors.MAX_ISSUES
    assert all(set(issue) == {"loc", "msg", "type"} for issue in detail)
    assert "sss" not in str(detail)


def test_core_errors_render_in_this_dialects_shape() -> None:
    from emulator import errors as core

    assert errors.from_domain(core.InvalidRequest("request body is not valid JSON: x")) == (
        422,
        {"detail": [{"loc": ["body"], "msg": "request body is not valid JSON: x", "type": "value_error"}]},
        {},
    )
    status, body, _ = errors.from_domain(core.InvalidRequest("context.tier: must be a string"))
    assert status == 422 and body["detail"][0]["loc"] == ["body", "context", "tier"]
    assert errors.from_domain(core.Conflict("already there"))[:2] == (400, {"detail": "already there"})
    assert errors.from_domain(core.Unauthorized("Invalid API key"))[0] == 401
    assert errors.from_domain(core.InsufficientCredits(errors.QUOTA_REACHED))[:2] == (
        402,
        {"detail": "Monthly minute limit reached"},
    )
    assert errors.from_domain(core.NotFound.of("call", "x"))[:2] == (404, {"detail": "call x not found"})
    assert errors.from_domain(core.PayloadTooLarge("too big"))[0] == 413
    assert errors.from_domain(core.UnsupportedMediaType("json only"))[0] == 415
    # A timeout's 408; the connection's close after it is the shared handler's, asserted on a real
    # socket for both dialects in tests/redteam/test_slowloris.py.
    assert errors.from_domain(core.RequestTimeout("slow"))[0] == 408
    assert errors.from_domain(core.ProviderRefused(errors.PROVIDER_REFUSED))[0] == 502
