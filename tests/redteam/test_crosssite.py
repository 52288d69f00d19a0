"""Cross-site requests: a web page the user visits must not be able to drive the keyless control plane.

Modern browsers send ``Origin`` on every cross-origin POST and ``Sec-Fetch-Site`` on every
request; a "simple" request (no CORS preflight) may carry ``text/plain`` or a form body.
Each refusal must leave the emulator exactly as it was.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread


def error_of(response: httpx.Response, status: int, *needles: str) -> str:
    """The status, the error shape {"error": str}, and every needle in the message."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], str), body
    for needle in needles:
        assert needle in body["error"], f"{needle!r} not in {body['error']!r}"
    return body["error"]


EVIL = {"Origin": "https://evil.example"}
BUSY_SCENARIO = 'scenarios:\n  - name: everyone-busy\n    match: {to: "+15005550006"}\n    outcome: busy\n'

# Every state-changing control-plane request, with a body it would accept.
STATE_CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/_emulator/reset", {}),
    ("POST", "/_emulator/clock/step", {}),
    ("POST", "/_emulator/clock/run_until_idle", {}),
    ("POST", "/_emulator/clock/advance", {"json": {"seconds": 60}}),
    ("POST", "/_emulator/clock", {"json": {"mode": "realtime"}}),
    ("POST", "/_emulator/orgs", {"json": {"name": "Mallory"}}),
    ("POST", "/_emulator/scenarios", {"content": BUSY_SCENARIO, "headers": {"content-type": "application/yaml"}}),
    ("POST", "/_emulator/faults", {"json": {"path": "/v1/calls", "status": 500}}),
    ("DELETE", "/_emulator/faults", {}),
    ("DELETE", "/_emulator/requests", {}),
    ("DELETE", "/_emulator/deliveries", {}),
    ("POST", "/_emulator/sinks/default", {"json": {"forged": True}}),
    ("DELETE", "/_emulator/sinks/default", {}),
    ("PUT", "/_emulator/state", {"json": {"version": 1}}),
    ("POST", "/_emulator/inbound_calls", {"json": {"from": "+15005550006", "to": "+14155550100"}}),
]
IDS = [f"{method} {path}" for method, path, _ in STATE_CHANGES]


async def _fingerprint(client: httpx.AsyncClient) -> Any:
    """Everything a forged request could change, read through the control plane."""
    reads = [
        "/_emulator/orgs",
        "/_emulator/clock",
        "/_emulator/scenarios",
        "/_emulator/faults",
        "/_emulator/sinks/default",
        "/_emulator/requests",
        "/_emulator/deliveries",
    ]
    return [(await client.get(path)).json() for path in reads]


