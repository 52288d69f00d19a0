"""`up` as a real subprocess: beyond loopback the control plane needs the token the banner prints;
the new options (--allowed-host, --control-token, --webhook-timeout) and their environment
variables; `--host ::1` prints a sink URL the emulator accepts; the banner says what is on."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Callable

import httpx
import pytest
from up_process import KEY, MODULE, Up, Ups, clean_env


@pytest.fixture
def up(start: Ups) -> Callable[..., Up]:
    """``up --port 0 <args>`` in a clean environment plus ``env``, once its banner is out."""

    def up_(*args: str, **env: str) -> Up:
        return start("--port", "0", *args, env=clean_env(**env)).ready()

    return up_


def _error(r: httpx.Response, status: int, needle: str) -> None:
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and needle in r.json()["error"], r.text


def test_beyond_loopback_the_control_plane_needs_the_banners_token(up: Callable[..., Up]) -> None:
    server = up("--host", "0.0.0.0")
    token = server.find(r"X-Emulator-Token: (\S+)$")
    assert "WARNING" in server.text and "beyond loopback" in server.text
    assert "public default one" in server.text  # the API key anyone can guess
    base, secret = server.local, server.find(r"default signing secret:\s+(\S+)")
    for method, path in [
        ("GET", "/_emulator/orgs"),
        ("GET", "/_emulator/state"),
        ("POST", "/_emulator/reset"),
        ("POST", "/_emulator/clock/step"),
        ("GET", "/_emulator/requests"),
    ]:
        for headers in ({}, {"X-Emulator-Token": "guess"}, {"X-Emulator-Token": token[:-1]}):
            r = httpx.request(method, base + path, headers=headers, timeout=10)
            _error(r, 401, "X-Emulator-Token")
            assert KEY not in r.text and secret not in r.text
    orgs = httpx.get(base + "/_emulator/orgs", headers={"X-Emulator-Token": token}, timeout=10)
    assert orgs.status_code == 200 and orgs.json()["data"][0]["api_key"] == KEY
    # Not gated: liveness probes, webhook receivers (other services post to sinks), and the API (it has keys).
    assert httpx.get(base + "/_emulator/health", timeout=10).status_code == 200
    assert httpx.post(base + "/_emulator/sinks/default", json={"x": 1}, timeout=10).status_code == 200
    assert httpx.get(base + "/v1/numbers", headers={"Authorization": f"Bearer {KEY}"}, timeout=10).status_code == 200


def test_the_token_is_unguessable_even_from_the_seed(up: Callable[..., Up]) -> None:
    first = up("--host", "0.0.0.0", "--seed", "7").find(r"X-Emulator-Token: (\S+)$")
    second = up("--host", "0.0.0.0", "--seed", "7").find(r"X-Emulator-Token: (\S+)$")
    assert first != second
    assert len(first) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", first)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_fixed_token_is_required_even_on_loopback(up: Callable[..., Up], how: str) -> None:
    token = "correct-horse-battery-staple"
    server = up("--control-token", token) if how == "flag" else up(CALLINGBOX_EMULATOR_CONTROL_TOKEN=token)
    assert server.find(r"X-Emulator-Token: (\S+)$") == token
    assert "WARNING" not in server.text
    _error(httpx.post(server.local + "/_emulator/reset", timeout=10), 401, "X-Emulator-Token")
    r = httpx.post(server.local + "/_emulator/reset", headers={"X-Emulator-Token": token}, timeout=10)
    assert r.status_code == 200, r.text


def test_on_loopback_there_is_no_token_and_no_warning(up: Callable[..., Up]) -> None:
    server = up()
    assert "no token (loopback only)" in server.text and "WARNING" not in server.text
    assert "X-Emulator-Token:" not in server.text
    assert httpx.get(server.local + "/_emulator/orgs", timeout=10).status_code == 200


@pytest.mark.parametrize("how", ["flag", "env"])
def test_allowed_hosts_from_the_flag_or_the_environment(up: Callable[..., Up], how: str) -> None:
    if how == "flag":
        server = up("--allowed-host", "emulator.internal", "--allowed-host", "ci-runner")
    else:
        server = up(CALLINGBOX_EMULATOR_ALLOWED_HOSTS="emulator.internal, ci-runner")
    assert "emulator.internal" in server.find(r"Host names served:\s+(.*)$")
    for host, status in [("emulator.internal", 200), (f"ci-runner:{server.port}", 200), ("evil.example", 403)]:
        r = httpx.get(server.local + "/_emulator/orgs", headers={"Host": host}, timeout=10)
        assert r.status_code == status, (host, r.text)


def _call_with_webhooks(base: str, webhook_url: str, headers: dict[str, str] | None = None) -> None:
    """An endpoint for every event at ``webhook_url``, then one busy call run to its end (manual clock):
    run_until_idle returns once the attempts it started are answered or have failed."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=10) as api:
        r = api.post("/v1/webhook_endpoints", json={"url": webhook_url})
        assert r.status_code == 201, r.text
        phone = api.get("/v1/numbers/available", params={"area_code": "415", "limit": 1}).json()[0]["phone_number"]
        number = api.post("/v1/numbers/purchase", json={"phone_number": phone}).json()
        agent = api.post("/v1/agents", json={"name": "A", "type": "outbound", "number_ids": [number["id"]]}).json()
        assert api.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550001"}).status_code == 201
        # Ten virtual seconds: the call's end and its first attempts, before any retry is due.
        r = api.post("/_emulator/clock/run_until_idle", json={"max_seconds": 10}, headers=headers or {})
        assert r.status_code == 200, r.text


