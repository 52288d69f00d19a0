"""Group "before_after" (only with --before-tree DIR): the installed emulator against a copy of it
without the perf fixes, alternating in one run: wrk on the HTTP paths, the simulation worker and
the webhook worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from common import (
    BENCH,
    HOST,
    ROOT,
    emulator_cmd,
    free_port,
    log,
    mmm,
    ok,
    spawn,
    start_emulator,
    summary,
    wait_http,
    wrk,
)

from groups.http_api import ENDPOINTS, LABEL, _target, setup_emulator
from groups.start_reset import _start_once

SIDES = ("before", "after")


def _worker(script: str, args: list[str], tree: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(BENCH / "workers" / script), *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "BENCH_EMULATOR_TREE": tree},
    )
    if out.returncode != 0:
        raise RuntimeError(f"{script} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(opts: dict[str, Any]) -> dict[str, Any]:
    before_tree = opts["before_tree"]
    trees = {"before": before_tree, "after": str(ROOT)}
    seconds, rounds = opts["http_seconds"], opts["rounds"]
    procs = {}
    http: dict[str, dict[str, list[dict[str, Any]]]] = {ep: {s: [] for s in SIDES} for ep in ENDPOINTS}
    sim: dict[str, list[dict[str, Any]]] = {s: [] for s in SIDES}
    hooks: dict[str, list[dict[str, Any]]] = {s: [] for s in SIDES}
    procs["before"] = start_emulator("ba-before", "--clock", "manual", tree=before_tree)
    procs["after"] = start_emulator("ba-after", "--clock", "manual")
    port = free_port()
    recv = spawn("ba-receiver", [sys.executable, str(BENCH / "receiver.py"), "--port", str(port)], port)
    try:
        wait_http(f"{recv.base_url}/_records", popen=recv.popen)
        for s in SIDES:
            for ep in ENDPOINTS:
                wrk(**_target("emulator", ep, procs[s].base_url, setup_emulator(procs[s].base_url)), seconds=1)
        for r in range(rounds):
            order = SIDES if r % 2 == 0 else SIDES[::-1]
            for s in SIDES:  # fresh state each round, so POSTed calls do not pile up
                ok("POST", f"{procs[s].base_url}/_emulator/reset", {})
            ids = {s: setup_emulator(procs[s].base_url) for s in SIDES}
            for ep in ENDPOINTS:
                for s in order:
                    res = wrk(
                        **_target("emulator", ep, procs[s].base_url, ids[s]), seconds=seconds, cpu_pid=procs[s].pid
                    )
                    http[ep][s].append(res)
                    log(
                        f"before/after round {r + 1} {ep:10} {s:6} {res['rps']:>8,.0f} req/s "
                        f"{res['server_cpu_us_per_request']:.0f} us/req"
                    )
            for s in order:
                sim[s].append(_worker("simulation.py", ["--calls", str(opts["sim_calls"])], trees[s]))
                hooks[s].append(
                    _worker(
                        "webhooks.py",
                        ["--receiver", recv.base_url, "--events", str(opts["ba_webhook_events"]), "--mode", "paced"],
                        trees[s],
                    )
                )
                log(
                    f"before/after round {r + 1} {s:6} simulation {sim[s][-1]['wall_seconds']:.2f} s, webhooks "
                    f"{hooks[s][-1]['deliveries_per_second']:,.0f}/s"
                )
    finally:
        for p in procs.values():
            p.stop()
        recv.stop()
    starts: dict[str, list[float]] = {s: [] for s in SIDES}
    for i in range(opts["start_runs"]):  # `up` to the first healthy answer, alternating
        for s in SIDES if i % 2 == 0 else SIDES[::-1]:
            port = free_port()
            cmd = [*emulator_cmd(trees[s] if s == "before" else None), "up", "--host", HOST, "--port", str(port)]
            starts[s].append(_start_once(cmd, f"http://{HOST}:{port}/_emulator/health"))
    log(
        f"before/after start-up: before {summary(starts['before'])['median']:.3f} s, "
        f"after {summary(starts['after'])['median']:.3f} s"
    )
    out: dict[str, Any] = {"before_tree": before_tree, "seconds": seconds, "rounds": rounds, "rows": []}

    def row(name: str, unit: str, values: dict[str, list[float]], higher_better: bool, digits: int = 0) -> None:
        b, a = summary(values["before"]), summary(values["after"])
        out["rows"].append(
            {
                "name": name,
                "unit": unit,
                "before": b,
                "after": a,
                "digits": digits,
                "change": (a["median"] / b["median"]) if b["median"] else float("nan"),
                "higher_better": higher_better,
            }
        )

    for ep in ENDPOINTS:
        row(f"`{LABEL[ep]}` (wrk -c16)", "req/s", {s: [x["rps"] for x in http[ep][s]] for s in SIDES}, True)
        row(
            f"`{LABEL[ep]}` server CPU",
            "µs/req",
            {s: [x["server_cpu_us_per_request"] for x in http[ep][s]] for s in SIDES},
            False,
        )
        row(f"`{LABEL[ep]}` p99", "ms", {s: [x["p99_ms"] for x in http[ep][s]] for s in SIDES}, False, 2)
    row(
        f"simulation, {opts['sim_calls']:,} calls to terminal",
        "s wall",
        {s: [x["wall_seconds"] for x in sim[s]] for s in SIDES},
        False,
        2,
    )
    row(
        f"webhooks paced, {opts['ba_webhook_events']:,} events",
        "deliveries/s",
        {s: [x["deliveries_per_second"] for x in hooks[s]] for s in SIDES},
        True,
    )
    row(
        f"webhooks paced, {opts['ba_webhook_events']:,} events, emulator CPU",
        "s",
        {s: [x["emulator_cpu_seconds"] for x in hooks[s]] for s in SIDES},
        False,
        2,
    )
    row(
        "webhooks paced, latency p50",
        "ms",
        {s: [x["latency_first_attempt_ms"]["p50"] for x in hooks[s]] for s in SIDES},
        False,
        1,
    )
    row(f"`up` to first healthy answer ({opts['start_runs']} runs)", "s", starts, False, 3)
    return out


def report(res: dict[str, Any]) -> list[str]:
    lines = [
        f"*before* = the emulator in `--before-tree {res['before_tree']}` (run through `BENCH_EMULATOR_TREE`); "
        "*after* = the installed tree as it is. Both run in the same `run.py` invocation, "
        f"alternating, {res['rounds']} rounds ({res['seconds']} s per wrk run; the simulation and webhook workers "
        "as in groups 3 and 4, paced, 0 % failing).",
        "",
        "| measure | unit | before | after | after / before |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in res["rows"]:
        lines.append(
            f"| {r['name']} | {r['unit']} | {mmm(r['before'], r['digits'])} | {mmm(r['after'], r['digits'])} "
            f"| {r['change']:.2f}x |"
        )
    return lines
