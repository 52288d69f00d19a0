"""A live ``callingbox-emulator up``, started the way README line 1 starts it."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from up_process import BIN, SCRIPT, Ups

from .blocks import DOCUMENTS, blocks

# Fast enough that a call to a magic number ends in about two seconds (the official CLI's
# `callingbox call` waits for the result); --speed is documented in the README.
SPEED = "20"


def readme_up_args() -> list[str]:
    """The options README line 1 gives ``up`` (e.g. ``--legacy-calls``)."""
    first = blocks(DOCUMENTS[0])[0].text.splitlines()[0].split("#")[0]
    _, found, rest = first.partition("callingbox-emulator up")
    assert found, f"README line 1 does not start the emulator: {first!r}"
    return shlex.split(rest)


def clean_env(home: Path) -> dict[str, str]:
    """No CALLINGBOX_* from the caller; the venv's commands first; a throwaway HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        NO_COLOR="1",
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    return env


@contextmanager
def emulator_up(home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``up`` with README line 1's options on a free port (and SPEED), run by the console script;
    yields its URL and an environment with the two variables the banner says to export."""
    env = {**clean_env(home), "CALLINGBOX_EMULATOR_SPEED": SPEED}
    with Ups(home) as start:
        up = start(*readme_up_args(), "--port", "0", env=env, argv0=SCRIPT, stderr_to_stdout=True)
        banner = up.read_banner(until="export CALLINGBOX_API_KEY=")
        exports = {"CALLINGBOX_BASE_URL": banner["export_url"], "CALLINGBOX_API_KEY": banner["export_key"]}
        yield exports["CALLINGBOX_BASE_URL"], {**clean_env(home), **exports}


def untouched(url: str) -> dict[str, object]:
    """What a product-only run must leave as it was: the clock's mode and speed, no faults."""
    with httpx.Client(base_url=url, timeout=10) as client:
        clock = client.get("/_emulator/clock").json()
        faults = client.get("/_emulator/faults").json()
    return {"mode": clock["mode"], "speed": clock["speed"], "faults": faults["data"]}
