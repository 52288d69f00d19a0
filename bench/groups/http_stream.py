"""The http group's event-stream part: one client replaying K call events from the feed's ring
(GET /_emulator/events/stream?last_event_id=N) against a bare starlette SSE endpoint sending the
same bytes (captured from this emulator's stream) in the same batches.

Why a replay: the stream's own work (subscribing, taking items from the ring, rendering each
message once, batching, writing) is what a bare endpoint can be compared with; events produced
live would time the simulation as well, which the bare app does not have. The first read renders
every message (each is rendered once, for every later reader): it is reported apart, as "first
read"; the ratio compares the reads after it, which send what the feed already holds."""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import time
from typing import Any

from common import AUTH, HOST, RESULTS, cpu_seconds, log, mmm, ok, start_emulator, start_uvicorn, summary, wait_http

from groups.http_api import setup_emulator

PATH = "/_emulator/events/stream"
RATIO_GOAL = 0.85  # issue 15: the event stream within the same ratios as the API paths
READ_TIMEOUT = 60.0  # seconds for one replay, far beyond what one takes


def _post_calls(base: str, agent_id: str, n: int) -> None:
    """n calls to the completed magic number over one keep-alive connection (four call events each)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    body = json.dumps({"agent_id": agent_id, "to": "+15005550006"})
    try:
        for _ in range(n):
            conn.request("POST", "/v1/calls", body, {**AUTH, "Content-Type": "application/json"})
            answer = conn.getresponse()
            answer.read()
            if answer.status != 201:
                raise RuntimeError(f"POST /v1/calls answered {answer.status}")
    finally:
        conn.close()


def last_id(base: str) -> int:
    """The newest event id, from a stream's `ready` message."""
    _, raw = read(base, b"\n\n", keep=True, after=None, marker=b"event: ready\ndata: ")
    line = raw.split(b"event: ready\ndata: ", 1)[1].split(b"\n", 1)[0]
    return int(json.loads(line)["last_id"])


