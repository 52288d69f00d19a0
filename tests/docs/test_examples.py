"""Every fenced block of README.md and docs/*.md runs, as written, or says why not.

python blocks are pytest examples: pytester runs each one alone, in a subprocess, with
only the installed plugin (no conftest), and every test in it must pass. bash blocks run
with ``bash -euo pipefail`` from a temporary folder against a fresh ``callingbox-emulator
up`` started with README line 1's options on a free port (``127.0.0.1:8787`` in the
block is that port), and must exit 0, print no ``{"error": ...}`` and leave the
emulator's clock and faults as they were. A bash block marked ``<!-- run: own-server -->``
starts its own emulator: it runs alone, with 8787 replaced by a free port, and whatever it
leaves running is stopped with its process group.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import IO

import pytest

from .blocks import REPO, all_blocks, of
from .live import clean_env, emulator_up, untouched

RUN_TIMEOUT = 300
STOP_TIMEOUT = 15
LEAN = (
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:schemathesis",
    "-p",
    "no:faker",
    "-p",
    "no:anyio",
    "-p",
    "no:randomly",
)  # the inner session keeps its file's order: the outer seed decides


def test_every_block_runs_or_says_why_not() -> None:
    run = {b.id for kind in ("python", "bash", "own-server") for b in of(kind)}
    unaccounted = [
        f"{b.id} ({b.lang or 'no language'})"
        for b in all_blocks()
        if b.id not in run and not (b.marker == "not-run" and b.note)
    ]
    assert unaccounted == [], "blocks neither run nor marked <!-- not-run: reason --> right before the fence"
    assert len(run) >= 8, "the harness finds far fewer examples than the docs have"


@pytest.mark.parametrize("block", of("python"), ids=lambda b: b.id)
def test_python_example(block, pytester: pytest.Pytester) -> None:
    tests = len(re.findall(r"^(?:async )?def test_", block.text, re.M))
    assert tests, f"{block.id}: not a pytest example; mark it <!-- not-run: reason -->"
    pytester.makeini("""
        [pytest]
        asyncio_default_fixture_loop_scope = function
        filterwarnings = error
        addopts = -p no:cacheprovider
        """)
    pytester.makepyfile(test_example=block.text)
    result = pytester.runpytest_subprocess(*LEAN, timeout=RUN_TIMEOUT)
    result.assert_outcomes(passed=tests)


class Output(threading.Thread):
    """Reads a pipe to its end: the end comes once every process holding it has exited,
    the block's background children included."""

    def __init__(self, pipe: IO[str]) -> None:
        super().__init__(daemon=True)
        self.pipe, self.text = pipe, ""
        self.start()

    def run(self) -> None:
        self.text = self.pipe.read()


def run_bash(text: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``bash -euo pipefail`` in a session of its own, so that whatever the block leaves
    running (a server started with ``&``) is stopped with it."""
    proc = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", text],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out, err = Output(proc.stdout), Output(proc.stderr)
    try:
        proc.wait(RUN_TIMEOUT)
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            out.join(STOP_TIMEOUT)
            err.join(STOP_TIMEOUT)
            if not out.is_alive() and not err.is_alive():
                break
        proc.wait(STOP_TIMEOUT)
        for reader in (out, err):  # read to the end: the pipe is ours to close
            if not reader.is_alive():
                reader.pipe.close()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out.text, err.text)


@pytest.mark.parametrize("block", of("bash"), ids=lambda b: b.id)
def test_shell_example(block, tmp_path: Path) -> None:
    folder = tmp_path / "anywhere"
    folder.mkdir()
    with emulator_up(tmp_path) as (url, env):
        before = untouched(url)
        done = run_bash(block.text.replace("http://127.0.0.1:8787", url), folder, env)
        after = untouched(url)
    assert done.returncode == 0, f"{block.id} exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert not re.search(r'\{"error":', done.stdout), f"{block.id} printed an error:\n{done.stdout[-4000:]}"
    assert after == before, f"{block.id} changed the emulator: {before} -> {after}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("block", of("own-server"), ids=lambda b: b.id)
def test_shell_example_with_its_own_server(block, tmp_path: Path) -> None:
    done = run_bash(block.text.replace("8787", str(free_port())), tmp_path, clean_env(tmp_path))
    assert done.returncode == 0, f"{block.id} exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert not re.search(r'\{"error":', done.stdout), f"{block.id} printed an error:\n{done.stdout[-4000:]}"


def test_the_readme_contract_command_runs_here() -> None:
    """The README's schemathesis command is one of the shell examples above: run as written
    from a temporary folder against a fresh ``up``, exit 0, clock and faults untouched. It
    needs no settings file, and it tests the product contract, not the control plane."""
    readme = [b for b in of("bash") if b.path.name == "README.md" and "schemathesis run" in b.text]
    assert len(readme) == 1, "the README shows one schemathesis command, and tests/docs runs it"
    command = readme[0].text
    assert "http://127.0.0.1:8787/openapi.yaml" in command and "/_emulator/openapi" not in command
    assert "--config" not in command and not (REPO / "schemathesis.toml").exists()
