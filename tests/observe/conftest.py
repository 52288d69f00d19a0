"""A live emulator on a real socket (streaming needs one: in-process ASGI does not stream
incrementally) and an SSE reader in a thread."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

DEADLINE = 20.0  # generous real seconds for anything to arrive: the machine is shared


@dataclass
class Message:
    event: str
    data: Any
    id: int | None


class Stream:
    """Reads ``GET /_emulator/events/stream`` in a thread; ``next``/``until`` take messages in order."""

    def __init__(
        self, base_url: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.messages: queue.Queue[Message | None] = queue.Queue()
        self.status: int | None = None
        self.ended = threading.Event()
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        self._conn = http.client.HTTPConnection(host, int(port), timeout=DEADLINE)
        path = "/_emulator/events/stream" + (f"?{urlencode(params)}" if params else "")
        self._conn.request("GET", path, headers=headers or {})
        response = self._conn.getresponse()
        self.status = response.status
        if self.status != 200:
            self.body = response.read()
            return
        self._conn.sock.settimeout(None)  # a quiet stream is not an error; close() ends the read
        self._thread = threading.Thread(target=self._run, args=(response,), daemon=True)
        self._thread.start()
        first = self.next()
        assert first.event == "ready", first
        self.opened_at = first.data["last_id"]

    def _run(self, response: http.client.HTTPResponse) -> None:
        try:
            self._parse(line.decode().rstrip("\r\n") for line in iter(response.readline, b""))
        except (OSError, ValueError, http.client.HTTPException):
            pass  # closed by the test, or cut off by the server
        finally:
            self.ended.set()
            self.messages.put(None)

    def _parse(self, lines: Iterator[str]) -> None:
        fields: dict[str, str] = {}
        for line in lines:
            if line == "":
                if "data" in fields:
                    self.messages.put(
                        Message(
                            fields.get("event", "message"),
                            json.loads(fields["data"]),
                            int(fields["id"]) if "id" in fields else None,
                        )
                    )
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")

    def next(self, timeout: float = DEADLINE) -> Message:
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no stream message within {timeout} s") from None
        assert message is not None, "the stream ended"
        return message

    def until(self, done: Callable[[Message], bool], timeout: float = DEADLINE) -> list[Message]:
        """Every message up to and including the first for which ``done`` holds."""
        seen: list[Message] = []
        deadline = time.monotonic() + timeout
        while True:
            seen.append(self.next(max(0.01, deadline - time.monotonic())))
            if done(seen[-1]):
                return seen

    def close(self) -> None:
        if self._conn.sock is not None:
            with contextlib.suppress(OSError):
                self._conn.sock.shutdown(socket.SHUT_RDWR)  # unblocks the reading thread at once
        if self.status == 200:
            self._thread.join(DEADLINE)
        self._conn.close()


class Live:
    def __init__(self, server: ServerThread, emulator: Emulator) -> None:
        self.server, self.emulator, self.base_url = server, emulator, server.base_url
        self.control = httpx.Client(base_url=server.base_url, timeout=60)
        self.streams: list[Stream] = []

    def api(self, key: str | None = None) -> httpx.Client:
        key = key or self.emulator.config.api_key
        return httpx.Client(base_url=self.base_url, timeout=60, headers={"Authorization": f"Bearer {key}"})

    def ok(self, method: str, path: str, status: int = 200, key: str | None = None, **kwargs: Any) -> Any:
        with self.api(key) as c:
            r = c.request(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    def org(self) -> dict[str, Any]:
        return self.ok("POST", "/_emulator/orgs", 201, json={})

    def agent(self, key: str | None = None, webhook_url: str | None = None) -> dict[str, Any]:
        found = self.ok("GET", "/v1/numbers/available", key=key, params={"area_code": "415", "limit": 1})
        number = self.ok("POST", "/v1/numbers/purchase", 201, key=key, json={"phone_number": found[0]["phone_number"]})
        body: dict[str, Any] = {"name": "Observed", "type": "outbound", "number_ids": [number["id"]]}
        if webhook_url:
            body["webhook_url"] = webhook_url
        return self.ok("POST", "/v1/agents", 201, key=key, json=body)

    def call(self, agent_id: str, to: str = "+15005550006", key: str | None = None) -> dict[str, Any]:
        return self.ok("POST", "/v1/calls", 201, key=key, json={"agent_id": agent_id, "to": to})

    def stream(self, params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Stream:
        stream = Stream(self.base_url, params, headers)
        self.streams.append(stream)
        return stream

    def close(self) -> None:
        for stream in self.streams:
            stream.close()
        self.control.close()


@pytest.fixture
def live_config() -> Config:
    return Config(conformance="strict")  # the stream and waits answer on contract, or 500


@pytest.fixture
def live(live_config: Config) -> Iterator[Live]:
    emulator = Emulator(live_config)
    with ServerThread(emulator) as server:
        handle = Live(server, emulator)
        try:
            yield handle
        finally:
            handle.close()
