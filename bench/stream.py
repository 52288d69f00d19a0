"""Event-stream throughput: call events to N SSE subscribers (not part of CI or run.py).

    python bench/stream.py [--calls 2500] [--subscribers 10] [--rounds 3]

Starts `callingbox-emulator up --clock manual`, dispatches --calls calls (magic completed number,
no webhooks: four call events each), opens the subscribers (raw sockets, one reader thread
each, counting `id:` lines), then times POST /_emulator/clock/run_until_idle until every
subscriber has received the last event. Each round runs once with no subscriber and once with
--subscribers, on a fresh emulator, and reports events/s per subscriber, messages/s in all, and
the emulator's CPU seconds for the phase (from /proc), so the stream's cost is the difference.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import HOST, cpu_seconds, log, ok, start_emulator  # noqa: E402

KEY = {"Authorization": "Bearer sk_test_emulator"}
LAST_ID = re.compile(rb"\nid: (\d+)\n")


class Subscriber(threading.Thread):
    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection((HOST, port))
        self.sock.sendall(f"GET /_emulator/events/stream HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        self.last, self.bytes, self.target, self.done_at = 0, 0, None, 0.0
        self.reached = threading.Event()
        self.start()

    def run(self) -> None:
        with contextlib.suppress(OSError):  # closed at the end of the round
            self._read()

    def _read(self) -> None:
        tail = b""
        while chunk := self.sock.recv(1 << 20):
            self.bytes += len(chunk)
            found = LAST_ID.findall(tail + chunk)
            if found:
                self.last = int(found[-1])
            tail = chunk[-32:]
            if self.target is not None and self.last >= self.target and not self.reached.is_set():
                self.done_at = time.perf_counter()
                self.reached.set()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.join(10)
        self.sock.close()


def last_id(base: str) -> int:
    """The newest event id, from a stream's `ready` message."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(f"GET /_emulator/events/stream HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        data = b""
        while (found := re.search(rb"event: ready\ndata: (.*)\n", data)) is None:
            data += sock.recv(65536)
    return int(json.loads(found.group(1))["last_id"])


def one(calls: int, subscribers: int) -> dict[str, float]:
    proc = start_emulator(f"stream-{subscribers}", "--clock", "manual", "--balance", "100000000000")
    try:
        base = proc.base_url
        number = ok("GET", f"{base}/v1/numbers/available?area_code=415&limit=1", headers=KEY)[0]["phone_number"]
        nid = ok("POST", f"{base}/v1/numbers/purchase", {"phone_number": number}, KEY)["id"]
        agent = ok("POST", f"{base}/v1/agents", {"name": "Bench", "type": "outbound", "number_ids": [nid]}, KEY)["id"]
        for _ in range(calls):
            ok("POST", f"{base}/v1/calls", {"agent_id": agent, "to": "+15005550006"}, KEY)
        readers = [Subscriber(proc.port) for _ in range(subscribers)]
        start_id = last_id(base)
        cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
        ok("POST", f"{base}/_emulator/clock/run_until_idle", {})
        t_idle = time.perf_counter()
        target = last_id(base)
        for r in readers:
            r.target = target
            if r.last >= target:
                r.done_at = time.perf_counter()
                r.reached.set()
        for r in readers:
            if not r.reached.wait(120):
                raise RuntimeError(f"a subscriber stopped at id {r.last} of {target}")
        t1 = max([r.done_at for r in readers], default=t_idle)
        cpu1 = cpu_seconds(proc.pid)
        for r in readers:
            r.close()
        events = target - start_id
        wall = t1 - t0
        return {
            "events": events,
            "wall_s": wall,
            "idle_s": t_idle - t0,
            "cpu_s": cpu1 - cpu0,
            "events_per_s": events / wall,
            "messages_per_s": events * subscribers / wall,
            "mib_per_subscriber": (sum(r.bytes for r in readers) / max(1, subscribers)) / 2**20,
        }
    finally:
        proc.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2500)
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for round_ in range(args.rounds):
        for subs in (0, args.subscribers):
            result = one(args.calls, subs)
            log(f"round {round_ + 1}, {subs} subscribers: {json.dumps({k: round(v, 3) for k, v in result.items()})}")
            rows.append((subs, result))
    print(
        "| subscribers | events | wall s | emulator CPU s | events/s per subscriber | messages/s in all | MiB per subscriber |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for subs, r in rows:
        print(
            f"| {subs} | {r['events']:,.0f} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | "
            f"{r['events_per_s']:,.0f} | {r['messages_per_s']:,.0f} | {r['mib_per_subscriber']:.1f} |"
        )


if __name__ == "__main__":
    main()
