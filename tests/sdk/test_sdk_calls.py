"""SDK ``client.calls``: the legacy prompt-based create (``--legacy-calls``), reads, pages, transcript."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING

import pytest
from callingbox import APIError, BadRequestError, Call, NotFoundError, Page, tool

if TYPE_CHECKING:
    from tests.sdk.conftest import Live

CALLEE = "+15005550006"  # the magic number of a plain, successful call
NOT_STARTED = ("queued", "initiated")  # the manual clock never reaches ringing


def test_create_sends_the_legacy_body_and_reads_it_back(legacy: Live) -> None:
    (number,) = legacy.buy()

    call = legacy.sdk.calls.create(
        to=CALLEE,
        prompt="Confirm tomorrow's 3pm appointment.",
        returns={"confirmed": "boolean", "reschedule_to": "string"},
        context={"patient": "Ana", "slot": "15:00"},
        language="es",
    )

    assert isinstance(call, Call)
    assert call.to_number == CALLEE
    assert call.from_number == number.e164  # the org's oldest active number
    assert call.direction == "outbound"
    assert call.status in NOT_STARTED
    assert call.prompt == "Confirm tomorrow's 3pm appointment."
    assert call.returns == {"confirmed": "boolean", "reschedule_to": "string"}
    assert call.context == {"patient": "Ana", "slot": "15:00"}
    assert call.language == "es"  # the SDK reads metadata.language
    assert call.metadata == {"language": "es"}
    assert (call.result, call.result_status, call.result_error) == (None, "pending", None)
    assert call.reservation_status == "reserved"
    assert call.webhook_url is None and call.tools is None
    assert (call.started_at, call.answered_at, call.ended_at, call.duration_seconds) == (None, None, None, None)
    assert call.created_at.endswith("Z") and call.updated_at.endswith("Z")
    # The $3.00 hold is taken at dispatch.
    assert legacy.org_state()["held_milli_cents"] == 300_000


def test_create_defaults_and_optional_fields(legacy: Live, dead_url: str) -> None:
    oldest, newer = legacy.buy(2)
    lookup = tool.http(
        name="lookup",
        description="Look up an order",
        url="https://example.com/lookup",
        parameters=tool.object(order_id=tool.string(description="order id")),
    )

    plain = legacy.sdk.calls.create(to=CALLEE)
    assert plain.prompt == "Hello from CallingBox."
    assert plain.language == "en"
    assert (plain.context, plain.returns) == ({}, {})
    assert plain.from_number == oldest.e164

    full = legacy.sdk.calls.create(
        to=CALLEE,
        prompt="Hi",
        from_=newer.e164,
        webhook_url=dead_url,
        voicemail_action="leave_message",
        tools=[lookup],  # a DSL object: the SDK serializes it with to_wire()
    )
    assert full.from_number == newer.e164
    assert full.webhook_url == dead_url
    assert full.tools == [lookup.to_wire()]
    # The first webhook attempt (to the dead URL) may land between create and retrieve:
    # everything but the inline delivery's summary must read back the same.
    again = legacy.sdk.calls.retrieve(full.id)
    assert dataclasses.replace(again, webhook_status="", webhook_error=None) == dataclasses.replace(
        full, webhook_status="", webhook_error=None
    )


def test_create_without_a_number_is_a_bad_request(legacy: Live) -> None:
    with pytest.raises(BadRequestError) as err:
        legacy.sdk.calls.create(to=CALLEE, prompt="Hi")
    assert err.value.message.startswith("from_number:")
    assert "purchase one first" in err.value.message
    assert len(legacy.sdk.calls.list()) == 0


def test_create_validates_the_legacy_fields(legacy: Live, make_live) -> None:
    legacy.buy()
    with pytest.raises(BadRequestError) as err:
        legacy.sdk.calls.create(to="555-0100", prompt="Hi")
    assert err.value.message.startswith("to:")
    with pytest.raises(BadRequestError) as err:
        legacy.sdk.calls.create(to=CALLEE, returns={"when": "date"})
    assert err.value.message.startswith("returns.when:")
    with pytest.raises(BadRequestError) as err:
        legacy.sdk.calls.create(to=CALLEE, voicemail_action="sing")
    assert err.value.message.startswith("voicemail_action:")

    other = make_live(legacy.server)
    (foreign,) = other.buy()
    with pytest.raises(BadRequestError) as err:  # a caller ID must be the org's own number
        legacy.sdk.calls.create(to=CALLEE, from_=foreign.e164)
    assert foreign.e164 in err.value.message
    assert len(legacy.sdk.calls.list()) == 0  # a refused dispatch keeps nothing


def test_create_below_the_call_hold_is_refused(legacy: Live) -> None:
    legacy.buy()
    legacy.control("PATCH", f"/_emulator/orgs/{legacy.org['id']}", json={"balance_milli_cents": 100_000})

    with pytest.raises(APIError) as err:
        legacy.sdk.calls.create(to=CALLEE, prompt="Hi")
    assert err.value.status_code == 402  # not one of the SDK's named errors: a plain APIError
    assert err.value.message.startswith("Calls paused. Your balance is $1.00")


def test_without_legacy_mode_create_says_how_to_enable_it(live: Live) -> None:
    live.buy()
    with pytest.raises(BadRequestError) as err:
        live.sdk.calls.create(to=CALLEE, prompt="Hi")
    assert "agent_id" in err.value.message
    assert "--legacy-calls" in err.value.message
    assert len(live.sdk.calls.list()) == 0


def test_retrieve(legacy: Live, make_live) -> None:
    legacy.buy()
    created = legacy.sdk.calls.create(to=CALLEE, prompt="Hi", language="en")

    got = legacy.sdk.calls.retrieve(created.id)
    assert got.id == created.id
    assert (got.prompt, got.language, got.to_number) == ("Hi", "en", CALLEE)
    assert got.status in NOT_STARTED

    unknown = str(uuid.uuid4())
    with pytest.raises(NotFoundError) as err:
        legacy.sdk.calls.retrieve(unknown)
    assert err.value.status_code == 404
    assert err.value.message == f"call {unknown} not found"

    other = make_live(legacy.server)
    with pytest.raises(NotFoundError):  # another org's call: 404, not 403
        other.sdk.calls.retrieve(created.id)


def test_list_is_a_page_newest_first(legacy: Live) -> None:
    legacy.buy()
    assert legacy.sdk.calls.list().data == []
    first = legacy.sdk.calls.create(to=CALLEE, prompt="one")
    second = legacy.sdk.calls.create(to=CALLEE, prompt="two")

    page = legacy.sdk.calls.list()
    assert isinstance(page, Page)
    assert [c.id for c in page] == [second.id, first.id]
    assert page.has_more is False
    limited = legacy.sdk.calls.list(limit=1)
    assert ([c.prompt for c in limited], limited.has_more) == (["two"], True)


def test_iter_calls_forward_and_backward(legacy: Live) -> None:
    legacy.buy()
    created = [legacy.sdk.calls.create(to=CALLEE, prompt=f"call {i}") for i in range(5)]
    newest_first = [c.id for c in reversed(created)]

    forward = [c.id for c in legacy.sdk.calls.iter_calls(limit=2)]
    assert forward == newest_first
    assert len(set(forward)) == 5

    backward = [c.id for c in legacy.sdk.calls.iter_calls(limit=2, ending_before=created[0].id)]
    assert backward == newest_first[:4]

    after = [c.id for c in legacy.sdk.calls.iter_calls(limit=2, starting_after=created[3].id)]
    assert after == [created[2].id, created[1].id, created[0].id]


def test_retrieve_transcript_of_a_new_call_is_empty(legacy: Live) -> None:
    legacy.buy()
    call = legacy.sdk.calls.create(to=CALLEE, prompt="Hi")

    assert legacy.sdk.calls.retrieve_transcript(call.id) == []

    with pytest.raises(NotFoundError) as err:
        legacy.sdk.calls.retrieve_transcript(str(uuid.UUID(int=1)))
    assert err.value.message == f"call {uuid.UUID(int=1)} not found"
