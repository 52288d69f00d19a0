"""A webhook receiver for the benchmarks and the soak test (its own process, 127.0.0.1 only).

    python bench/receiver.py --port P [--fail-rate 0.1] [--slow-rate 0.02 --slow-seconds 3] [--seed 1]

Plain asyncio + httptools (no framework), so the receiver costs as little CPU as possible.
Every POST is recorded: wall arrival time (time.time()), the CallingBox-Event-Id (delivery id),
event type, call id, and the status answered. ``fail-rate`` of the requests answer 500
(seeded); ``slow-rate`` of them answer only after ``slow-seconds`` (to make the emulator time out).
Control: GET /_records (JSON list of [arrival, delivery_id, type, call_id, status]),
DELETE /_records (clear), POST /_config {"fail_rate":..,"slow_rate":..,"slow_seconds":..}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

import httptools


class State:
    def __init__(self, fail_rate: float, slow_rate: float, slow_seconds: float, seed: int) -> None:
        self.fail_rate, self.slow_rate, self.slow_seconds = fail_rate, slow_rate, slow_seconds
        self.rng = random.Random(seed)
        self.records: list[list] = []


class Protocol(asyncio.Protocol):
    def __init__(self, state: State) -> None:
        self.state = state
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self._reset()

    def _reset(self) -> None:
        self.url = b""
        self.headers: dict[bytes, bytes] = {}
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport:
                self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        method = self.parser.get_method()
        url, headers, body = self.url, self.headers, b"".join(self.body)
        keep = self.parser.should_keep_alive()
        self._reset()
        if url.startswith(b"/_records"):
            if method == b"DELETE":
                self.state.records.clear()
                return self._send(200, b"{}", keep)
            return self._send(200, json.dumps(self.state.records).encode(), keep)
        if url.startswith(b"/_config"):
            cfg = json.loads(body or b"{}")
            for key in ("fail_rate", "slow_rate", "slow_seconds"):
                if key in cfg:
                    setattr(self.state, key, float(cfg[key]))
            return self._send(200, b"{}", keep)
        arrival = time.time()
        roll = self.state.rng.random()
        status = 500 if roll < self.state.fail_rate else 200
        slow = self.state.fail_rate <= roll < self.state.fail_rate + self.state.slow_rate
        self.state.records.append(
            [
                arrival,
                headers.get(b"callingbox-event-id", b"").decode(),
                headers.get(b"callingbox-event-type", b"").decode(),
                headers.get(b"x-callingbox-call-id", b"").decode(),
                "slow" if slow else status,
            ]
        )
        reply = b'{"ok": true}' if status == 200 else b'{"error": "injected failure"}'
        if slow:
            asyncio.get_running_loop().call_later(self.state.slow_seconds, self._send, status, reply, keep)
        else:
            self._send(status, reply, keep)

    def _send(self, status: int, body: bytes, keep: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        reason = b"OK" if status == 200 else b"Internal Server Error"
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s"
            % (status, reason, len(body), b"" if keep else b"connection: close\r\n", body)
        )
        if not keep:
            self.transport.close()


async def main(args: argparse.Namespace) -> None:
    state = State(args.fail_rate, args.slow_rate, args.slow_seconds, args.seed)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Protocol(state), "127.0.0.1", args.port, backlog=2048)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--slow-rate", type=float, default=0.0)
    parser.add_argument("--slow-seconds", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args))
    except ImportError:
        asyncio.run(main(args))