def _merge(kwargs: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    return {**kwargs, "headers": {**kwargs.get("headers", {}), **headers}}


@pytest.mark.parametrize("method, path, kwargs", STATE_CHANGES, ids=IDS)
async def test_a_foreign_origin_changes_nothing(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    await client.post("/_emulator/orgs", json={"name": "Victim"})
    before = await _fingerprint(client)
    error_of(await client.request(method, path, **_merge(kwargs, EVIL)), 403, "Origin", "evil.example")
    assert await _fingerprint(client) == before
    # Not even the seeded id stream moved: the next org gets the id it would have had.
    twin = Emulator(Config())
    twin.services.orgs.create("Victim")
    assert (await client.post("/_emulator/orgs", json={})).json()["id"] == twin.services.orgs.create().id


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site"])
@pytest.mark.parametrize("method, path, kwargs", STATE_CHANGES, ids=IDS)
async def test_sec_fetch_site_from_elsewhere_is_refused_even_without_origin(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any], fetch_site: str
) -> None:
    before = await _fingerprint(client)
    r = await client.request(method, path, **_merge(kwargs, {"Sec-Fetch-Site": fetch_site}))
    error_of(r, 403, "Sec-Fetch-Site", fetch_site)
    assert await _fingerprint(client) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://emulator.test"},
        {"Sec-Fetch-Site": "none"},  # typed in the address bar, or a bookmark
        {},  # curl, the SDK, the pytest plugin
    ],
    ids=["same-origin page", "user-initiated", "non-browser"],
)
async def test_the_emulators_own_origin_and_plain_clients_still_work(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    r = await client.post("/_emulator/orgs", json={"name": "Fine"}, headers=headers)
    assert r.status_code == 201, r.text
    assert (await client.post("/_emulator/clock/step", headers=headers)).status_code == 200
    assert (await client.post("/_emulator/reset", headers=headers)).status_code == 200


@pytest.mark.parametrize(
    "origin", ["http://emulator.test:8080", "https://emulator.test.evil.example", "null", "http://localhost:3000"]
)
async def test_look_alike_origins_are_foreign(client: httpx.AsyncClient, origin: str) -> None:
    error_of(await client.post("/_emulator/reset", headers={"Origin": origin}), 403, "Origin")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
async def test_a_scenario_in_a_type_a_page_can_send_is_not_loaded(
    client: httpx.AsyncClient, api: Any, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = await client.post("/_emulator/scenarios", content=BUSY_SCENARIO.encode(), headers=headers)
    error_of(r, 415, "Content-Type", "application/yaml")
    assert "everyone-busy" not in {s["name"] for s in (await client.get("/_emulator/scenarios")).json()["data"]}
    # The user's next call is not made to end busy.
    agent = await api.agent()
    call = await api.call(agent["id"])
    await client.post("/_emulator/clock/run_until_idle")
    assert (await client.get(f"/v1/calls/{call['id']}")).json()["status"] == "completed"


async def test_yaml_and_json_types_still_load(client: httpx.AsyncClient) -> None:
    for media in ("application/yaml", "application/x-yaml", "text/yaml"):
        r = await client.post("/_emulator/scenarios", content=BUSY_SCENARIO, headers={"content-type": media})
        assert r.status_code == 201, (media, r.text)
    r = await client.post(
        "/_emulator/orgs", content=b'{"name": "Json"}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "path, body",
    [
        ("/_emulator/orgs", b'{"name": "Form"}'),
        ("/_emulator/clock/advance", b'{"seconds": 3600}'),
        ("/_emulator/faults", b'{"path": "/v1/calls", "status": 500}'),
    ],
)
async def test_json_sent_as_text_plain_is_refused(client: httpx.AsyncClient, path: str, body: bytes) -> None:
    before = await _fingerprint(client)
    error_of(await client.post(path, content=body, headers={"content-type": "text/plain"}), 415, "text/plain")
    assert await _fingerprint(client) == before


async def test_reads_grant_no_cross_origin_access(client: httpx.AsyncClient) -> None:
    """A cross-site GET is harmless only because the browser cannot read the answer: no CORS grant,
    and the preflight a page needs for anything else is not answered with one either."""
    r = await client.get("/_emulator/orgs", headers=EVIL)
    assert r.status_code == 200
    assert not any(name.lower().startswith("access-control-") for name in r.headers)
    preflight = await client.options(
        "/_emulator/reset",
        headers={**EVIL, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert not any(name.lower().startswith("access-control-") for name in preflight.headers)
    assert preflight.status_code >= 400


def test_on_a_real_socket_a_forged_reset_wipes_nothing_and_sinks_still_receive() -> None:
    """The issue's own command, over TCP: curl -X POST -H 'Origin: https://evil.example' $B/_emulator/reset."""
    with ServerThread(Emulator(Config())) as server:
        base = server.base_url
        made = httpx.post(base + "/_emulator/orgs", json={"name": "Victim"}, timeout=10)
        assert made.status_code == 201
        error_of(httpx.post(base + "/_emulator/reset", headers=EVIL, timeout=10), 403, "Origin")
        names = [o["name"] for o in httpx.get(base + "/_emulator/orgs", timeout=10).json()["data"]]
        assert "Victim" in names
        # A sink is a webhook receiver: a user's curl (a form body, no Origin) still lands in it ...
        r = httpx.post(
            base + "/_emulator/sinks/mine",
            content=b"hello",
            timeout=10,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 200, r.text
        # ... and so do the emulator's own signed deliveries,
        key = {"Authorization": "Bearer sk_test_emulator"}
        r = httpx.post(
            base + "/v1/webhook_endpoints",
            headers=key,
            timeout=10,
            json={"url": base + "/_emulator/sinks/mine", "enabled_events": ["*"]},
        )
        assert r.status_code == 201, r.text
        number = httpx.get(
            base + "/v1/numbers/available", params={"area_code": "415", "limit": 1}, headers=key, timeout=10
        ).json()[0]
        number = httpx.post(
            base + "/v1/numbers/purchase", json={"phone_number": number["phone_number"]}, headers=key, timeout=10
        ).json()
        agent = httpx.post(
            base + "/v1/agents",
            headers=key,
            timeout=10,
            json={"name": "A", "type": "outbound", "number_ids": [number["id"]]},
        ).json()
        call = httpx.post(
            base + "/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"}, headers=key, timeout=10
        )
        assert call.status_code == 201, call.text
        httpx.post(base + "/_emulator/clock/run_until_idle", timeout=30)
        got = httpx.get(base + "/_emulator/sinks/mine", timeout=10).json()["data"]
        assert got[0]["event_type"] is None and any(item["event_type"] == "call.completed" for item in got)
        # ... but not a page's forgery.
        error_of(httpx.post(base + "/_emulator/sinks/mine", json={}, headers=EVIL, timeout=10), 403, "Origin")
