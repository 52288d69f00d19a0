"""Answers and webhook bodies checked against the contract at run time (--conformance).

A wrong answer is made the only way a user could meet one: the emulator's own state is
bent (a call's reservation_status set to a value the contract's enum lacks), then read
through HTTP, and webhooks are sent for it."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.domain.records import touch
from emulator.runtime import Emulator

KEY = "sk_test_emulator"


async def _app_client(mode: str) -> tuple[Emulator, httpx.AsyncClient]:
    emulator = Emulator(Config(conformance=mode))
    app = create_app(emulator)
    emulator.transport.mount("http://127.0.0.1", app)  # webhooks to the emulator's own sinks, in-process
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {KEY}"}
    )
    return emulator, client


async def _ok(client: httpx.AsyncClient, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    r = await client.request(method, path, **kw)
    assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
    return r.json()


async def _call(client: httpx.AsyncClient, webhook_url: str | None = None) -> dict[str, Any]:
    found = await _ok(client, "GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1})
    number = await _ok(client, "POST", "/v1/numbers/purchase", 201, json={"phone_number": found[0]["phone_number"]})
    extra = {"webhook_url": webhook_url} if webhook_url else {}
    agent = await _ok(
        client,
        "POST",
        "/v1/agents",
        201,
        json={"name": "Checks", "type": "outbound", "number_ids": [number["id"]], **extra},
    )
    return await _ok(client, "POST", "/v1/calls", 201, json={"agent_id": agent["id"], "to": "+15005550006"})


def _bend(emulator: Emulator, call_id: str) -> None:
    """Make the stored call disagree with the contract (reservation_status: reserved, settled or released)."""
    for org in emulator.store.orgs.oldest_first():
        call = org.calls.get(call_id)
        if call is not None:
            call.reservation_status = "bent"
            touch(call)  # as every write to a call does: reads serve the call's kept bytes until it moves
            return
    raise AssertionError(f"call {call_id} not stored")


async def test_strict_replaces_a_wrong_answer_with_a_500_naming_the_rule() -> None:
    emulator, client = await _app_client("strict")
    async with client:
        call = await _call(client)
        assert (await client.get(f"/v1/calls/{call['id']}")).status_code == 200  # right before it is bent
        _bend(emulator, call["id"])
        r = await client.get(f"/v1/calls/{call['id']}")
        assert r.status_code == 500
        assert r.headers["content-type"] == "application/json"
        message = r.json()["error"]  # the dialect's error shape
        assert "get_call answered 200" in message
        assert "at /reservation_status" in message
        assert "rule /components/schemas/" in message and "/reservation_status/enum" in message
        listed = await client.get("/v1/calls")
        assert (
            listed.status_code == 500
            and "list_calls answered 200 at /data/0/reservation_status" in listed.json()["error"]
        )


async def test_strict_checks_the_control_plane_too() -> None:
    emulator, client = await _app_client("strict")
    async with client:
        call = await _call(client)
        _bend(emulator, call["id"])
        r = await client.get(f"/_emulator/calls/{call['id']}")
        assert r.status_code == 500
        assert "get_call_detail answered 200 at /call/reservation_status" in r.json()["error"]


async def test_warn_passes_the_answer_and_lists_the_violation_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    emulator, client = await _app_client("warn")
    async with client:
        call = await _call(client)
        _bend(emulator, call["id"])
        with caplog.at_level(logging.WARNING, logger="callingbox_emulator.conformance"):
            for _ in range(3):
                r = await client.get(f"/v1/calls/{call['id']}")
                assert r.status_code == 200 and r.json()["reservation_status"] == "bent"
        report = await _ok(client, "GET", "/_emulator/conformance")
        assert report["mode"] == "warn" and report["total"] == 3
        first = report["data"][0]
        assert first["kind"] == "response" and first["operation"] == "get_call" and first["status"] == 200
        assert first["pointer"] == "/reservation_status" and first["rule"].endswith("/reservation_status/enum")
        logged = [r for r in caplog.records if r.name == "callingbox_emulator.conformance"]
        assert len(logged) == 1 and "/reservation_status" in logged[0].getMessage()
        assert await _ok(client, "DELETE", "/_emulator/conformance") == {"cleared": True}
        assert (await _ok(client, "GET", "/_emulator/conformance"))["data"] == []


async def test_off_checks_nothing() -> None:
    emulator, client = await _app_client("off")
    async with client:
        call = await _call(client)
        _bend(emulator, call["id"])
        assert (await client.get(f"/v1/calls/{call['id']}")).status_code == 200
        assert await _ok(client, "GET", "/_emulator/conformance") == {"mode": "off", "total": 0, "data": []}


async def test_a_right_run_has_no_violation() -> None:
    emulator, client = await _app_client("warn")
    async with client:
        call = await _call(client, webhook_url="http://127.0.0.1/_emulator/sinks/right")
        await _ok(client, "POST", "/_emulator/clock/run_until_idle", json={})
        await _ok(client, "GET", f"/v1/calls/{call['id']}")
        await _ok(client, "GET", f"/_emulator/calls/{call['id']}/timeline")
        received = await _ok(client, "GET", "/_emulator/sinks/right")
        assert [w["event_type"] for w in received["data"]][-1] == "call.completed"
        assert await _ok(client, "GET", "/_emulator/conformance") == {"mode": "warn", "total": 0, "data": []}


async def test_strict_never_sends_an_off_contract_webhook_and_the_attempt_says_why() -> None:
    emulator, client = await _app_client("strict")
    async with client:
        call = await _call(client, webhook_url="http://127.0.0.1/_emulator/sinks/bent")
        await _ok(client, "POST", "/_emulator/clock/advance", json={"seconds": 0})  # call.queued goes out as is
        _bend(emulator, call["id"])
        await _ok(client, "POST", "/_emulator/clock/advance", json={"seconds": 3})  # ringing: bent
        received = [w["event_type"] for w in (await _ok(client, "GET", "/_emulator/sinks/bent"))["data"]]
        assert received == ["call.queued"]
        attempts = (await _ok(client, "GET", "/_emulator/deliveries", params={"call_id": call["id"]}))["data"]
        ringing = [a for a in attempts if a["event_type"] == "call.ringing"]
        assert ringing and ringing[0]["response_status"] is None
        assert ringing[0]["error"].startswith(
            "not sent: contract violation: call_ringing_webhook at /data/call/reservation_status"
        )
        report = await _ok(client, "GET", "/_emulator/conformance")
        assert report["data"][0]["kind"] == "webhook" and report["data"][0]["status"] is None


async def test_the_violation_list_is_bounded() -> None:
    emulator, client = await _app_client("warn")
    async with client:
        call = await _call(client)
        _bend(emulator, call["id"])
        for _ in range(1005):
            await client.get(f"/v1/calls/{call['id']}")
        report = await _ok(client, "GET", "/_emulator/conformance")
        assert report["total"] == 1005 and len(report["data"]) == 1000


async def test_bad_requests_to_the_report_are_4xx_and_clear_nothing() -> None:
    emulator, client = await _app_client("warn")
    async with client:
        call = await _call(client)
        _bend(emulator, call["id"])
        await client.get(f"/v1/calls/{call['id']}")
        r = await client.get("/_emulator/conformance", params={"limit": 5})
        assert r.status_code == 400 and "unknown query parameter limit" in r.json()["error"]
        r = await client.request("DELETE", "/_emulator/conformance", json={"all": True})
        assert r.status_code == 400 and "takes no request body" in r.json()["error"]
        assert (await _ok(client, "GET", "/_emulator/conformance"))["total"] == 1


def test_up_takes_the_mode_from_flag_and_environment(start: Any) -> None:
    from up_process import clean_env

    up = start("--port", "0", "--conformance", "warn", env=clean_env())
    up.read_banner()
    assert httpx.get(f"{up.base_url}/_emulator/conformance").json()["mode"] == "warn"
    up = start("--port", "0", env=clean_env(CALLINGBOX_EMULATOR_CONFORMANCE="strict"))
    up.read_banner()
    assert httpx.get(f"{up.base_url}/_emulator/conformance").json()["mode"] == "strict"
    up = start("--port", "0", env=clean_env())
    up.read_banner()
    assert httpx.get(f"{up.base_url}/_emulator/conformance").json()["mode"] == "off"


def test_up_refuses_an_unknown_mode(start: Any) -> None:
    from up_process import clean_env

    up = start("--port", "0", env=clean_env(CALLINGBOX_EMULATOR_CONFORMANCE="loud"))
    assert up.proc.wait(30) == 2
    assert "conformance 'loud' must be off, warn or strict" in up.stderr()
