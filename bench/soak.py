"""Soak test (not part of CI or the test suite): mixed API load at a steady rate against a live
`callingbox-emulator up` in realtime mode at high speed, ~1,000 calls in flight, webhook receivers
that fail 10 % of the time and sometimes time out, injected API faults; then checks and a summary.

    python bench/soak.py [--seconds 60] [--rate 250] [--speed 50] [--in-flight 1000] [--retain-calls 1000]
                         [--calls-per-second N]

Calls are created to keep --in-flight of them going, or, with --calls-per-second, at that
steady rate (the in-flight target is then ignored); the rest of --rate is reads.

Everything runs on 127.0.0.1 and stops by itself. Exit status 1 when a check fails:
  * no unexpected 5xx (an injected fault's answer says "injected fault"; drops are expected only
    on the route given a drop fault),
  * every call still listed terminal at the end; the server keeps the newest --retain-calls ended
    calls (`up --retain-calls`), so the rest must read 404 (a sample is read) with their deliveries,
  * every event has its delivery rows (one per destination: the agent's webhook URL and an
    account endpoint),
  * every delivery delivered, exhausted, or pending with a future next_attempt_at,
  * the server's VmRSS grows < 10 % over the last half of the load.
The summary is printed and written to bench/results/soak-latest.json (BENCHMARKS.md includes it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import API_KEY, BENCH, RESULTS, cpu_seconds, free_port, log, rss_kib, spawn, start_emulator, wait_http  # noqa: E402
from lean_client import Client, Dropped, Response  # noqa: E402

TERMINAL = {"completed", "no_answer", "busy", "canceled", "failed"}
SCENARIOS = """
scenarios:
  - name: soak-long
    description: A long answered call (about 23 s of wall time at speed 50).
    outcome: completed
    timing: {ring: 20, talk: 1100, extraction: 5}
  - name: soak-voicemail
    outcome: voicemail
    timing: {ring: 30, talk: 600}
  - name: soak-no-answer
    outcome: no_answer
    timing: {ring: 900}
  - name: soak-busy
    outcome: busy
