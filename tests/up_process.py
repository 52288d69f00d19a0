"""``callingbox-emulator up`` as a real subprocess, for every test folder that starts one.

``Up`` is one running process: a thread reads its stdout line by line (a full pipe would block
the server) and ``read_banner`` waits for the banner. ``Ups`` starts them and stops every one
at the end; the ``start`` fixture of tests/conftest.py is an ``Ups`` in the test's tmp_path.

Importable as ``up_process`` from every test folder: tests/ is on sys.path, put there by
pytest's (default) prepend import mode for tests/conftest.py, which sits in no package.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

BIN = Path(sys.executable).parent
MODULE = [sys.executable, "-m", "emulator"]
SCRIPT = [str(BIN / "callingbox-emulator")]  # the console script, as a user runs it
KEY = "sk_test_emulator"
BANNER_TIMEOUT = 30.0
EXIT_TIMEOUT = 15.0
BANNER_END = r"^Ctrl-C to stop"  # the banner's last line
FIELDS = {
    "base_url": r"listening on (http://\S+)",
    "api_key": r"API key:\s+(\S+)",
    "secret": r"default signing secret:\s+(\S+)",
    "seed": r"seed (\d+)",
    "export_url": r"^\s*export CALLINGBOX_BASE_URL=(\S+)$",
    "export_key": r"^\s*export CALLINGBOX_API_KEY=(\S+)$",
}


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any CALLINGBOX_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX_")}
    env.update(extra)
    return env


class Up:
    """One running ``up`` process. stdout is read line by line by a thread; stderr goes to
    ``stderr_path``, or into stdout when that is None."""

    def __init__(self, proc: subprocess.Popen[str], stderr_path: Path | None) -> None:
        self.proc = proc
        self.stderr_path = stderr_path
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stdout: list[str] = []
        self.banner: dict[str, str] = {}
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def read_banner(self, until: str = BANNER_END, timeout: float = BANNER_TIMEOUT) -> dict[str, str]:
        """Read stdout up to the first line that matches ``until`` (the banner's last line unless
        told), within ``timeout`` seconds; the banner's text and its ``FIELDS``, every one required."""
        deadline = time.monotonic() + timeout
        while not any(re.search(until, line) for line in self.stdout):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no banner within {timeout}s; stdout={self.stdout} stderr={self.stderr()}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"exited {self.proc.wait()} before the banner; stderr={self.stderr()}")
            self.stdout.append(line.rstrip("\n"))
        self.banner = {"text": "\n".join(self.stdout)}
        self.banner.update((name, self.find(pattern)) for name, pattern in FIELDS.items())
        return self.banner

    def ready(self, timeout: float = BANNER_TIMEOUT) -> Up:
        """``read_banner``, then this process: ``up = start(...).ready()``."""
        self.read_banner(timeout=timeout)
        return self

    @property
    def text(self) -> str:
        return self.banner["text"]

    def find(self, pattern: str) -> str:
        """The first group of ``pattern`` (multiline) in the banner, which must have it."""
        match = re.search(pattern, self.text, re.MULTILINE)
        assert match, f"{pattern!r} not in banner:\n{self.text}"
        return match.group(1)

    @property
    def base_url(self) -> str:
        return self.banner["base_url"]

    @property
    def port(self) -> int:
        return int(self.find(r"listening on http://\S+:(\d+)$"))

    @property
    def local(self) -> str:
        """A loopback URL of the server, whatever it is bound to."""
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, key: str | None = None) -> httpx.Response:
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        return httpx.get(self.base_url + path, headers=headers, timeout=10)

    def post(self, path: str, key: str, body: dict) -> httpx.Response:
        return httpx.post(self.base_url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request with the default key that must succeed; its JSON."""
        r = httpx.request(
            method, self.base_url + path, headers={"Authorization": f"Bearer {KEY}"}, timeout=10, **kwargs
        )
        assert r.status_code < 300, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = EXIT_TIMEOUT) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def stderr(self) -> str:
        if self.stderr_path is None:
            return "(merged into stdout)"
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""

    def close(self) -> None:
        """Stop it if it still runs (SIGTERM, then SIGKILL after ``EXIT_TIMEOUT``); read stdout to its end."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(EXIT_TIMEOUT)
        self.reader.join(EXIT_TIMEOUT)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


class Ups:
    """Starts ``up`` processes; as a context manager, stops every one it started on the way out.
    stderr goes to a file in ``folder`` (a full pipe would block the server)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: list[Up] = []

    def __call__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        argv0: list[str] = MODULE,
        stderr_to_stdout: bool = False,
        preexec_fn: Callable[[], None] | None = None,
    ) -> Up:
        """``<argv0> up <args>`` in ``env`` (default: ``clean_env()``), stdin /dev/null."""
        stderr_path = None if stderr_to_stdout else self.folder / f"stderr-{len(self.running)}.txt"
        with contextlib.ExitStack() as files:
            sink = subprocess.STDOUT if stderr_path is None else files.enter_context(stderr_path.open("w"))
            proc = subprocess.Popen(
                [*argv0, "up", *args],
                stdout=subprocess.PIPE,
                stderr=sink,
                stdin=subprocess.DEVNULL,
                text=True,
                env=clean_env() if env is None else env,
                preexec_fn=preexec_fn,
            )
        self.running.append(Up(proc, stderr_path))
        return self.running[-1]

    def __enter__(self) -> Ups:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        for up in self.running:
            up.close()
