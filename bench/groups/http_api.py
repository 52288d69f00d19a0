"""Group "http": wrk against the emulator, the bare stack and Prism, alternating, several rounds;
then POST /v1/calls against a server already holding 100,000 calls (the scale group's server);
then the same three paths under the VoxBridge dialect (groups/http_voxbridge.py) and the event
stream (groups/http_stream.py), each against its bare counterpart."""

from __future__ import annotations

import json
import sys
from typing import Any

from common import (
    AUTH,
    BENCH,
    PRISM,
    RESULTS,
    free_port,
    log,
    mmm,
    ok,
    spawn,
    start_emulator,
    start_prism,
    start_uvicorn,
    summary,
    wait_http,
    wrk,
)

from groups.alternate import alternate, figures, ratio_row, warm_up

ENDPOINTS = ("get_call", "list_calls", "post_call")
CONTENDERS = ("emulator", "bare", "prism")
LABEL = {"get_call": "GET /v1/calls/{id}", "list_calls": "GET /v1/calls?limit=25", "post_call": "POST /v1/calls"}
POST_LUA = BENCH / "lua" / "post_call.lua"
PRISM_AGENT = "6b0d549b-6f03-475a-9600-a35a099950d8"
PRISM_CALL = "0e7a3b8e-3c1f-4a55-9d7e-7d6f0c1e2a10"
SCALE_WORKER = BENCH / "workers" / "scale_server.py"
STORED = 100_000  # calls already stored for the POST p99 run
RATIO_GOAL = 0.85  # emulator req/s / bare req/s, per endpoint (issue 15)
P99_GOAL = 2.0  # POST p99 with STORED calls / bare POST p99
CONNS = 16  # wrk connections


def setup_emulator(base: str, calls: int = 30) -> dict[str, str]:
    """An agent with a number, a huge balance, and some calls to read (all over HTTP)."""
    org_id = ok("GET", f"{base}/_emulator/orgs")["data"][0]["id"]
    ok("PATCH", f"{base}/_emulator/orgs/{org_id}", {"balance_milli_cents": 10**15})
    found = ok("GET", f"{base}/v1/numbers/available?area_code=415&limit=1", headers=AUTH)[0]
    number = ok("POST", f"{base}/v1/numbers/purchase", {"phone_number": found["phone_number"]}, headers=AUTH)
    agent = ok(
        "POST", f"{base}/v1/agents", {"name": "Bench", "type": "outbound", "number_ids": [number["id"]]}, headers=AUTH
    )
    call = None
    for _ in range(calls):
        call = ok("POST", f"{base}/v1/calls", {"agent_id": agent["id"], "to": "+15005550006"}, headers=AUTH)
    assert call is not None
    return {"agent_id": agent["id"], "call_id": call["id"]}


def _target(contender: str, endpoint: str, base: str, ids: dict[str, str]) -> dict[str, Any]:
    if endpoint == "get_call":
        return {"url": f"{base}/v1/calls/{ids['call_id']}", "headers": AUTH}
    if endpoint == "list_calls":
        return {"url": f"{base}/v1/calls?limit=25", "headers": AUTH}
    return {"url": f"{base}/v1/calls", "script": POST_LUA, "env": {"BENCH_AGENT_ID": ids["agent_id"]}}