"""
MIX = (("soak-long", 0.7, 1127), ("soak-voicemail", 0.1, 632), ("soak-no-answer", 0.1, 902), ("soak-busy", 0.1, 2))
EXPECTED_EVENTS = {
    "completed": ["call.queued", "call.ringing", "call.answered", "call.completed"],
    "busy": ["call.queued", "call.busy"],
    "no_answer": ["call.queued", "call.ringing", "call.no_answer"],
}
FAULTS = [  # (spec, what a client sees)
    {"path": "/v1/calls/{call_id}", "method": "GET", "status": 503, "retry_after": 1, "rate": 0.02},
    {"path": "/v1/calls", "method": "GET", "latency_ms": 25, "rate": 0.05},
    {"path": "/v1/calls", "method": "POST", "status": 500, "rate": 0.01},
    {"path": "/v1/agents/{agent_id}", "method": "GET", "drop": True, "rate": 0.05},
]
DROP_ROUTE = "get_agent"


class Stats:
    def __init__(self) -> None:
        self.by_route: dict[str, Counter[str]] = defaultdict(Counter)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.unexpected: list[str] = []
        self.sent = 0
        self.skipped = 0

    def record(self, route: str, outcome: str, ms: float) -> None:
        self.by_route[route][outcome] += 1
        self.latency[route].append(ms)


async def call_api(client: Client, stats: Stats, route: str, method: str, url: str, **kw: Any) -> Response | None:
    t0 = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
    except (TimeoutError, Dropped, OSError) as exc:
        ms = (time.perf_counter() - t0) * 1000
        if route == DROP_ROUTE and isinstance(exc, Dropped):
            stats.record(route, "dropped (injected)", ms)
        else:
            stats.record(route, f"error {type(exc).__name__}", ms)
            stats.unexpected.append(f"{method} {url}: {type(exc).__name__}: {exc}")
        return None
    ms = (time.perf_counter() - t0) * 1000
    if r.status_code >= 500:
        injected = "injected fault" in r.text
        stats.record(route, f"{r.status_code} injected" if injected else str(r.status_code), ms)
        if not injected:
            stats.unexpected.append(f"{method} {url}: {r.status_code} {r.text[:200]}")
        return None
    stats.record(route, str(r.status_code), ms)
    return r


async def run(args: argparse.Namespace) -> dict[str, Any]:
    ports = [free_port(), free_port()]
    receivers = [
        spawn(
            f"soak-receiver-{i}",
            [
                sys.executable,
                str(BENCH / "receiver.py"),
                "--port",
                str(p),
                "--fail-rate",
                "0.10",
                "--slow-rate",
                "0.03",
                "--slow-seconds",
                str(args.webhook_timeout * 2),
                "--seed",
                str(i + 1),
            ],
            p,
        )
        for i, p in enumerate(ports)
    ]
    emu = None
    try:
        for rc in receivers:
            wait_http(f"{rc.base_url}/_records", popen=rc.popen)
        emu = start_emulator(
            "soak-emulator",
            "--speed",
            str(args.speed),
            "--retain-calls",
            str(args.retain_calls),
            env={"CALLINGBOX_EMULATOR_WEBHOOK_TIMEOUT": str(args.webhook_timeout)},
        )
        base = emu.base_url
        client = Client(base, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)
        try:
            return await soak(args, client, emu, receivers)
        finally:
            await client.aclose()
    finally:
        if emu is not None:
            emu.stop()
        for rc in receivers:
            rc.stop()


async def soak(args: argparse.Namespace, client: Client, emu: Any, receivers: list[Any]) -> dict[str, Any]:
    async def ok(method: str, url: str, **kw: Any) -> Any:
        r = await client.request(method, url, **kw)
        assert r.status_code < 300, f"{method} {url} -> {r.status_code} {r.text[:300]}"
        return r.json()

    async def status_of(url: str) -> int:
        return (await client.request("GET", url)).status_code

    org = (await ok("GET", "/_emulator/orgs"))["data"][0]
    await ok("PATCH", f"/_emulator/orgs/{org['id']}", json_body={"balance_milli_cents": 10**15})
    await ok("POST", "/_emulator/scenarios", content=SCENARIOS.encode(), headers={"Content-Type": "application/yaml"})
    found = (await ok("GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1}))[0]
    number = await ok("POST", "/v1/numbers/purchase", json_body={"phone_number": found["phone_number"]})
    agent = await ok(
        "POST",
        "/v1/agents",
        json_body={
            "name": "Soak",
            "type": "outbound",
            "number_ids": [number["id"]],
            "webhook_url": f"{receivers[0].base_url}/hook",
            "returns": {"confirmed": "boolean"},
        },
    )
    await ok(
        "POST", "/v1/webhook_endpoints", json_body={"url": f"{receivers[1].base_url}/endpoint", "enabled_events": ["*"]}
    )
    probe = await client.request("GET", "/_emulator/faults")
    faults_note = None
    if probe.status_code == 404:
        faults_note = "POST /_emulator/faults does not exist in this build: fault injection skipped"
        print(f"note: {faults_note}")
    else:
        for spec in FAULTS:
            await ok("POST", "/_emulator/faults", json_body=spec)

    stats = Stats()
    rng = random.Random(7)
    call_ids: list[str] = []
    ends: list[float] = []  # expected wall end of each dispatched call
    inflight_tasks: set[asyncio.Task[Any]] = set()
    rss: list[tuple[float, int]] = []
    dispatched = Counter()

    async def dispatch() -> None:
        name = rng.choices([m[0] for m in MIX], [m[1] for m in MIX])[0]
        lifetime = dict((m[0], m[2]) for m in MIX)[name] / args.speed
        ends.append(time.monotonic() + lifetime)  # counted in flight from the request on
        r = await call_api(
            client,
            stats,
            "create_call",
            "POST",
            "/v1/calls",
            json_body={"agent_id": agent["id"], "to": "+14155550100", "metadata": {"soak": True}},
            headers={"CallingBox-Emulator-Scenario": name},
        )
        if r is not None and r.status_code == 201:
            call_ids.append(r.json()["id"])
            dispatched[name] += 1
        else:
            ends[-1] = 0.0

    def read() -> Any:
        pick = rng.random()
        cid = rng.choice(call_ids) if call_ids else None
        if cid is None or pick < 0.25:
            return call_api(client, stats, "list_calls", "GET", "/v1/calls", params={"limit": 25})
        if pick < 0.60:
            return call_api(client, stats, "get_call", "GET", f"/v1/calls/{cid}")
        if pick < 0.75:
            return call_api(client, stats, "list_deliveries", "GET", "/v1/webhook_deliveries", params={"call_id": cid})
        if pick < 0.85:
            return call_api(client, stats, "transcript", "GET", f"/v1/calls/{cid}/transcript")
        if pick < 0.95:
            return call_api(client, stats, DROP_ROUTE, "GET", f"/v1/agents/{agent['id']}")
        return call_api(client, stats, "health", "GET", "/_emulator/health")

    def launch(coro: Any) -> None:
        """Open loop: a request is sent on schedule, or counted as skipped when the client
        already has ``concurrency`` requests waiting (the server is not keeping up)."""
        if len(inflight_tasks) >= args.concurrency:
            stats.skipped += 1
            coro.close()
            return
        task = asyncio.create_task(coro)
        inflight_tasks.add(task)
        task.add_done_callback(inflight_tasks.discard)
        stats.sent += 1

    log(f"soak: {args.seconds} s at {args.rate} req/s, speed {args.speed}, target {args.in_flight} calls in flight")
    start = last = last_post = time.monotonic()
    tick = 0.01
    credit = call_credit = 0.0
    cpu_server0, cpu_client0 = cpu_seconds(emu.pid), time.process_time()
    calls_at: list[tuple[float, int]] = []  # (seconds into the load, calls dispatched so far)
    next_rss = start
    peak_in_flight = 0
    in_flight_samples: list[int] = []
    while (now := time.monotonic()) - start < args.seconds:
        if now >= next_rss:
            rss.append((now - start, rss_kib(emu.pid)))
            calls_at.append((now - start, len(call_ids)))
            next_rss += 1.0
            live = sum(1 for e in ends if e > now)
            in_flight_samples.append(live)
            peak_in_flight = max(peak_in_flight, live)
        credit += args.rate * (now - last)  # by elapsed time: a slow loop turn sends more next turn
        last = now
        if args.calls_per_second:  # a steady call rate, within the request budget
            call_credit += args.calls_per_second * (now - last_post)
            last_post = now
            n_post = min(int(call_credit), int(credit))
            call_credit -= n_post
        else:
            live = sum(1 for e in ends[-3 * args.in_flight :] if e > now)
            want = max(0, args.in_flight - live)
            ramp = max(1, int(args.rate * tick * 0.8))  # at most 80 % of the budget goes to POSTs
            n_post = min(want, ramp, int(credit))
        for _ in range(n_post):
            launch(dispatch())
        credit -= n_post
        while credit >= 1:
            launch(read())
            credit -= 1
        await asyncio.sleep(max(0.0, start + (int((now - start) / tick) + 1) * tick - time.monotonic()))
    load_seconds = time.monotonic() - start
    rss.append((load_seconds, rss_kib(emu.pid)))
    calls_at.append((load_seconds, len(call_ids)))
    cpu = {
        "server_cpu_seconds": cpu_seconds(emu.pid) - cpu_server0,
        "client_cpu_seconds": time.process_time() - cpu_client0,
    }
    if inflight_tasks:
        await asyncio.gather(*list(inflight_tasks), return_exceptions=True)
    log(f"soak: load done ({stats.sent:,} requests sent, {stats.skipped} skipped); draining")

    # Drain: run the clock fast until every call has ended, then freeze it and settle the webhooks.
    if faults_note is None:
        await ok("DELETE", "/_emulator/faults")
    await ok("POST", "/_emulator/clock", json_body={"mode": "realtime", "speed": 5000})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = await ok("GET", "/v1/calls", params={"limit": 100})
        if all(c["status"] in TERMINAL for c in page["data"]):
            await asyncio.sleep(0.5)
            break
        await asyncio.sleep(0.2)
    await ok("POST", "/_emulator/clock", json_body={"mode": "manual"})
    await ok("POST", "/_emulator/clock/advance", json_body={"seconds": 0})  # runs what is due, waits for attempts
    clock = await ok("GET", "/_emulator/clock")
    now_virtual = clock["unix"]
    doc = await verify(
        args,
        ok,
        status_of,
        stats,
        call_ids,
        dispatched,
        rss,
        load_seconds,
        now_virtual,
        faults_note,
        peak_in_flight,
        in_flight_samples,
    )
    doc.update(cpu)
    # What the last half's growth amounts to per call dispatched in it (retained state: the call,
    # its event snapshots and delivery rows), to tell state from a leak.
    mid_t = load_seconds / 2
    mid_rss = next((k for t, k in rss if t >= mid_t), rss[-1][1])
    mid_calls = next((n for t, n in calls_at if t >= mid_t), calls_at[-1][1])
    added = len(call_ids) - mid_calls
    doc["last_half"] = {
        "calls_added": added,
        "rss_added_mib": (rss[-1][1] - mid_rss) / 1024,
        "rss_bytes_per_call_added": (rss[-1][1] - mid_rss) * 1024 / added if added else None,
        "delivery_rows_per_call": doc["checks"]["every event has its delivery rows"]["rows"]
        / max(1, doc["checks"]["every call terminal"]["calls"]),
    }  # of the calls kept
    return doc


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def verify(
    args: argparse.Namespace,
    ok: Any,
    status_of: Any,
    stats: Stats,
    call_ids: list[str],
    dispatched: Counter,
    rss: list[tuple[float, int]],
    load_seconds: float,
    now_virtual: float,
    faults_note: str | None,
    peak_in_flight: int,
    in_flight_samples: list[int],
) -> dict[str, Any]:
    checks: dict[str, dict[str, Any]] = {}
    # Every call terminal (all pages).
    calls: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = await ok("GET", "/v1/calls", params={"limit": 100, **({"starting_after": after} if after else {})})
        calls.update((c["id"], c) for c in page["data"])
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    statuses = Counter(c["status"] for c in calls.values())
    not_terminal = [cid for cid, c in calls.items() if c["status"] not in TERMINAL]
    pruned = [cid for cid in call_ids if cid not in calls]
    unknown = [cid for cid in calls if cid not in set(call_ids)]
    expected_pruned = max(0, len(call_ids) - args.retain_calls) if args.retain_calls else 0
    sample = pruned[:: max(1, len(pruned) // 50)][:50]
    still_there = [cid for cid in sample if await status_of(f"/v1/calls/{cid}") != 404]
    checks["every call terminal"] = {
        "pass": not not_terminal and not unknown,
        "calls": len(calls),
        "not_terminal": len(not_terminal),
        "statuses": dict(statuses),
    }
    # Retention: the newest ended calls are kept (a call waits aside while a webhook is still owed).
    checks["retention keeps the newest N ended calls, the rest read 404"] = {
        "pass": len(pruned) <= expected_pruned
        and (not args.retain_calls or len(calls) >= args.retain_calls or not pruned)
        and not still_there,
        "retain_calls": args.retain_calls,
        "kept": len(calls),
        "pruned": len(pruned),
        "pruned_sample_read": len(sample),
        "pruned_but_readable": len(still_there),
    }
    # Every event has its delivery rows; every row delivered / exhausted / pending in the future.
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = await ok(
            "GET", "/v1/webhook_deliveries", params={"limit": 200, **({"starting_after": after} if after else {})}
        )
        rows += page["data"]
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    history = (await ok("GET", "/_emulator/events", params={"limit": 10000}))["data"]
    events_by_call: dict[str, list[str]] = defaultdict(list)
    for e in history:
        events_by_call[e["call_id"]].append(e["type"])
    rows_by_call: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for row in rows:
        dest = "endpoint" if row.get("endpoint_id") else "inline"
        rows_by_call[row["call_id"]][(row["event_type"], dest)] += 1
    missing_rows, from_history, derived = [], 0, 0
    for cid, call in calls.items():
        seen = events_by_call.get(cid, [])
        if seen and seen[0] == "call.queued":
            expected, from_history = seen, from_history + 1
        else:
            expected, derived = EXPECTED_EVENTS.get(call["status"], []), derived + 1
        for etype in expected:
            for dest in ("inline", "endpoint"):
                if rows_by_call[cid][(etype, dest)] != 1:
                    missing_rows.append(f"{cid} {etype} {dest}: {rows_by_call[cid][(etype, dest)]} rows")
    checks["every event has its delivery rows"] = {
        "pass": not missing_rows,
        "rows": len(rows),
        "problems": missing_rows[:10],
        "problem_count": len(missing_rows),
        "calls_checked_against_event_history": from_history,
        "calls_checked_against_their_lifecycle": derived,
    }
    row_status = Counter(r["status"] for r in rows)
    stale = [r["id"] for r in rows if r["status"] == "pending" and _ts(r["next_attempt_at"]) <= now_virtual]
    bad = [r["id"] for r in rows if r["status"] not in ("delivered", "pending", "exhausted")]
    checks["every delivery delivered, retrying on schedule or exhausted"] = {
        "pass": not stale and not bad,
        "statuses": dict(row_status),
        "pending_not_in_future": len(stale),
        "unknown_status": len(bad),
        "attempts_failed": sum(1 for r in rows if r["attempt_count"] > 1),
    }
    # No unexpected 5xx or transport errors.
    checks["no unexpected 5xx"] = {
        "pass": not stats.unexpected,
        "count": len(stats.unexpected),
        "examples": stats.unexpected[:5],
    }
    # Memory over the last half of the load.
    mid = next((kib for t, kib in rss if t >= load_seconds / 2), rss[-1][1])
    end = rss[-1][1]
    growth = (end - mid) / mid
    checks["server RSS growth < 10 % over the last half"] = {
        "pass": growth < 0.10,
        "rss_mid_mib": mid / 1024,
        "rss_end_mib": end / 1024,
        "growth_percent": growth * 100,
    }
    total = sum(sum(c.values()) for c in stats.by_route.values())
    p = {route: _pcts(v) for route, v in stats.latency.items()}
    return {
        "seconds": args.seconds,
        "retain_calls": args.retain_calls,
        "target_rate": args.rate,
        "concurrency": args.concurrency,
        "speed": args.speed,
        "in_flight_target": args.in_flight,
        "calls_per_second_target": args.calls_per_second,
        "calls_per_second": len(call_ids) / load_seconds,
        "webhook_timeout": args.webhook_timeout,
        "load_seconds": load_seconds,
        "requests": total,
        "achieved_rate": total / load_seconds,
        "skipped": stats.skipped,
        "calls_dispatched": len(call_ids),
        "dispatched_by_scenario": dict(dispatched),
        "peak_in_flight": peak_in_flight,
        "median_in_flight_last_half": sorted(in_flight_samples[len(in_flight_samples) // 2 :])[
            len(in_flight_samples[len(in_flight_samples) // 2 :]) // 2
        ]
        if in_flight_samples
        else 0,
        "by_route": {k: dict(v) for k, v in stats.by_route.items()},
        "latency_ms": p,
        "faults": None if faults_note else FAULTS,
        "faults_note": faults_note,
        "rss_mib": [(round(t, 1), round(k / 1024, 1)) for t, k in rss],
        "checks": checks,
        "pass": all(c["pass"] for c in checks.values()),
    }


def _pcts(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    if not v:
        return {}
    return {"p50": v[len(v) // 2], "p99": v[min(len(v) - 1, int(len(v) * 0.99))], "max": v[-1]}


def report(doc: dict[str, Any]) -> list[str]:
    lines = [
        f"Ran {doc.get('ran_at', '?')}: `python bench/soak.py --seconds {doc['seconds']} --rate {doc['target_rate']} "
        f"--speed {doc['speed']} --in-flight {doc['in_flight_target']} --retain-calls {doc.get('retain_calls', 0)}"
        f"{' --calls-per-second ' + format(doc['calls_per_second_target'], 'g') if doc.get('calls_per_second_target') else ''}` "
        f"against `callingbox-emulator up --speed {doc['speed']} --retain-calls {doc.get('retain_calls', 0)}` "
        f"(realtime clock) with `CALLINGBOX_EMULATOR_WEBHOOK_TIMEOUT={doc['webhook_timeout']:g}`. "
        "Two receiver processes (`bench/receiver.py`): one is the agent's webhook URL, one an account webhook "
        "endpoint; each answers 500 to a seeded 10 % of requests and lets 3 % wait twice the webhook timeout. "
        "Calls use loaded scenarios (70 % a ~23 s answered call, 10 % voicemail, 10 % ring-out, 10 % busy). "
        "After the load: faults cleared, clock at speed 5000 until every call ended, then manual and "
        "`advance 0` to settle in-flight attempts; then the checks.",
        "",
        f"- requests: {doc['requests']:,} in {doc['load_seconds']:.1f} s = **{doc['achieved_rate']:.0f} req/s** "
        f"(target {doc['target_rate']}; {doc['skipped']} skipped because {doc.get('concurrency', 64)} were already "
        "in flight)",
        f"- calls dispatched: {doc['calls_dispatched']:,} = **{doc['calls_dispatched'] / doc['load_seconds']:.1f} calls/s** "
        f"{doc['dispatched_by_scenario']}; calls in flight (estimated from each call's scenario duration): peak "
        f"{doc['peak_in_flight']:,}, median over the last half {doc['median_in_flight_last_half']:,}",
        f"- faults: {doc['faults_note'] or '; '.join(json.dumps(f) for f in doc['faults'])}",
        f"- CPU during the load: server {doc['server_cpu_seconds']:.1f} s, load generator {doc['client_cpu_seconds']:.1f} s "
        f"(of {doc['load_seconds']:.0f} s x 2 cores)",
        f"- server RSS (MiB), every 5 s: {', '.join(str(m) for _, m in doc['rss_mib'][::5])}",
        f"- last half of the load: {doc['last_half']['calls_added']:,} calls added (each with "
        f"{doc['last_half']['delivery_rows_per_call']:.1f} delivery rows and its event snapshots; the server keeps the "
        f"newest {doc.get('retain_calls', 0) or 'all'} ended calls), RSS "
        f"+{doc['last_half']['rss_added_mib']:.1f} MiB = {(doc['last_half']['rss_bytes_per_call_added'] or 0) / 1024:.1f} "
        "KiB per call added",
        "",
        "| route | outcomes | p50 ms | p99 ms |",
        "| --- | --- | --- | --- |",
    ]
    for route, outcomes in sorted(doc["by_route"].items()):
        lat = doc["latency_ms"].get(route, {})
        lines.append(
            f"| {route} | {', '.join(f'{k}: {v:,}' for k, v in sorted(outcomes.items()))} | "
            f"{lat.get('p50', float('nan')):.1f} | {lat.get('p99', float('nan')):.1f} |"
        )
    lines += ["", "| check | result | details |", "| --- | --- | --- |"]
    for name, c in doc["checks"].items():
        details = {k: v for k, v in c.items() if k != "pass"}
        lines.append(f"| {name} | {'PASS' if c['pass'] else '**FAIL**'} | `{json.dumps(details, default=str)[:400]}` |")
    lines += ["", f"Overall: **{'PASS' if doc['pass'] else 'FAIL'}**."]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=int, default=250, help="requests per second (>= 200)")
    parser.add_argument("--speed", type=float, default=50)
    parser.add_argument("--in-flight", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    parser.add_argument("--webhook-timeout", type=float, default=1.0)
    parser.add_argument("--results", default="soak-latest.json", help="file name under bench/results/")
    parser.add_argument(
        "--calls-per-second",
        type=float,
        default=0,
        help="create calls at this steady rate (part of --rate) instead of keeping --in-flight going",
    )
    parser.add_argument(
        "--retain-calls",
        type=int,
        default=1000,
        help="the server's `up --retain-calls` (ended calls kept per org; 0 = all)",
    )
    args = parser.parse_args()
    if args.calls_per_second and args.calls_per_second >= args.rate:
        parser.error("--calls-per-second must be below --rate (the rest of the requests are reads)")
    try:
        import uvloop

        doc = uvloop.run(run(args))
    except ImportError:
        doc = asyncio.run(run(args))
    doc["ran_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.results).write_text(json.dumps(doc, indent=1, default=str))
    print("\n".join(report(doc)))
    return 0 if doc["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
