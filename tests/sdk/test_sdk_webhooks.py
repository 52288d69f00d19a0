"""SDK ``client.webhooks``: every endpoint method, and every delivery method on real rows.

Delivery rows come from a real call (``--legacy-calls``) with an inline
``webhook_url`` and account endpoints; the destinations refuse connections
and the clock is manual, so every row stays ``pending``.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from callingbox import BadRequestError, NotFoundError, WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from tests.sdk.conftest import Live

SECRET = re.compile(r"^whsec_[0-9a-f]{32}$")
CALLEE = "+15005550006"


def test_create_endpoint_returns_the_secret_once(live: Live) -> None:
    created = live.sdk.webhooks.create_endpoint(
        "https://hooks.example.com/callingbox",
        description="prod receiver",
        enabled_events=["call.completed"],
    )

    assert isinstance(created, WebhookEndpoint)
    assert SECRET.match(created.signing_secret or "")
    assert created.org_id == live.org["id"]
    assert created.url == "https://hooks.example.com/callingbox"
    assert created.description == "prod receiver"
    assert created.enabled_events == ["call.completed"]
    assert (created.status, created.disabled_reason, created.disabled_at) == ("enabled", None, None)
    assert created.consecutive_failures == 0
    assert created.created_at == created.updated_at

    fetched = live.sdk.webhooks.get_endpoint(created.id)
    assert fetched.signing_secret is None  # never shown again
    assert fetched == WebhookEndpoint(**{**vars(created), "signing_secret": None})


def test_create_endpoint_defaults_and_validation(live: Live) -> None:
    plain = live.sdk.webhooks.create_endpoint("https://hooks.example.com/all")
    assert plain.enabled_events == ["*"]
    assert plain.description is None

    with pytest.raises(BadRequestError) as err:
        live.sdk.webhooks.create_endpoint("ftp://hooks.example.com/x")
    assert err.value.message.startswith("url:")
    with pytest.raises(BadRequestError) as err:
        live.sdk.webhooks.create_endpoint("https://hooks.example.com/x", enabled_events=["call.exploded"])
    assert "call.exploded" in err.value.message
    assert [e.id for e in live.sdk.webhooks.list_endpoints()] == [plain.id]


def test_list_endpoints(live: Live, make_live) -> None:
    assert live.sdk.webhooks.list_endpoints() == []
    a = live.sdk.webhooks.create_endpoint("https://hooks.example.com/a")
    b = live.sdk.webhooks.create_endpoint("https://hooks.example.com/b")
    make_live(live.server).sdk.webhooks.create_endpoint("https://hooks.example.com/other-org")

    listed = live.sdk.webhooks.list_endpoints()

    assert [e.id for e in listed] == [b.id, a.id]  # newest first, this org's only
    assert all(e.signing_secret is None for e in listed)
    assert [e.url for e in listed] == ["https://hooks.example.com/b", "https://hooks.example.com/a"]


def test_update_endpoint(live: Live) -> None:
    ep = live.sdk.webhooks.create_endpoint("https://hooks.example.com/a", description="first")

    moved = live.sdk.webhooks.update_endpoint(
        ep.id,
        url="https://hooks.example.com/b",
        enabled_events=["call.completed", "call.failed"],
    )
    assert moved.url == "https://hooks.example.com/b"
    assert moved.enabled_events == ["call.completed", "call.failed"]
    assert moved.description == "first"  # not sent, not changed

    cleared = live.sdk.webhooks.update_endpoint(ep.id, description=None)  # an explicit null
    assert cleared.description is None
    assert cleared.url == "https://hooks.example.com/b"

    disabled = live.sdk.webhooks.update_endpoint(ep.id, status="disabled")
    assert disabled.status == "disabled"
    assert disabled.disabled_reason is not None and disabled.disabled_at is not None

    enabled = live.sdk.webhooks.update_endpoint(ep.id, status="enabled")
    assert (enabled.status, enabled.disabled_reason, enabled.disabled_at) == ("enabled", None, None)
    assert enabled.consecutive_failures == 0
    assert live.sdk.webhooks.get_endpoint(ep.id) == enabled

    with pytest.raises(BadRequestError) as err:
        live.sdk.webhooks.update_endpoint(ep.id, status="paused")
    assert err.value.message.startswith("status:")


def test_rotate_secret(live: Live) -> None:
    ep = live.sdk.webhooks.create_endpoint("https://hooks.example.com/a")

    rotated = live.sdk.webhooks.rotate_secret(ep.id)

    assert rotated.id == ep.id
    assert SECRET.match(rotated.signing_secret or "")
    assert rotated.signing_secret != ep.signing_secret
    again = live.sdk.webhooks.rotate_secret(ep.id)
    assert again.signing_secret not in (ep.signing_secret, rotated.signing_secret)
    assert live.sdk.webhooks.get_endpoint(ep.id).signing_secret is None


def test_delete_endpoint(live: Live) -> None:
    keep = live.sdk.webhooks.create_endpoint("https://hooks.example.com/keep")
    gone = live.sdk.webhooks.create_endpoint("https://hooks.example.com/gone")

    assert live.sdk.webhooks.delete_endpoint(gone.id) is None  # the JSON body is parsed and dropped

    assert [e.id for e in live.sdk.webhooks.list_endpoints()] == [keep.id]
    for method, args in [("get_endpoint", ()), ("delete_endpoint", ()), ("rotate_secret", ()), ("update_endpoint", ())]:
        with pytest.raises(NotFoundError) as err:
            getattr(live.sdk.webhooks, method)(gone.id, *args)
        assert err.value.message == f"webhook endpoint {gone.id} not found"


def test_endpoints_of_another_org_are_not_found(live: Live, make_live) -> None:
    ep = live.sdk.webhooks.create_endpoint("https://hooks.example.com/a")
    other = make_live(live.server)
    with pytest.raises(NotFoundError):
        other.sdk.webhooks.get_endpoint(ep.id)
    with pytest.raises(NotFoundError):
        other.sdk.webhooks.delete_endpoint(ep.id)
    assert live.sdk.webhooks.get_endpoint(ep.id).id == ep.id


@pytest.fixture
def delivered(legacy: Live, dead_url: str) -> dict[str, Any]:
    """A call with an inline webhook_url, an endpoint for every event, one for completions only,
    and a disabled one: the rows its ``call.queued`` event made."""
    legacy.buy()
    hooks = legacy.sdk.webhooks
    every = hooks.create_endpoint(dead_url + "/every")
    completions = hooks.create_endpoint(dead_url + "/completions", enabled_events=["call.completed"])
    disabled = hooks.create_endpoint(dead_url + "/disabled")
    hooks.update_endpoint(disabled.id, status="disabled")
    call = legacy.sdk.calls.create(to=CALLEE, prompt="Hi", webhook_url=dead_url + "/inline")
    return {
        "live": legacy,
        "call": call,
        "every": every,
        "completions": completions,
        "disabled": disabled,
        "url": dead_url,
    }


def queued_rows(rows: list[WebhookDelivery]) -> list[WebhookDelivery]:
    return [d for d in rows if d.event_type == "call.queued"]


def test_a_call_makes_one_delivery_per_destination(delivered: dict[str, Any]) -> None:
    live, call, every = delivered["live"], delivered["call"], delivered["every"]

    rows = live.sdk.webhooks.list_deliveries(call_id=call.id)

    assert all(isinstance(d, WebhookDelivery) for d in rows)
    queued = queued_rows(rows)
    assert sorted((d.endpoint_id or "", d.url) for d in queued) == sorted(
        [
            ("", delivered["url"] + "/inline"),  # inline: no endpoint
            (every.id, delivered["url"] + "/every"),
        ]
    )  # nothing for the completions-only endpoint, nothing for the disabled one
    for d in rows:
        assert d.org_id == live.org["id"]
        assert d.call_id == call.id
        assert d.status == "pending"
        assert d.manual_retry_count == 0
        assert d.delivered_at is None
        assert d.created_at.endswith("Z") and d.next_attempt_at.endswith("Z")
    assert len({d.id for d in rows}) == len(rows)


def test_list_deliveries_filters(delivered: dict[str, Any], make_live) -> None:
    live, call, every = delivered["live"], delivered["call"], delivered["every"]
    hooks = live.sdk.webhooks
    everything = hooks.list_deliveries()
    assert [d.id for d in hooks.list_deliveries(call_id=call.id)] == [d.id for d in everything]  # the org's one call

    by_endpoint = hooks.list_deliveries(endpoint_id=every.id)
    assert by_endpoint and all(d.endpoint_id == every.id for d in by_endpoint)
    assert hooks.list_deliveries(endpoint_id=delivered["completions"].id) == []
    assert hooks.list_deliveries(endpoint_id=delivered["disabled"].id) == []

    pending = hooks.list_deliveries(status="pending")
    assert {d.id for d in pending} == {d.id for d in everything}
    assert hooks.list_deliveries(status="delivered") == []
    assert hooks.list_deliveries(status="exhausted") == []

    one = hooks.list_deliveries(limit=1)
    assert [d.id for d in one] == [everything[0].id]  # newest first
    (combined,) = hooks.list_deliveries(call_id=call.id, endpoint_id=every.id, status="pending", limit=1)
    assert (combined.call_id, combined.endpoint_id) == (call.id, every.id)

    assert hooks.list_deliveries(call_id=str(uuid.uuid4())) == []
    with pytest.raises(BadRequestError) as err:
        hooks.list_deliveries(status="sent")
    assert err.value.message.startswith("status:")
    with pytest.raises(BadRequestError) as err:
        hooks.list_deliveries(limit=201)
    assert err.value.message.startswith("limit:")
    # Another org sees none of them.
    assert make_live(live.server).sdk.webhooks.list_deliveries() == []


def test_get_delivery(delivered: dict[str, Any]) -> None:
    live = delivered["live"]
    row = queued_rows(live.sdk.webhooks.list_deliveries(call_id=delivered["call"].id))[0]

    got = live.sdk.webhooks.get_delivery(row.id)

    assert (got.id, got.call_id, got.event_type, got.url, got.endpoint_id) == (
        row.id,
        row.call_id,
        "call.queued",
        row.url,
        row.endpoint_id,
    )
    assert got.status == "pending"
    missing = str(uuid.uuid4())
    with pytest.raises(NotFoundError) as err:
        live.sdk.webhooks.get_delivery(missing)
    assert err.value.message == f"webhook delivery {missing} not found"


def test_redeliver_requeues_the_same_delivery(delivered: dict[str, Any], make_live) -> None:
    live = delivered["live"]
    row = queued_rows(live.sdk.webhooks.list_deliveries(endpoint_id=delivered["every"].id))[0]

    once = live.sdk.webhooks.redeliver(row.id)
    assert once.id == row.id  # the same event id is kept
    assert once.manual_retry_count == row.manual_retry_count + 1
    assert (once.status, once.event_type, once.url, once.call_id) == ("pending", row.event_type, row.url, row.call_id)

    twice = live.sdk.webhooks.redeliver(row.id)
    assert twice.manual_retry_count == row.manual_retry_count + 2
    assert live.sdk.webhooks.get_delivery(row.id).manual_retry_count == row.manual_retry_count + 2

    with pytest.raises(NotFoundError):  # another org cannot replay it
        make_live(live.server).sdk.webhooks.redeliver(row.id)
    with pytest.raises(NotFoundError):
        live.sdk.webhooks.redeliver(str(uuid.uuid4()))
