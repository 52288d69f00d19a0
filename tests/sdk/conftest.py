"""The official SDK (callingbox 0.1.0) against a live emulator on a loopback port.

One server per mode (default, and ``--legacy-calls``) for the whole session;
each test gets its own org from the control plane, so tests never see each
other's numbers, calls, endpoints or deliveries. The clock is manual, so
nothing moves after dispatch: a new call stays at its start and its webhook
deliveries stay pending.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from callingbox import Callingbox, PhoneNumber

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread


@dataclass
class Live:
    """One org on one live server, with an SDK client authenticated as it."""

    server: ServerThread
    org: dict[str, Any]
    sdk: Callingbox

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def api_key(self) -> str:
        return self.org["api_key"]

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        """A control-plane request (``/_emulator``, no API key)."""
        r = httpx.request(method, self.base_url + path, timeout=10, **kwargs)
        assert r.status_code < 300, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    def org_state(self) -> dict[str, Any]:
        return self.control("GET", f"/_emulator/orgs/{self.org['id']}")

    def buy(self, count: int = 1, area_code: str = "415") -> list[PhoneNumber]:
        """Buy ``count`` numbers, in purchase order (oldest first)."""
        found = self.sdk.numbers.search_available(area_code=area_code, limit=count)
        assert len(found) == count
        return [self.sdk.numbers.purchase(a.phone_number) for a in found]


def new_org(server: ServerThread, **body: Any) -> dict[str, Any]:
    r = httpx.post(server.base_url + "/_emulator/orgs", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def _serve(config: Config) -> Iterator[ServerThread]:
    with ServerThread(Emulator(config)) as server:
        yield server


@pytest.fixture(scope="session")
def live_server() -> Iterator[ServerThread]:
    yield from _serve(Config(conformance="strict"))  # what the SDK reads is on contract, or a 500


@pytest.fixture(scope="session")
def live_legacy_server() -> Iterator[ServerThread]:
    yield from _serve(Config(legacy_calls=True, conformance="strict"))


@pytest.fixture
def make_live() -> Iterator[Callable[[ServerThread], Live]]:
    """Factory: a fresh org on the given server and an SDK client for it (closed afterwards)."""
    clients: list[Callingbox] = []

    def make(server: ServerThread, **org_fields: Any) -> Live:
        org = new_org(server, **org_fields)
        sdk = Callingbox(api_key=org["api_key"], base_url=server.base_url)
        clients.append(sdk)
        return Live(server, org, sdk)

    yield make
    for sdk in clients:
        sdk.close()


@pytest.fixture
def live(make_live: Callable[..., Live], live_server: ServerThread) -> Live:
    """A fresh org on the default (agent-centric) server."""
    return make_live(live_server)


@pytest.fixture
def legacy(make_live: Callable[..., Live], live_legacy_server: ServerThread) -> Live:
    """A fresh org on the ``--legacy-calls`` server (the SDK's prompt-based POST /v1/calls)."""
    return make_live(live_legacy_server)


@pytest.fixture(scope="session")
def dead_url() -> Iterator[str]:
    """A loopback URL that refuses connections (bound, never listening).

    Webhook rows pointed here can only stay ``pending``, whatever the
    dispatcher does with them, so delivery assertions are deterministic.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}/hooks"
    sock.close()
