"""A live ``callingbox-emulator up``, started the way README line 1 starts it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

from .blocks import DOCUMENTS, blocks

BIN = Path(sys.executable).parent
BANNER_TIMEOUT = 30.0
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
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", HOME=str(home), NO_COLOR="1",
               XDG_CONFIG_HOME=str(home / ".config"))
    return env


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def emulator_up(home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``up`` with README line 1's options on a free port (and SPEED); yields its URL and an
    environment with the two variables the banner says to export."""
    env = {**clean_env(home), "CALLINGBOX_EMULATOR_SPEED": SPEED}
    proc = subprocess.Popen([str(BIN / "callingbox-emulator"), "up", *readme_up_args(), "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "export CALLINGBOX_API_KEY=" in line:
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(BANNER_TIMEOUT), f"no banner within {BANNER_TIMEOUT}s: {''.join(lines)}"
        banner = "".join(lines)
        exports = dict(re.findall(r"export (CALLINGBOX_BASE_URL|CALLINGBOX_API_KEY)=(\S+)", banner))
        assert len(exports) == 2, f"the banner does not print both exports: {banner}"
        yield exports["CALLINGBOX_BASE_URL"], {**clean_env(home), **exports}
    finally:
        stop(proc)


def untouched(url: str) -> dict[str, object]:
    """What a product-only run must leave as it was: the clock's mode and speed, no faults."""
    with httpx.Client(base_url=url, timeout=10) as client:
        clock = client.get("/_emulator/clock").json()
        faults = client.get("/_emulator/faults").json()
    return {"mode": clock["mode"], "speed": clock["speed"], "faults": faults["data"]}