def run(opts: dict[str, Any]) -> dict[str, Any]:
    from groups import http_stream, http_voxbridge  # they build on this module's setup

    opts = {**opts, "conns": CONNS}
    # Prism is optional (npm install in bench/): without it the run compares emulator and bare only.
    contenders = CONTENDERS if PRISM.exists() else tuple(c for c in CONTENDERS if c != "prism")
    emu = start_emulator("http-emulator", "--clock", "manual")
    procs = [emu]
    try:
        ids = {"emulator": setup_emulator(emu.base_url)}
        # The bare app serves bodies of the same size as the emulator's.
        bodies = {
            "call": ok("GET", f"{emu.base_url}/v1/calls/{ids['emulator']['call_id']}", headers=AUTH),
            "list": ok("GET", f"{emu.base_url}/v1/calls?limit=25", headers=AUTH),
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        bodies_file = RESULTS / "bare_bodies.json"
        bodies_file.write_text(json.dumps(bodies))
        bare = start_uvicorn("http-bare", "bare_app:app", env={"BENCH_BARE_BODIES": str(bodies_file)})
        procs.append(bare)
        wait_http(f"{bare.base_url}/v1/calls/x", popen=bare.popen)
        bases = {"emulator": emu.base_url, "bare": bare.base_url}
        pids = {"emulator": emu.pid, "bare": bare.pid}
        if "prism" in contenders:
            prism = start_prism("http-prism")
            procs.append(prism)
            wait_http(f"{prism.base_url}/v1/calls/{PRISM_CALL}", headers=AUTH, popen=prism.popen, timeout=60)
            bases["prism"], pids["prism"] = prism.base_url, prism.pid
        ids["bare"] = {"agent_id": PRISM_AGENT, "call_id": ids["emulator"]["call_id"]}
        ids["prism"] = {"agent_id": PRISM_AGENT, "call_id": PRISM_CALL}
        sizes = {k: len(json.dumps(v)) for k, v in bodies.items()}

        def target(c: str, ep: str) -> dict[str, Any]:
            return _target(c, ep, bases[c], ids[c])

        def fresh() -> None:  # fresh emulator state each round, so POSTed calls do not pile up across rounds
            ok("POST", f"{emu.base_url}/_emulator/reset", {})
            ids["emulator"] = setup_emulator(emu.base_url)

        if not opts.get("quick"):
            log(f"http: warm-up ({len(contenders) * len(ENDPOINTS)} x 1 s)")
            warm_up(target, contenders, ENDPOINTS, CONNS)
        raw = alternate("http", target, contenders, ENDPOINTS, pids, opts, fresh)
        for p in procs:  # the 100,000-call server, the other dialect and the stream run alone
            p.stop()
        procs = []
        stored = _post_with_stored(opts, opts["http_seconds"], opts["rounds"], CONNS)
        voxbridge = http_voxbridge.run(opts)
        stream = http_stream.run(opts)
    finally:
        for p in procs:
            p.stop()

    endpoints, commands = figures(raw, contenders)
    out: dict[str, Any] = {
        "seconds": opts["http_seconds"],
        "rounds": opts["rounds"],
        "connections": CONNS,
        "contenders": list(contenders),
        "body_bytes": sizes,
        "commands": commands,
        "endpoints": endpoints,
        "voxbridge": voxbridge,
        "stream": stream,
    }
    e = out["endpoints"]
    out["stored"] = {
        "calls": stored["calls"],
        "fill_seconds": stored["fill_seconds"],
        "p99_ms": summary(x["p99_ms"] for x in stored["runs"]),
        "p50_ms": summary(x["p50_ms"] for x in stored["runs"]),
        "rps": summary(x["rps"] for x in stored["runs"]),
        "non2xx": sum(x["non2xx"] for x in stored["runs"]),
        "runs": stored["runs"],
    }
    bare_p99 = e["post_call"]["bare"]["p99_ms"]["median"]
    stored_p99 = out["stored"]["p99_ms"]["median"]
    out["targets"] = [
        ratio_row(f"{LABEL[ep]} >= {RATIO_GOAL:.2f}x bare", e[ep]["ratio_vs_bare"], RATIO_GOAL) for ep in ENDPOINTS
    ]
    out["targets"] += [
        {
            "target": f"POST /v1/calls p99 with {stored['calls']:,} calls stored <= {P99_GOAL:g}x bare p99",
            "value": stored_p99 / bare_p99 if bare_p99 else float("inf"),
            "goal": P99_GOAL,
            "pass": bool(bare_p99) and stored_p99 / bare_p99 <= P99_GOAL,
            "detail": f"median p99 {stored_p99:.2f} ms vs bare {bare_p99:.2f} ms",
        },
    ]
    out["targets"] += voxbridge["targets"] + stream["targets"]
    for ep, name, goal in (
        ("get_call", "GET /v1/calls/{id} >= 3x Prism", 3.0),
        ("post_call", "POST /v1/calls >= 1.5x Prism", 1.5),
    ):
        if "prism" in contenders:
            out["targets"].append(ratio_row(name, e[ep]["ratio_vs_prism"], goal))
        else:  # Prism is optional: the row stays, marked as not run
            out["targets"].append(
                {
                    "target": name,
                    "value": float("nan"),
                    "goal": goal,
                    "pass": None,
                    "not_run": True,
                    "detail": f"Prism not installed: {PRISM.relative_to(BENCH.parent)} (npm install in bench/)",
                }
            )
    return out


def _post_with_stored(opts: dict[str, Any], seconds: float, rounds: int, conns: int) -> dict[str, Any]:
    """POST /v1/calls against the scale group's server once it holds STORED terminal calls."""
    calls = 2_000 if opts.get("quick") else STORED
    port = free_port()
    proc = spawn(f"http-stored-{calls}", [sys.executable, str(SCALE_WORKER), "--port", str(port)], port)
    try:
        wait_http(f"{proc.base_url}/_emulator/health", popen=proc.popen)
        log(f"http: filling a server with {calls:,} terminal calls")
        filled = ok("POST", f"{proc.base_url}/_bench/populate", {"calls": calls, "terminal": True})
        runs = []
        for r in range(rounds):
            res = wrk(
                f"{proc.base_url}/v1/calls",
                seconds,
                connections=conns,
                script=POST_LUA,
                env={"BENCH_AGENT_ID": filled["agent_id"]},
                cpu_pid=proc.pid,
            )
            runs.append(res)
            log(
                f"http round {r + 1}/{rounds} post_call with {calls:,} stored: {res['rps']:,.0f} req/s "
                f"p50 {res['p50_ms']:.2f} ms p99 {res['p99_ms']:.2f} ms non2xx {res['non2xx']}"
            )
    finally:
        proc.stop()
    return {"calls": calls, "fill_seconds": filled["seconds"], "runs": runs}


def report(res: dict[str, Any]) -> list[str]:
    contenders = res.get("contenders", CONTENDERS)
    lines = [
        f"wrk, 1 thread, {res['connections']} connections, {res['seconds']} s per run, {res['rounds']} rounds; "
        "in each round every contender runs each endpoint back to back (order rotated per round) after a 1 s "
        "warm-up each. Figures: min / **median** / max over the rounds. Emulator: `callingbox-emulator up "
        "--clock manual` (one uvicorn worker, uvloop+httptools, access log off), state reset and rebuilt over "
        "HTTP before each round. Bare: `bench/bare_app.py` under `uvicorn --workers 1 --loop uvloop --http "
        "httptools --no-access-log`, answering bodies of the same size rendered to bytes once at start "
        f"({res['body_bytes']['call']:,} B for a call, {res['body_bytes']['list']:,} B for the list) with the same "
        "bearer check. "
        + (
            "Prism: `prism mock openapi.yaml -p PORT -v silent` (static examples)."
            if "prism" in contenders
            else "Prism: not installed here, not run."
        ),
        "",
        "| endpoint | contender | req/s | p50 ms | p99 ms | non-2xx | socket errors | server CPU µs/req |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ep in ENDPOINTS:
        for c in contenders:
            d = res["endpoints"][ep][c]
            lines.append(
                f"| `{LABEL[ep]}` | {c} | {mmm(d['rps'])} | {mmm(d['p50_ms'], 2)} | {mmm(d['p99_ms'], 2)} "
                f"| {d['non2xx']:,} of {d['requests']:,} | {d['socket_errors']} | {mmm(d['cpu_us'])} |"
            )
    lines += [
        "",
        "| endpoint | emulator / bare (req/s) | p99 ms emulator vs bare (median) | emulator / Prism (req/s) |",
        "| --- | --- | --- | --- |",
    ]
    for ep in ENDPOINTS:
        d = res["endpoints"][ep]
        lines.append(
            f"| `{LABEL[ep]}` | {mmm(d['ratio_vs_bare'], 2, 'x')} | {d['emulator']['p99_ms']['median']:.2f} vs "
            f"{d['bare']['p99_ms']['median']:.2f} | "
            + (f"{mmm(d['ratio_vs_prism'], 2, 'x')} |" if "ratio_vs_prism" in d else "(Prism not run) |")
        )
    st = res.get("stored")
    if st:
        lines += [
            "",
            f"POST /v1/calls with {st['calls']:,} terminal calls already stored (`bench/workers/scale_server.py`, "
            f"filled in-process in {st['fill_seconds']:.0f} s, then alone on the machine; same wrk command, "
            f"{res['rounds']} runs): {mmm(st['rps'])} req/s, p50 {mmm(st['p50_ms'], 2)} ms, "
            f"p99 {mmm(st['p99_ms'], 2)} ms, non-2xx {st['non2xx']}; bare POST p99 (above) "
            f"{res['endpoints']['post_call']['bare']['p99_ms']['median']:.2f} ms.",
        ]
    if "voxbridge" in res:
        from groups import http_voxbridge

        lines += ["", *http_voxbridge.report(res["voxbridge"])]
    if "stream" in res:
        from groups import http_stream

        lines += ["", *http_stream.report(res["stream"])]
    load = summary(x for ep in ENDPOINTS for c in contenders for x in [res["endpoints"][ep][c]["loadavg"]["median"]])
    lines += [
        "",
        "Server CPU µs/req is the server process' user+system CPU time over the run divided by the "
        "requests wrk completed: it does not depend on what else ran on the machine, unlike req/s. "
        f"1-minute load average before the runs: {mmm(load, 1)} (2 cores; wrk + server alone make ~2).",
        "",
        "Commands (ports vary per run):",
        "",
        "```",
    ]
    lines += [f"{k}: {v}" for k, v in res["commands"].items()]
    lines += [f"voxbridge {k}: {v}" for k, v in res.get("voxbridge", {}).get("commands", {}).items()]
    lines += ["```"]
    return lines
