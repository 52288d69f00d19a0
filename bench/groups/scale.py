"""Group "scale": latency with 1,000 / 10,000 / 100,000 stored calls, and memory per stored call."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from common import AUTH, BENCH, RESULTS, TREE, free_port, log, mmm, ok, spawn, summary, wait_http, wrk

IDS_LUA = BENCH / "lua" / "ids.lua"
WORKER = BENCH / "workers" / "scale_server.py"
MEMORY = BENCH / "workers" / "memory.py"


def _server(size: int) -> tuple[Any, dict[str, Any]]:
    port = free_port()
    proc = spawn(f"scale-{size}", [sys.executable, str(WORKER), "--port", str(port)], port)
    wait_http(f"{proc.base_url}/_emulator/health", popen=proc.popen)
    filled = ok("POST", f"{proc.base_url}/_bench/populate", {"calls": size, "terminal": True})
    ids_file = RESULTS / f"scale-ids-{size}.txt"
    ids_file.write_text("\n".join(filled["sample_ids"]) + "\n")
    filled["ids_file"] = str(ids_file)
    filled["rss_kib"] = ok("GET", f"{proc.base_url}/_bench/rss")["rss_kib"]
    return proc, filled


def run(opts: dict[str, Any]) -> dict[str, Any]:
    sizes: list[int] = opts["scale_sizes"]
    seconds, rounds = opts["scale_seconds"], opts["rounds"]
    servers: dict[int, Any] = {}
    filled: dict[int, dict[str, Any]] = {}
    raw: dict[str, dict[int, list[dict[str, Any]]]] = {"list": {n: [] for n in sizes}, "get": {n: [] for n in sizes}}
    try:
        for n in sizes:
            log(f"scale: filling a server with {n:,} terminal calls")
            servers[n], filled[n] = _server(n)
            log(f"scale: {n:,} calls in {filled[n]['seconds']:.1f} s, RSS {filled[n]['rss_kib'] / 1024:.0f} MiB")
        for n in sizes:  # warm-up
            wrk(f"{servers[n].base_url}/v1/calls?limit=100", 1, headers=AUTH)
        for r in range(rounds):
            order = sizes[r % len(sizes) :] + sizes[: r % len(sizes)]
            for n in order:
                base = servers[n].base_url
                res = wrk(f"{base}/v1/calls?limit=100", seconds, headers=AUTH, cpu_pid=servers[n].pid)
                raw["list"][n].append(res)
                res2 = wrk(
                    f"{base}/",
                    seconds,
                    script=IDS_LUA,
                    cpu_pid=servers[n].pid,
                    env={"BENCH_IDS_FILE": filled[n]["ids_file"]},
                )
                raw["get"][n].append(res2)
                log(
                    f"scale round {r + 1}/{rounds} {n:>7,} calls: list p99 {res['p99_ms']:.2f} ms "
                    f"({res['rps']:,.0f} req/s), get p99 {res2['p99_ms']:.2f} ms ({res2['rps']:,.0f} req/s)"
                )
    finally:
        for proc in servers.values():
            proc.stop()

    log("scale: memory per call (separate processes)")
    memory = {}
    big = max(sizes)
    for variant in ("queued", "terminal"):
        out = subprocess.run(
            [sys.executable, str(MEMORY), "--base", "1000", "--calls", str(big), "--variant", variant],
            capture_output=True,
            text=True,
            timeout=900,
            env={"BENCH_EMULATOR_TREE": TREE, **__import__("os").environ},
        )
        if out.returncode != 0:
            raise RuntimeError(f"memory worker failed: {out.stderr[-2000:]}")
        memory[variant] = json.loads(out.stdout.strip().splitlines()[-1])
        log(
            f"scale: {variant}: {memory[variant]['rss_bytes_per_call']:.0f} B/call (RSS), "
            f"{memory[variant]['traced_bytes_per_call']:.0f} B/call (tracemalloc)"
        )

    res_out: dict[str, Any] = {
        "sizes": sizes,
        "seconds": seconds,
        "rounds": rounds,
        "memory": memory,
        "fill": {n: {k: v for k, v in filled[n].items() if k != "sample_ids"} for n in sizes},
        "latency": {},
    }
    for kind in ("list", "get"):
        res_out["latency"][kind] = {
            n: {
                "p50_ms": summary(x["p50_ms"] for x in raw[kind][n]),
                "p99_ms": summary(x["p99_ms"] for x in raw[kind][n]),
                "rps": summary(x["rps"] for x in raw[kind][n]),
                "non2xx": sum(x["non2xx"] for x in raw[kind][n]),
                "cpu_us": summary(x["server_cpu_us_per_request"] for x in raw[kind][n]),
                "runs": raw[kind][n],
            }
            for n in sizes
        }
    small = min(sizes)
    targets = []
    for kind, label in (("list", "GET /v1/calls?limit=100"), ("get", "GET /v1/calls/{id}")):
        lat = res_out["latency"][kind]
        ratio = lat[big]["p99_ms"]["median"] / lat[small]["p99_ms"]["median"]
        targets.append(
            {
                "target": f"{label}: p99 at {big:,} calls <= 1.5x p99 at {small:,}",
                "value": ratio,
                "goal": 1.5,
                "pass": ratio <= 1.5,
                "detail": f"median p99 {lat[small]['p99_ms']['median']:.2f} ms -> {lat[big]['p99_ms']['median']:.2f} ms",
            }
        )
    for variant in ("queued", "terminal"):
        m = memory[variant]
        per = max(m["rss_bytes_per_call"], m["traced_bytes_per_call"])
        targets.append(
            {
                "target": f"memory per stored call ({variant}) < 2 KB beyond the first 1,000",
                "value": per,
                "goal": 2048,
                "pass": per < 2048,
                "detail": f"bytes; RSS delta {m['rss_bytes_per_call']:.0f} B, tracemalloc "
                f"{m['traced_bytes_per_call']:.0f} B per call; the larger is judged",
            }
        )
    res_out["targets"] = targets
    return res_out


def report(res: dict[str, Any]) -> list[str]:
    sizes = res["sizes"]
    lines = [
        "One server process per size (`bench/workers/scale_server.py`: the emulator's own `make_server`, so the same "
        "uvicorn + uvloop + httptools stack as `up`, manual clock), filled in-process through the domain services "
        "(`Calls.dispatch`: the same planner, scheduler job, event and credit hold as `POST /v1/calls`, minus HTTP), "
        "then driven to their terminal state by advancing the manual clock, so every stored call has its "
        "transcript, result and billing. Magic numbers cycle: completed, busy, no_answer, voicemail. "
        f"wrk -t1 -c16, {res['seconds']} s per run, {res['rounds']} rounds, sizes alternating within a round. "
        "`GET /v1/calls/{id}` cycles through 1,000 ids spread evenly over the whole store (a wrk Lua script).",
        "",
        "| stored calls | fill time s | RSS after fill MiB | list p50 ms | list p99 ms | list req/s | get p50 ms | get p99 ms | get req/s | non-2xx |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n in sizes:
        key = n if n in res["latency"]["list"] else str(n)
        li, ge = res["latency"]["list"][key], res["latency"]["get"][key]
        fill = res["fill"][key]
        lines.append(
            f"| {n:,} | {fill['seconds']:.1f} | {fill['rss_kib'] / 1024:.0f} | {mmm(li['p50_ms'], 2)} | "
            f"{mmm(li['p99_ms'], 2)} | {mmm(li['rps'])} | {mmm(ge['p50_ms'], 2)} | {mmm(ge['p99_ms'], 2)} | "
            f"{mmm(ge['rps'])} | {li['non2xx'] + ge['non2xx']} |"
        )
    lines += [
        "",
        "Memory per stored call (`bench/workers/memory.py`, its own process each): fill 1,000 calls, "
        "measure, fill up to the large size, measure; (large - small) / (calls added). RSS is VmRSS after "
        "`gc.collect()`; tracemalloc is traced Python allocations in a second, identical process. "
        "*queued*: calls as dispatched (each holds its pending scheduler job); *terminal*: after advancing "
        "the clock until every call ended (transcript segments, generated result, no jobs left).",
        "",
        "| variant | calls | RSS B/call | tracemalloc B/call | RSS small -> large MiB |",
        "| --- | --- | --- | --- | --- |",
    ]
    for variant, m in res["memory"].items():
        lines.append(
            f"| {variant} | {m['base']:,} -> {m['calls']:,} | {m['rss_bytes_per_call']:,.0f} | "
            f"{m['traced_bytes_per_call']:,.0f} | {m['rss_small_kib'] / 1024:.0f} -> {m['rss_large_kib'] / 1024:.0f} |"
        )
    return lines
