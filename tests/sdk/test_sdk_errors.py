"""How the SDK sees the emulator's errors: the exception class and the ``{"error": ...}`` message."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from callingbox import AuthenticationError, Callingbox, NotFoundError

from emulator.server import ServerThread

if TYPE_CHECKING:
    from tests.sdk.conftest import Live


@pytest.mark.parametrize("key", ["sk_test_wrong", "sk_live_0000000000000000"])
def test_a_wrong_api_key_raises_authentication_error(live_server: ServerThread, key: str) -> None:
    with Callingbox(api_key=key, base_url=live_server.base_url) as sdk:
        for request in (
            sdk.numbers.list,
            sdk.calls.list,
            sdk.webhooks.list_endpoints,
            lambda: sdk.numbers.search_available(area_code="415"),
        ):
            with pytest.raises(AuthenticationError) as err:
                request()
            assert err.value.status_code == 401
            assert err.value.message == "invalid API key"


def test_the_base_url_may_end_with_a_slash(live: Live) -> None:
    with Callingbox(api_key=live.api_key, base_url=live.base_url + "/") as sdk:
        assert sdk.numbers.list().data == []


def test_not_found_carries_the_error_message(live: Live) -> None:
    missing = str(uuid.uuid4())
    cases = [
        (lambda: live.sdk.calls.retrieve(missing), f"call {missing} not found"),
        (lambda: live.sdk.calls.retrieve_transcript(missing), f"call {missing} not found"),
        (lambda: live.sdk.webhooks.get_endpoint(missing), f"webhook endpoint {missing} not found"),
        (lambda: live.sdk.webhooks.get_delivery(missing), f"webhook delivery {missing} not found"),
        (
            lambda: live.sdk.numbers.update_inbound_config(
                missing,
                enabled=False,
                prompt=None,
                returns=None,
                webhook_url=None,
                language=None,
                tools=None,
                voicemail_action=None,
            ),
            f"number {missing} not found",
        ),
    ]
    for request, message in cases:
        with pytest.raises(NotFoundError) as err:
            request()
        assert err.value.status_code == 404
        assert err.value.message == message
        assert str(err.value) == f"[404] {message}"


def test_module_level_proxies_use_the_environment(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """``callingbox.numbers`` etc. build one default client from CALLINGBOX_BASE_URL / CALLINGBOX_API_KEY."""
    import callingbox

    state = callingbox._get_default_client.__globals__  # the SDK keeps its default client here
    monkeypatch.setitem(state, "_default_client", None)
    monkeypatch.setenv("CALLINGBOX_BASE_URL", live.base_url)
    monkeypatch.setenv("CALLINGBOX_API_KEY", live.api_key)
    (number,) = live.buy()
    try:
        assert [n.id for n in callingbox.numbers.list()] == [number.id]
        assert callingbox.calls.list().data == []
        assert callingbox.webhooks.list_endpoints() == []
    finally:
        if state["_default_client"] is not None:
            state["_default_client"].close()
