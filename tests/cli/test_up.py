"""``callingbox-emulator up`` as a real subprocess: banner, settings, signals, startup errors."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from up_process import BIN, MODULE, SCRIPT, Up, clean_env

from emulator import __version__

LEGACY_BODY = {"to": "+15005550006", "prompt": "Hello", "language": "en"}


def test_banner_has_everything_to_connect(start: Callable[..., Up]) -> None:
    up = start("--port", "0")
    banner = up.read_banner()

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", banner["base_url"])
    assert banner["base_url"] != "http://127.0.0.1:0"
    assert f"CallingBox emulator {__version__} listening on" in banner["text"]
    assert banner["api_key"] == "sk_test_emulator"
    assert re.fullmatch(r"whsec_[0-9a-f]{32}", banner["secret"])
    assert (banner["export_url"], banner["export_key"]) == (banner["base_url"], banner["api_key"])

    health = up.get("/_emulator/health")
    assert health.status_code == 200
    assert (health.json()["status"], health.json()["version"]) == ("ok", __version__)
    numbers = up.get("/v1/numbers", key=banner["export_key"])
    assert (numbers.status_code, numbers.json()) == (200, {"data": [], "has_more": False})
    assert up.get("/v1/numbers", key="sk_test_wrong").status_code == 401
    # The secret shown is the default org's.
    orgs = up.get("/_emulator/orgs").json()["data"]
    assert [o["default_signing_secret"] for o in orgs if o["api_key"] == banner["api_key"]] == [banner["secret"]]


def test_the_export_lines_work_in_a_shell(start: Callable[..., Up], tmp_path: Path) -> None:
    up = start("--port", "0")
    banner = up.read_banner()
    exports = "\n".join(line.strip() for line in banner["text"].splitlines() if line.strip().startswith("export "))

    # Paste them into a shell, then use the SDK's CLI, which reads exactly those variables.
    script = f"{exports}\nexec {BIN / 'callingbox'} --json numbers list"
    result = subprocess.run(
        ["sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config")),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("{")
    assert '"has_more": false' in result.stdout


def test_the_console_script(start: Callable[..., Up]) -> None:
    assert Path(*SCRIPT).is_file()
    up = start("--port", "0", argv0=SCRIPT)
    up.read_banner()

    assert up.get("/_emulator/health").status_code == 200
    assert up.stop(signal.SIGINT) == 0
    assert "Traceback" not in up.stderr()


def test_api_key_flag(start: Callable[..., Up]) -> None:
    up = start("--port", "0", "--api-key", "sk_test_mine")
    banner = up.read_banner()

    assert banner["api_key"] == banner["export_key"] == "sk_test_mine"
    assert up.get("/v1/numbers", key="sk_test_mine").status_code == 200
    assert up.get("/v1/numbers", key="sk_test_emulator").status_code == 401


def test_seed_fixes_the_default_signing_secret(start: Callable[..., Up]) -> None:
    runs = [start("--port", "0", "--seed", seed) for seed in ("7", "7", "8")]
    a, b, c = (up.read_banner() for up in runs)

    assert (a["seed"], b["seed"], c["seed"]) == ("7", "7", "8")
    assert a["secret"] == b["secret"]
    assert a["secret"] != c["secret"]
    # Seeded ids too: the first org made on each server gets the same id.
    made = [httpx.post(up.base_url + "/_emulator/orgs", json={}, timeout=10).json()["id"] for up in runs]
    assert made[0] == made[1] != made[2]


def _buy_a_number(up: Up, key: str) -> None:
    available = up.get("/v1/numbers/available?area_code=415&limit=1", key=key).json()
    bought = up.post("/v1/numbers/purchase", key, {"phone_number": available[0]["phone_number"]})
    assert bought.status_code == 201, bought.text


def test_legacy_calls_flag(start: Callable[..., Up]) -> None:
    legacy, strict = start("--port", "0", "--legacy-calls"), start("--port", "0")
    for up in (legacy, strict):
        up.read_banner()
        _buy_a_number(up, "sk_test_emulator")

    accepted = legacy.post("/v1/calls", "sk_test_emulator", LEGACY_BODY)
    assert accepted.status_code == 201, accepted.text
    assert (accepted.json()["agent_id"], accepted.json()["prompt"]) == (None, "Hello")

    refused = strict.post("/v1/calls", "sk_test_emulator", LEGACY_BODY)
    assert refused.status_code == 400
    assert "--legacy-calls" in refused.json()["error"]


def test_settings_from_the_environment(start: Callable[..., Up]) -> None:
    seeded = start("--port", "0", "--seed", "11")
    up = start(
        env=clean_env(
            CALLINGBOX_EMULATOR_API_KEY="sk_test_from_env",
            CALLINGBOX_EMULATOR_SEED="11",
            CALLINGBOX_EMULATOR_LEGACY_CALLS="1",
            CALLINGBOX_EMULATOR_PORT="0",
        )
    )
    banner = up.read_banner()

    assert banner["api_key"] == banner["export_key"] == "sk_test_from_env"
    assert banner["seed"] == "11"
    assert banner["secret"] == seeded.read_banner()["secret"]
    assert not banner["base_url"].endswith(":8787")  # port 0 from the env, not the default
    _buy_a_number(up, "sk_test_from_env")
    call = up.post("/v1/calls", "sk_test_from_env", LEGACY_BODY)
    assert call.status_code == 201, call.text


def test_a_flag_beats_the_environment(start: Callable[..., Up]) -> None:
    with socket.socket() as busy:  # the env names a port in use: the --port flag must win
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = clean_env(
            CALLINGBOX_EMULATOR_API_KEY="sk_test_env",
            CALLINGBOX_EMULATOR_SEED="1",
            CALLINGBOX_EMULATOR_PORT=str(busy.getsockname()[1]),
        )
        up = start("--port", "0", "--api-key", "sk_test_flag", "--seed", "2", env=env)
        banner = up.read_banner()

    assert (banner["api_key"], banner["seed"]) == ("sk_test_flag", "2")
    assert up.get("/v1/numbers", key="sk_test_flag").status_code == 200
    assert up.get("/v1/numbers", key="sk_test_env").status_code == 401


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_it_cleanly(start: Callable[..., Up], sig: int) -> None:
    up = start("--port", "0")
    up.read_banner()
    assert up.get("/_emulator/health").status_code == 200

    assert up.stop(sig) == 0
    assert "Traceback" not in up.stderr()
    assert "KeyboardInterrupt" not in up.stderr()
    with pytest.raises(httpx.ConnectError):  # the port is closed
        up.get("/_emulator/health")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MODULE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=clean_env() if env is None else env,
    )


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("callingbox-emulator: ")
    return lines[0]


def test_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = _run("up", "--port", str(port))

    line = _one_line_error(result)
    assert result.returncode == 2
    assert str(port) in line and "already in use" in line


@pytest.mark.parametrize(
    "name, value, says",
    [
        ("PORT", "abc", "CALLINGBOX_EMULATOR_PORT"),
        ("PORT", "70000", "70000"),
        ("SEED", "seven", "CALLINGBOX_EMULATOR_SEED"),
        ("LEGACY_CALLS", "maybe", "CALLINGBOX_EMULATOR_LEGACY_CALLS"),
        ("SPEED", "0", "speed"),
        ("CLOCK", "sundial", "sundial"),
    ],
)
def test_a_bad_environment_value_is_a_one_line_error(name: str, value: str, says: str) -> None:
    result = _run("up", env=clean_env(**{f"CALLINGBOX_EMULATOR_{name}": value}))

    line = _one_line_error(result)
    assert result.returncode == 2
    assert says in line


def test_a_bad_port_flag_is_a_one_line_error() -> None:
    line = _one_line_error(_run("up", "--port", "-1"))
    assert "-1" in line and "0-65535" in line


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"callingbox-emulator {__version__}"
