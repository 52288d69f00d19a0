"""Group "start_reset": `callingbox-emulator up` to the first healthy answer (vs Prism), and reset."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from common import (
    AUTH,
    BENCH,
    EMULATOR_CMD,
    HOST,
    PRISM,
    ROOT,
    free_port,
    log,
    mmm,
    ok,
    spawn,
    stop,
    summary,
    wait_http,
)

SCALE = BENCH / "workers" / "scale_server.py"
GOAL = 0.5  # seconds, median, `up` to its first healthy answer (issue 15)


def _start_once(cmd: list[str], url: str, headers: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=str(ROOT)
    )
    try:
        wait_http(url, timeout=60, headers=headers, popen=p, interval=0.005)
        return time.perf_counter() - t0
    finally:
        stop(p)


def run(opts: dict[str, Any]) -> dict[str, Any]:
    n = opts["start_runs"]
    emu_times, prism_times = [], []
    emu_cmd = prism_cmd = ""
    for i in range(n):  # alternate
        port = free_port()
        cmd = [*EMULATOR_CMD, "up", "--host", HOST, "--port", str(port)]
        emu_cmd = " ".join(["callingbox-emulator", *cmd[len(EMULATOR_CMD) :]])
        emu_times.append(_start_once(cmd, f"http://{HOST}:{port}/_emulator/health"))
        if PRISM.exists():
            port = free_port()
            pcmd = [str(PRISM), "mock", str(ROOT / "openapi.yaml"), "-h", HOST, "-p", str(port), "-v", "silent"]
            prism_cmd = f"prism mock openapi.yaml -h {HOST} -p {port} -v silent"
            prism_times.append(_start_once(pcmd, f"http://{HOST}:{port}/v1/calls?limit=1", headers=AUTH))
        log(
            f"start {i + 1}/{n}: emulator {emu_times[-1]:.3f} s"
            + (f", prism {prism_times[-1]:.3f} s" if prism_times else "")
        )

    calls = opts["reset_calls"]
    resets, gcs, freed = [], [], []
    port = free_port()
    proc = spawn("reset-server", [sys.executable, str(SCALE), "--port", str(port)], port)
    try:
        wait_http(f"{proc.base_url}/_emulator/health", popen=proc.popen)
        for r in range(max(3, opts["rounds"])):
            filled = ok("POST", f"{proc.base_url}/_bench/populate", {"calls": calls, "terminal": r % 2 == 1})
            assert filled["stored"] == calls, filled["stored"]
            t0 = time.perf_counter()
            body = ok("POST", f"{proc.base_url}/_emulator/reset", {})
            resets.append(time.perf_counter() - t0)
            assert body["reset"] is True
            listed = ok("GET", f"{proc.base_url}/v1/calls?limit=1", headers=AUTH)
            assert listed["data"] == [], "calls left after reset"
            collected = ok("GET", f"{proc.base_url}/_bench/rss")
            gcs.append(collected["gc_seconds"])
            freed.append(collected["gc_freed"])
            log(
                f"reset {r + 1}: {calls:,} {'terminal' if r % 2 else 'queued'} calls, {resets[-1] * 1000:.1f} ms; "
                f"then gc.collect() {gcs[-1] * 1000:.1f} ms freeing {freed[-1]:,} objects"
            )
    finally:
        proc.stop()
    start = summary(emu_times)
    reset = summary(t * 1000 for t in resets)
    return {
        "runs": n,
        "emulator_seconds": emu_times,
        "prism_seconds": prism_times,
        "emulator": start,
        "prism": summary(prism_times),
        "emulator_command": emu_cmd,
        "prism_command": prism_cmd,
        "reset_calls": calls,
        "reset_ms": reset,
        "reset_runs_ms": [t * 1000 for t in resets],
        "gc_after_reset_ms": summary(t * 1000 for t in gcs),
        "gc_freed_objects": freed,
        "targets": [
            {
                "target": f"`up` to first healthy /_emulator/health, median < {GOAL:g} s",
                "value": start["median"],
                "goal": GOAL,
                "pass": start["median"] < GOAL,
                "detail": f"seconds over {n} runs, min/median/max {start['min']:.3f} / {start['median']:.3f} / {start['max']:.3f}",
            },
        ],
    }


def report(res: dict[str, Any]) -> list[str]:
    lines = [
        f"Start-up: {res['runs']} runs each, emulator and Prism alternating; time from `Popen` to the first answer "
        "below 500, polling every 5 ms (emulator: `GET /_emulator/health`; Prism: `GET /v1/calls?limit=1` with a "
        "bearer header). Commands:",
        "",
        "```",
        res["emulator_command"],
        res["prism_command"] or "(Prism not installed)",
        "```",
        "",
        "| server | start-up s (min / median / max) | runs |",
        "| --- | --- | --- |",
        f"| emulator | {mmm(res['emulator'], 3)} | {', '.join(f'{t:.3f}' for t in res['emulator_seconds'])} |",
    ]
    if res["prism_seconds"]:
        lines.append(
            f"| Prism 5.14.2 | {mmm(res['prism'], 3)} | {', '.join(f'{t:.3f}' for t in res['prism_seconds'])} |"
        )
    lines += [
        "",
        f"Reset: a server (`bench/workers/scale_server.py`, same stack as `up`) filled in-process with "
        f"{res['reset_calls']:,} calls (alternately queued with their pending jobs, and driven to their terminal "
        "state), then `POST /_emulator/reset` over HTTP, timed by the client (urllib, one request); "
        "`GET /v1/calls` is checked empty afterwards.",
        "",
        "| calls stored | reset ms (min / median / max) | runs ms |",
        "| --- | --- | --- |",
        f"| {res['reset_calls']:,} | {mmm(res['reset_ms'], 1)} | {', '.join(f'{t:.1f}' for t in res['reset_runs_ms'])} |",
    ]
    if "gc_after_reset_ms" in res:
        lines += [
            "",
            "The old state is not freed inside the reset: the discarded objects hold a reference cycle "
            "(the old context's event bus subscribes bound methods of services that point back to that "
            "context), so they wait for Python's cyclic garbage collector. A `gc.collect()` right after "
            f"each reset took {mmm(res['gc_after_reset_ms'], 1)} ms and freed "
            f"{', '.join(f'{n:,}' for n in res['gc_freed_objects'])} objects; in `up` that work happens "
            "at the next full collection.",
        ]
    return lines
