"""The SDK's own CLI (``callingbox``) as a subprocess against a live emulator.

Only the commands that need no call progress: ``callingbox call`` would poll
until a terminal status, which a manual clock never reaches.

Note: ``--json`` is a global option of that CLI, so it goes before the
command (``callingbox --json numbers search``); after the command it is a
usage error. Output is JSON anyway whenever stdout is not a terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.sdk.conftest import Live

CLI = Path(sys.executable).parent / "callingbox"
CALLEE = "+15005550006"


@pytest.fixture
def cli(legacy: Live, tmp_path: Path):
    """Run ``callingbox`` as the legacy org: env credentials, and a throwaway HOME so no real config
    is read or written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX_")}
    env.update(
        {
            "CALLINGBOX_BASE_URL": legacy.base_url,
            "CALLINGBOX_API_KEY": legacy.api_key,
            "HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path / ".config"),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
    )

    def run(*args: str, api_key: str | None = None) -> subprocess.CompletedProcess[str]:
        run_env = env if api_key is None else {**env, "CALLINGBOX_API_KEY": api_key}
        return subprocess.run(
            [str(CLI), *args], env=run_env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        )

    yield run
    assert not (tmp_path / ".config" / "callingbox").exists()  # nothing was saved


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_the_cli_is_installed() -> None:
    assert CLI.is_file()
    version = subprocess.run([str(CLI), "--version"], capture_output=True, text=True, timeout=60)
    assert (version.returncode, version.stdout.strip()) == (0, "callingbox 0.1.0")


def test_numbers_search(cli) -> None:
    found = ok_json(cli("--json", "numbers", "search", "--area-code", "415"))

    assert isinstance(found, list) and len(found) == 10  # the CLI always sends limit=10
    for a in found:
        assert a["phone_number"].startswith("+1415")
        assert (a["country_code"], a["number_type"], a["currency"]) == ("US", "local", "USD")

    two = ok_json(cli("--json", "numbers", "search", "--type", "toll_free", "--limit", "2"))
    assert [a["number_type"] for a in two] == ["toll_free", "toll_free"]


def test_numbers_buy_and_list(cli, legacy: Live) -> None:
    first, second = (
        a["phone_number"] for a in ok_json(cli("--json", "numbers", "search", "--area-code", "312", "--limit", "2"))
    )

    bought = ok_json(cli("numbers", "buy", first, "-y"))  # piped stdout: JSON without --json
    assert bought["e164"] == first
    assert (bought["status"], bought["country_code"], bought["inbound_voicemail_action"]) == ("active", "US", "hangup")
    ok_json(cli("--json", "numbers", "buy", second, "--yes"))

    listed = ok_json(cli("--json", "numbers", "list"))
    assert [n["e164"] for n in listed["data"]] == [second, first]
    assert listed["has_more"] is False
    assert listed["data"][1] == bought

    page = ok_json(cli("--json", "numbers", "list", "--limit", "1"))
    assert ([n["e164"] for n in page["data"]], page["has_more"]) == ([second], True)
    rest = ok_json(cli("--json", "numbers", "list", "--limit", "1", "--after", page["data"][0]["id"]))
    assert ([n["e164"] for n in rest["data"]], rest["has_more"]) == ([first], False)
    everything = ok_json(cli("--json", "numbers", "list", "--all", "--limit", "1"))
    assert [n["e164"] for n in everything] == [second, first]  # --all prints a bare array

    assert [n.e164 for n in legacy.sdk.numbers.list()] == [second, first]  # the SDK agrees


def test_numbers_buy_errors(cli, legacy: Live) -> None:
    (owned,) = legacy.buy()

    again = cli("numbers", "buy", owned.e164, "-y")
    assert again.returncode == 5  # bad request
    assert again.stderr.startswith(f"error: [400] phone_number: {owned.e164} is not available")

    # Without -y the CLI asks first; no answer (stdin at EOF) aborts before any request.
    no = cli("numbers", "buy", "+14155550123")
    assert no.returncode == 1
    assert len(legacy.sdk.numbers.list()) == 1


def test_calls_list_and_get(cli, legacy: Live) -> None:
    assert ok_json(cli("--json", "calls", "list")) == {"data": [], "has_more": False}

    legacy.buy()
    older = legacy.sdk.calls.create(to=CALLEE, prompt="first", language="es")
    newer = legacy.sdk.calls.create(to=CALLEE, prompt="second")

    listed = ok_json(cli("--json", "calls", "list"))
    assert [c["id"] for c in listed["data"]] == [newer.id, older.id]
    assert listed["has_more"] is False
    assert listed["data"][1]["language"] == "es"  # the SDK's dataclass, read from metadata.language
    assert listed["data"][1]["to_number"] == CALLEE

    page = ok_json(cli("--json", "calls", "list", "--limit", "1"))
    assert ([c["id"] for c in page["data"]], page["has_more"]) == ([newer.id], True)
    before = ok_json(cli("--json", "calls", "list", "--before", older.id))
    assert [c["id"] for c in before["data"]] == [newer.id]
    assert [c["id"] for c in ok_json(cli("--json", "calls", "list", "--all", "--limit", "1"))] == [newer.id, older.id]

    got = ok_json(cli("--json", "calls", "get", older.id))
    assert (got["id"], got["prompt"], got["language"], got["metadata"]) == (older.id, "first", "es", {"language": "es"})


def test_calls_get_unknown_exits_4(cli) -> None:
    missing = str(uuid.uuid4())

    result = cli("calls", "get", missing)

    assert result.returncode == 4
    assert result.stdout == ""
    assert result.stderr.strip() == f"error: [404] call {missing} not found"


def test_a_rejected_key_exits_3(cli) -> None:
    result = cli("--json", "numbers", "list", api_key="sk_test_not_a_key")

    assert result.returncode == 3
    assert result.stderr.strip() == "error: [401] invalid API key"