def read(
    base: str, until: bytes, keep: bool = False, after: int | None = 0, marker: bytes = b""
) -> tuple[float, bytes]:
    """Open the stream (replaying from ``after``) and read until ``until`` (following ``marker``)
    has arrived: the seconds from connecting, and the raw bytes when ``keep``."""
    host, port = base.removeprefix("http://").split(":")
    query = "" if after is None else f"?last_event_id={after}"
    t0 = time.perf_counter()
    sock = socket.create_connection((host, int(port)), timeout=READ_TIMEOUT)
    try:
        sock.sendall(f"GET {PATH}{query} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        want = marker + until if marker else until
        kept, tail = [], b""
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError(f"{base}{PATH} ended before {want!r}")
            if keep:
                kept.append(chunk)
            if marker:
                joined = b"".join(kept)
                at = joined.find(marker)
                if at >= 0 and joined.find(until, at + len(marker)) >= 0:
                    return time.perf_counter() - t0, joined
                continue
            if want in tail + chunk:
                return time.perf_counter() - t0, b"".join(kept)
            tail = chunk[-len(want) :]
    finally:
        sock.close()


def dechunk(raw: bytes, last: int) -> bytes:
    """The body of a chunked answer, up to the end of message ``last``."""
    body, pos, out = raw.split(b"\r\n\r\n", 1)[1], 0, []
    while pos < len(body):
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            break
        size = int(body[pos:eol], 16)
        out.append(body[eol + 2 : eol + 2 + size])
        pos = eol + 2 + size + 2
    text = b"".join(out)
    end = text.index(b"\n\n", text.index(b"id: %d\n" % last)) + 2
    return text[:end]


def run(opts: dict[str, Any]) -> dict[str, Any]:
    calls = 300 if opts.get("quick") else 2_000
    reads = 5 if opts.get("quick") else 30
    emu = start_emulator("http-stream-emulator", "--clock", "manual")
    procs = [emu]
    try:
        ids = setup_emulator(emu.base_url, calls=1)
        start = last_id(emu.base_url)
        _post_calls(emu.base_url, ids["agent_id"], calls)
        ok("POST", f"{emu.base_url}/_emulator/clock/run_until_idle", {})
        last = last_id(emu.base_url)
        until = b"\nid: %d\n" % last
        first_s, raw = read(emu.base_url, until, keep=True, after=start)
        captured = dechunk(raw, last)
        if b"\nevent: gap\n" in captured:
            raise RuntimeError(f"the feed's ring no longer holds every event after {start}: fewer calls")
        events = captured.count(b"\nid: ") + captured.startswith(b"id: ")
        stream_file = RESULTS / "bare_stream.sse"
        stream_file.write_bytes(captured)
        bare = start_uvicorn("http-stream-bare", "bare_app:app", env={"BENCH_BARE_STREAM": str(stream_file)})
        procs.append(bare)
        wait_http(f"{bare.base_url}/v1/calls/x", popen=bare.popen)
        bases, pids = {"emulator": emu.base_url, "bare": bare.base_url}, {"emulator": emu.pid, "bare": bare.pid}
        rounds: list[dict[str, Any]] = []
        for r in range(opts["rounds"]):
            row: dict[str, Any] = {}
            for c in ("emulator", "bare") if r % 2 == 0 else ("bare", "emulator"):
                cpu0 = cpu_seconds(pids[c])
                times = [read(bases[c], until, after=start)[0] for _ in range(reads)]
                cpu = cpu_seconds(pids[c]) - cpu0
                row[c] = {
                    "events_per_s": events / statistics.median(times),
                    "read_ms": [t * 1000 for t in times],
                    "cpu_us_per_event": cpu / (events * reads) * 1e6,
                }
            row["ratio"] = row["emulator"]["events_per_s"] / row["bare"]["events_per_s"]
            log(
                f"http stream round {r + 1}: {events:,} events, emulator {row['emulator']['events_per_s']:,.0f}/s, "
                f"bare {row['bare']['events_per_s']:,.0f}/s, ratio {row['ratio']:.2f}"
            )
            rounds.append(row)
    finally:
        for p in procs:
            p.stop()
    ratio = summary(x["ratio"] for x in rounds)
    return {
        "calls": calls,
        "events": events,
        "bytes": len(captured),
        "reads_per_round": reads,
        "first_read_ms": first_s * 1000,
        "rounds": rounds,
        "events_per_s": {c: summary(x[c]["events_per_s"] for x in rounds) for c in ("emulator", "bare")},
        "cpu_us_per_event": {c: summary(x[c]["cpu_us_per_event"] for x in rounds) for c in ("emulator", "bare")},
        "ratio_vs_bare": ratio,
        "targets": [
            {
                "target": f"event stream (one client replaying {events:,} events) >= {RATIO_GOAL:.2f}x bare",
                "value": ratio["median"],
                "goal": RATIO_GOAL,
                "pass": ratio["median"] >= RATIO_GOAL,
                "detail": f"ratio of events/s per round, min/median/max {ratio['min']:.2f} / {ratio['median']:.2f} / "
                f"{ratio['max']:.2f}",
            }
        ],
    }


def report(res: dict[str, Any]) -> list[str]:
    e, cpu = res["events_per_s"], res["cpu_us_per_event"]
    return [
        f"Event stream: {res['calls']:,} calls to the completed magic number run to their end (`run_until_idle`), "
        f"then one client (a raw socket) reads `GET /_emulator/events/stream?last_event_id=N` until the last of "
        f"the {res['events']:,} events that followed N ({res['bytes'] / 2**20:.1f} MiB of SSE) has arrived, "
        f"{res['reads_per_round']} times per contender and round (alternating, median per round). Bare: "
        "`bare_app.py`'s starlette `StreamingResponse` sending the bytes captured from the emulator's first read "
        "in the same batches (the head, then whole messages up to 64 KiB per body chunk). The first read, which "
        f"renders every message once, took {res['first_read_ms']:.0f} ms and is not in the ratio.",
        "",
        "| contender | events/s | server CPU µs/event |",
        "| --- | --- | --- |",
        f"| emulator | {mmm(e['emulator'])} | {mmm(cpu['emulator'], 2)} |",
        f"| bare | {mmm(e['bare'])} | {mmm(cpu['bare'], 2)} |",
        f"| emulator / bare | {mmm(res['ratio_vs_bare'], 2, 'x')} | |",
    ]
