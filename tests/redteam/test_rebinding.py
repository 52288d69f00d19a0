"""DNS rebinding: a page on attacker.example re-points its name at 127.0.0.1 and reads the emulator
as same-origin. Only the Host names of the bound address (and those allowed) are served, on every
route; and the request journal never keeps a key or a signing secret to leak in the first place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread
from emulator.testing.inprocess import BackgroundLoop, InProcessTransport

KEY = "sk_test_emulator"
REBIND = "rebind.attacker.example"
# What a rebinding page would read: the control plane's keys and secrets, the API with the guessable
# default key, the contract; and what it would do: reset.
ROUTES = [
    ("GET", "/_emulator/orgs"),
    ("GET", "/_emulator/state"),
    ("GET", "/v1/numbers"),
    ("GET", "/openapi.yaml"),
    ("GET", "/_emulator/requests"),
    ("POST", "/_emulator/reset"),
    ("GET", "/_emulator/health"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(Emulator(Config())) as running:
        yield running


def _send(server: ServerThread, method: str, path: str, host: str) -> httpx.Response:
    # Host set by hand: exactly what the browser sends after the rebinding.
    return httpx.request(
        method, server.base_url + path, headers={"Host": host, "Authorization": f"Bearer {KEY}"}, timeout=10
    )


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize(
    "host",
    [
        REBIND,
        f"{REBIND}:{8787}",
        "REBIND.attacker.example",
        "localhost.attacker.example",
        "127.0.0.1.nip.io",
        "callingbox.test",
        "testserver",
    ],
)
def test_a_foreign_host_is_refused_on_every_route(server: ServerThread, method: str, path: str, host: str) -> None:
    secret = server.emulator.default_org.default_signing_secret
    r = _send(server, method, path, host)
    assert r.status_code == 403, r.text
    body = r.json()
    assert set(body) == {"error"} and "Host" in body["error"] and "--allowed-host" in body["error"]
    assert KEY not in r.text and secret not in r.text


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8787", "127.0.0.1", "127.0.0.1:1", "[::1]:8787", "app.localhost:3000", "LOCALHOST"]
)
def test_loopback_names_on_any_port_are_served(server: ServerThread, host: str) -> None:
    r = _send(server, "GET", "/_emulator/orgs", host)
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["api_key"] == KEY


def test_a_request_with_two_host_headers_is_judged_by_the_first(server: ServerThread) -> None:
    raw = (
        b"GET /_emulator/orgs HTTP/1.1\r\nHost: " + REBIND.encode() + b"\r\nHost: localhost\r\n"
        b"Connection: close\r\n\r\n"
    )
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(server.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 403") or answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert KEY.encode() not in answer


@pytest.mark.parametrize(
    "allowed, host, served",
    [
        (("emulator.internal",), "emulator.internal:8787", True),
        (("emulator.internal",), "EMULATOR.internal", True),
        (("emulator.internal",), "other.internal", False),
        (("a.example", "b.example:9999"), "b.example", True),
        (("*",), REBIND, True),
    ],
)
def test_allowed_hosts_extend_the_list(allowed: tuple[str, ...], host: str, served: bool) -> None:
    with ServerThread(Emulator(Config(allowed_hosts=allowed))) as running:
        r = _send(running, "GET", "/_emulator/orgs", host)
        assert r.status_code == (200 if served else 403), r.text


def test_in_process_clients_keep_working_and_still_refuse_foreign_names() -> None:
    """The plugin's transport (http://callingbox.test) and httpx's ASGITransport as schemathesis and
    starlette's TestClient use it (http://testserver) have no socket, so no browser can reach them;
    their names are served there only."""
    emulator = Emulator(Config())
    app = create_app(emulator)
    loop = BackgroundLoop()
    try:
        transport = InProcessTransport(app, loop)
        with httpx.Client(base_url="http://callingbox.test", transport=transport) as client:
            assert client.post("/_emulator/orgs", json={"name": "Plugin"}).status_code == 201
            assert client.get("/_emulator/orgs", headers={"Host": REBIND}).status_code == 403
        with httpx.Client(
            base_url="http://testserver", transport=transport, headers={"Authorization": f"Bearer {KEY}"}
        ) as client:
            assert client.get("/v1/numbers").status_code == 200
            assert client.get("/v1/numbers", headers={"Host": REBIND}).status_code == 403
    finally:
        loop.close()


def _journal_text(client: httpx.Client) -> str:
    r = client.get("/_emulator/requests", params={"limit": 1000})
    assert r.status_code == 200
    return json.dumps(r.json())


def test_the_journal_keeps_no_signing_secret_and_no_key(server: ServerThread) -> None:
    base, auth = server.base_url, {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=base, headers=auth, timeout=10) as client:
        client.delete("/_emulator/requests")
        made = client.post(
            "/v1/webhook_endpoints", json={"url": base + "/_emulator/sinks/j", "description": "keep the secret out"}
        )
        assert made.status_code == 201
        endpoint: dict[str, Any] = made.json()
        rotated = client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret")
        assert rotated.status_code == 200, rotated.text
        secrets = {
            endpoint["signing_secret"],
            rotated.json()["signing_secret"],
            server.emulator.default_org.default_signing_secret,
        }
        # A client that sends secrets of its own in a body (a field the API ignores or refuses).
        client.post(
            "/v1/webhook_endpoints",
            json={"url": base + "/x", "secret": "whsec_mine_0123456789", "signing_secret": "whsec_other_0123456789"},
        )
        text = _journal_text(client)
    entries = json.loads(text)["data"]
    assert {e["path"] for e in entries} >= {
        "/v1/webhook_endpoints",
        f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret",
    }
    for secret in (*secrets, "whsec_mine_0123456789", "whsec_other_0123456789", KEY):
        assert secret not in text, secret
    assert "[redacted]" in text
    # The rest of each body is kept as it was.
    created = next(e for e in entries if e["status"] == 201)
    assert json.loads(created["response_body"])["signing_secret"] == "[redacted]"
    assert json.loads(created["response_body"])["description"] == "keep the secret out"
    assert created["response_body_truncated"] is False


def test_a_secret_cut_by_the_journals_4_kib_limit_is_redacted_too(server: ServerThread) -> None:
    """The journal keeps the first 4 KiB of each body: a cut in the middle of a secret must not
    leave its first characters behind."""
    base = server.base_url
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as client:

        def create(description: str) -> tuple[dict[str, Any], str]:
            r = client.post("/v1/webhook_endpoints", json={"url": base + "/hook", "description": description})
            assert r.status_code == 201, r.text
            return r.json(), r.text

        probe, text = create("x" * 100)
        value_at = text.index(probe["signing_secret"])
        assert value_at > text.index("xxxx")  # the description comes first in the answer
        # A description that puts the 4,096-byte cut 10 characters into the secret.
        client.delete("/_emulator/requests")
        made, text = create("x" * (100 + 4096 - 10 - value_at))
        assert text.index(made["signing_secret"]) == 4096 - 10
        entry = client.get("/_emulator/requests", params={"method": "POST"}).json()["data"][0]
    assert entry["response_body_truncated"] is True
    kept = entry["response_body"]
    assert made["signing_secret"][:10] not in kept and "whsec_" not in kept, kept[-80:]
    assert kept.endswith('"signing_secret":"[redacted]"'), kept[-80:]