def test_the_ipv6_loopback_sink_url_the_banner_prints_is_accepted(up: Callable[..., Up]) -> None:
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.fail("this machine has no IPv6; the test needs ::1")
    server = up("--host", "::1", "--clock", "manual")
    sink = server.find(r"webhook sink:\s+(\S+)")
    base = server.find(r"listening on (\S+)$")
    assert re.fullmatch(r"http://\[::1\]:\d+/_emulator/sinks/default", sink), sink
    _call_with_webhooks(base, sink)
    got = httpx.get(sink, timeout=10).json()["data"]
    assert [item["event_type"] for item in got][:2] == ["call.queued", "call.busy"]


def test_webhook_timeout_flag(up: Callable[..., Up]) -> None:
    hanging = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    try:
        server = up("--clock", "manual", "--webhook-timeout", "1.5")
        assert "timeout 1.5 s" in server.text
        _call_with_webhooks(server.local, f"http://127.0.0.1:{hanging.getsockname()[1]}/hook")
        attempts = httpx.get(server.local + "/_emulator/deliveries", timeout=10).json()["data"]
        errors = [a["error"] for a in attempts if a["error"]]
        assert errors and all("1.5 s" in e for e in errors), attempts
    finally:
        hanging.close()


@pytest.mark.parametrize(
    "args, says",
    [
        ((), "legacy calls off"),
        (("--legacy-calls",), "legacy calls on"),
        (("--strict-webhook-urls",), "strict URLs on"),
    ],
)
def test_the_banner_says_what_is_on(up: Callable[..., Up], args: tuple[str, ...], says: str) -> None:
    server = up(*args)
    assert says in server.text
    assert re.search(r"^\s+dialect:\s+callingbox", server.text, re.MULTILINE)


@pytest.mark.parametrize(
    "args, env, says",
    [
        (("--allowed-host", "http://emulator.internal/"), {}, "allowed host"),
        ((), {"CALLINGBOX_EMULATOR_ALLOWED_HOSTS": "ok.example,bad host"}, "allowed host"),
        (("--control-token", "two words"), {}, "control token"),
        ((), {"CALLINGBOX_EMULATOR_CONTROL_TOKEN": "two words"}, "control token"),
        (("--header-timeout", "0"), {}, "header timeout"),
        (("--body-timeout", "-1"), {}, "body timeout"),
        (("--webhook-timeout", "nan"), {}, "webhook timeout"),
    ],
)
def test_unusable_exposure_settings_are_a_one_line_error(args: tuple[str, ...], env: dict[str, str], says: str) -> None:
    result = subprocess.run(
        [*MODULE, "up", "--port", "0", *args], env=clean_env(**env), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("callingbox-emulator: ") and says in lines[0], result.stderr
    assert "listening on" not in result.stdout


def test_a_server_thread_beyond_loopback_gets_a_token_too() -> None:
    """Served from code (ServerThread, as the plugin's live mode does), the same rule holds."""
    from emulator.config import Config
    from emulator.runtime import Emulator
    from emulator.server import ServerThread

    with ServerThread(Emulator(Config()), host="0.0.0.0") as server:
        token = server.control_token
        assert token and len(token) >= 32
        port = server.base_url.rsplit(":", 1)[1]
        local = f"http://127.0.0.1:{port}"
        _error(httpx.get(local + "/_emulator/orgs", timeout=10), 401, "X-Emulator-Token")
        assert httpx.get(local + "/_emulator/orgs", headers={"X-Emulator-Token": token}, timeout=10).status_code == 200
    with ServerThread(Emulator(Config())) as server:
        assert server.control_token is None
        assert httpx.get(server.base_url + "/_emulator/orgs", timeout=10).status_code == 200
