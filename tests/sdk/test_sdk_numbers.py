"""SDK ``client.numbers``: search, purchase, list, auto-pagination, legacy inbound config."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from callingbox import AvailableNumber, BadRequestError, NotFoundError, Page, PhoneNumber, tool

if TYPE_CHECKING:
    from tests.sdk.conftest import Live

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_search_available_local_by_area_code(live: Live) -> None:
    found = live.sdk.numbers.search_available(area_code="415", number_type="local", limit=3)

    assert len(found) == 3
    assert all(isinstance(a, AvailableNumber) for a in found)
    assert len({a.phone_number for a in found}) == 3
    for a in found:
        assert re.fullmatch(r"\+1415[2-9]\d{6}", a.phone_number), a.phone_number
        assert (a.country_code, a.number_type, a.currency) == ("US", "local", "USD")
        assert (a.state, a.locality) == ("CA", "San Francisco")
        assert (a.monthly_cost_cents, a.upfront_cost_cents) == (100, 0)


def test_search_available_toll_free_and_default_limit(live: Live) -> None:
    toll_free = live.sdk.numbers.search_available(number_type="toll_free", limit=2)
    assert len(toll_free) == 2
    for a in toll_free:
        assert (a.country_code, a.number_type, a.currency) == ("US", "toll_free", "USD")
        assert a.phone_number[:5] in {"+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888"}
        assert a.monthly_cost_cents == 200

    # The SDK sends only country_code when nothing else is set: the server's default page.
    assert len(live.sdk.numbers.search_available()) == 10


def test_search_available_outside_the_us_is_a_bad_request(live: Live) -> None:
    with pytest.raises(BadRequestError) as err:
        live.sdk.numbers.search_available(country_code="GB")
    assert err.value.status_code == 400
    assert "only US numbers" in err.value.message


def test_purchase_returns_the_number_and_debits_the_org(live: Live) -> None:
    balance = live.org_state()["balance_milli_cents"]
    wanted = live.sdk.numbers.search_available(area_code="212", limit=1)[0].phone_number

    number = live.sdk.numbers.purchase(wanted)

    assert isinstance(number, PhoneNumber)
    assert UUID.match(number.id)
    assert number.e164 == wanted
    assert (number.country_code, number.number_type, number.status) == ("US", "local", "active")
    assert number.monthly_cost_cents == 100
    assert ISO_Z.match(number.purchased_at)
    # The legacy inbound fields the SDK reads, at their defaults.
    assert number.inbound_enabled is False
    assert number.inbound_prompt is None and number.inbound_tools is None
    assert number.inbound_voicemail_action == "hangup"
    assert live.org_state()["balance_milli_cents"] == balance - 100_000  # $1.00 = 100,000 milli-cents
    # An owned number is no longer offered.
    assert wanted not in {a.phone_number for a in live.sdk.numbers.search_available(area_code="212", limit=20)}


def test_buying_an_owned_number_is_a_bad_request(live: Live, make_live) -> None:
    (number,) = live.buy()

    with pytest.raises(BadRequestError) as err:
        live.sdk.numbers.purchase(number.e164)
    assert number.e164 in err.value.message
    assert "this organization" in err.value.message

    other = make_live(live.server)
    with pytest.raises(BadRequestError) as err:
        other.sdk.numbers.purchase(number.e164)
    assert "another organization" in err.value.message
    assert len(other.sdk.numbers.list()) == 0


def test_purchase_of_a_malformed_number_is_a_bad_request(live: Live) -> None:
    with pytest.raises(BadRequestError) as err:
        live.sdk.numbers.purchase("415-555-1234")
    assert err.value.message.startswith("phone_number:")


def test_list_is_a_page_newest_first(live: Live) -> None:
    empty = live.sdk.numbers.list()
    assert isinstance(empty, Page)
    assert (empty.data, empty.has_more) == ([], False)

    first, second = live.buy(2)
    page = live.sdk.numbers.list()
    assert [n.e164 for n in page] == [second.e164, first.e164]
    assert page.has_more is False
    assert page[0] == second  # the list item equals what purchase answered

    limited = live.sdk.numbers.list(limit=1)
    assert [n.id for n in limited] == [second.id]
    assert limited.has_more is True
    rest = live.sdk.numbers.list(limit=1, starting_after=second.id)
    assert [n.id for n in rest] == [first.id]
    assert rest.has_more is False


def test_iter_numbers_forward_over_several_pages(live: Live) -> None:
    bought = live.buy(5)
    newest_first = [n.id for n in reversed(bought)]

    seen = [n.id for n in live.sdk.numbers.iter_numbers(limit=2)]

    assert seen == newest_first
    assert len(set(seen)) == 5
    # From a cursor: everything older than the newest one.
    assert [n.id for n in live.sdk.numbers.iter_numbers(limit=2, starting_after=newest_first[0])] == newest_first[1:]


def test_iter_numbers_backward_from_a_cursor(live: Live) -> None:
    bought = live.buy(5)
    newest_first = [n.id for n in reversed(bought)]

    # Everything newer than the oldest, fetched closest-to-cursor first, yielded newest first.
    seen = [n.id for n in live.sdk.numbers.iter_numbers(limit=2, ending_before=bought[0].id)]

    assert seen == newest_first[:4]
    assert len(set(seen)) == 4
    # A single backward page holds the rows closest to the cursor.
    page = live.sdk.numbers.list(limit=2, ending_before=bought[0].id)
    assert [n.id for n in page] == [bought[2].id, bought[1].id]
    assert page.has_more is True


def test_update_inbound_config_is_a_full_replace(live: Live, dead_url: str) -> None:
    (number,) = live.buy()
    end_call = tool.builtin(name="end_call", description="Hang up politely")

    updated = live.sdk.numbers.update_inbound_config(
        number.id,
        enabled=True,
        prompt="Answer as the front desk.",
        returns={"booked": "boolean"},
        webhook_url=dead_url,
        language="es",
        tools=[end_call.to_wire()],
        voicemail_action="leave_message",
    )

    assert updated.id == number.id and updated.e164 == number.e164
    assert updated.inbound_enabled is True
    assert updated.inbound_prompt == "Answer as the front desk."
    assert updated.inbound_returns == {"booked": "boolean"}
    assert updated.inbound_webhook_url == dead_url
    assert updated.inbound_language == "es"
    assert updated.inbound_tools == [end_call.to_wire()]
    assert updated.inbound_voicemail_action == "leave_message"
    assert live.sdk.numbers.list()[0] == updated  # read back through the list

    cleared = live.sdk.numbers.update_inbound_config(
        number.id,
        enabled=False,
        prompt=None,
        returns=None,
        webhook_url=None,
        language=None,
        tools=None,
        voicemail_action=None,
    )
    assert cleared.inbound_enabled is False
    assert (cleared.inbound_prompt, cleared.inbound_returns, cleared.inbound_webhook_url) == (None, None, None)
    assert (cleared.inbound_language, cleared.inbound_tools) == (None, None)
    assert cleared.inbound_voicemail_action == "hangup"
    assert live.sdk.numbers.list()[0] == cleared


def test_update_inbound_config_errors(live: Live, make_live) -> None:
    (number,) = live.buy()
    blank = dict(
        enabled=True, prompt="x", returns=None, webhook_url=None, language=None, tools=None, voicemail_action=None
    )

    with pytest.raises(BadRequestError) as err:
        live.sdk.numbers.update_inbound_config(number.id, **{**blank, "returns": {"nested": {"a": "string"}}})
    assert err.value.message.startswith("returns.nested:")

    other = make_live(live.server)
    with pytest.raises(NotFoundError) as err:  # another org's number is not found, never forbidden
        other.sdk.numbers.update_inbound_config(number.id, **blank)
    assert err.value.message == f"number {number.id} not found"
    assert live.sdk.numbers.list()[0].inbound_enabled is False  # nothing changed
