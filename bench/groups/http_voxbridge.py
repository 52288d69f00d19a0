"""The http group's VoxBridge part: `up --dialect voxbridge` against the bare app's VoxBridge routes
(bare_app:voxbridge, bodies captured from this emulator), alternating as for CallingBox:
GET /v1/calls/{id}, GET /v1/calls?limit=25 and POST /v1/calls/outbound."""

from __future__ import annotations

import json
from typing import Any

from common import BENCH, RESULTS, log, mmm, ok, start_emulator, start_uvicorn, wait_http

from groups.alternate import alternate, figures, ratio_row, warm_up

KEY = {"Authorization": "Bearer sk_live_emulator"}
ENDPOINTS = ("get_call", "list_calls", "post_call")
CONTENDERS = ("emulator", "bare")
LABEL = {
    "get_call": "VoxBridge GET /v1/calls/{id}",
    "list_calls": "VoxBridge GET /v1/calls?limit=25",
    "post_call": "VoxBridge POST /v1/calls/outbound",
}
POST_LUA = BENCH / "lua" / "post_outbound.lua"
RATIO_GOAL = 0.85  # issue 15: the VoxBridge dialect within the same ratios
BALANCE = str(10**15)  # milli-cents: each queued call holds credit, and wrk places tens of thousands


def setup(base: str, calls: int = 30) -> str:
    """Some calls to read (the org's default outbound agent places them); the last one's id."""
    call = None
    for _ in range(calls):
        call = ok("POST", f"{base}/v1/calls/outbound", {"to": "5551234567", "metadata": {"bench": "setup"}}, KEY)
    assert call is not None
    return str(call["id"])


def run(opts: dict[str, Any]) -> dict[str, Any]:
    emu = start_emulator("http-vb-emulator", "--dialect", "voxbridge", "--clock", "manual", "--balance", BALANCE)
    procs = [emu]
    try:
        ids = {"emulator": setup(emu.base_url)}
        bodies = {
            "call": ok("GET", f"{emu.base_url}/v1/calls/{ids['emulator']}", headers=KEY),
            "list": ok("GET", f"{emu.base_url}/v1/calls?limit=25", headers=KEY),
        }
        bodies_file = RESULTS / "bare_bodies_voxbridge.json"
        bodies_file.write_text(json.dumps(bodies))
        bare = start_uvicorn("http-vb-bare", "bare_app:voxbridge", env={"BENCH_BARE_BODIES": str(bodies_file)})
        procs.append(bare)
        wait_http(f"{bare.base_url}/v1/calls/x", popen=bare.popen)
        ids["bare"] = ids["emulator"]
        bases = {"emulator": emu.base_url, "bare": bare.base_url}

        def target(c: str, ep: str) -> dict[str, Any]:
            if ep == "get_call":
                return {"url": f"{bases[c]}/v1/calls/{ids[c]}", "headers": KEY}
            if ep == "list_calls":
                return {"url": f"{bases[c]}/v1/calls?limit=25", "headers": KEY}
            return {"url": f"{bases[c]}/v1/calls/outbound", "script": POST_LUA}

        def fresh() -> None:
            ok("POST", f"{emu.base_url}/_emulator/reset", {})
            ids["emulator"] = setup(emu.base_url)

        if not opts.get("quick"):
            log(f"http voxbridge: warm-up ({len(CONTENDERS) * len(ENDPOINTS)} x 1 s)")
            warm_up(target, CONTENDERS, ENDPOINTS, opts["conns"])
        raw = alternate(
            "http voxbridge", target, CONTENDERS, ENDPOINTS, {"emulator": emu.pid, "bare": bare.pid}, opts, fresh
        )
    finally:
        for p in procs:
            p.stop()
    endpoints, commands = figures(raw, CONTENDERS)
    return {
        "body_bytes": {k: len(json.dumps(v)) for k, v in bodies.items()},
        "endpoints": endpoints,
        "commands": commands,
        "targets": [
            ratio_row(f"{LABEL[ep]} >= {RATIO_GOAL:.2f}x bare", endpoints[ep]["ratio_vs_bare"], RATIO_GOAL)
            for ep in ENDPOINTS
        ],
    }


def report(res: dict[str, Any]) -> list[str]:
    lines = [
        "VoxBridge: `callingbox-emulator up --dialect voxbridge --clock manual --balance 10^15` (key "
        "`sk_live_emulator`; POST places calls with the org's default outbound agent, body "
        '`{"to": "5551234567", "metadata": {"bench": "wrk"}}`, `bench/lua/post_outbound.lua`) against '
        "`bare_app:voxbridge` (the same three routes, the same bearer check, bodies captured from this emulator: "
        f"{res['body_bytes']['call']:,} B for a call, {res['body_bytes']['list']:,} B for the list; POST parses "
        "its JSON body); same wrk command, rounds and rotation as above, state reset and rebuilt each round.",
        "",
        "| endpoint | contender | req/s | p50 ms | p99 ms | non-2xx | server CPU µs/req | emulator / bare (req/s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ep in ENDPOINTS:
        d = res["endpoints"][ep]
        for c in CONTENDERS:
            x = d[c]
            lines.append(
                f"| `{LABEL[ep].removeprefix('VoxBridge ')}` | {c} | {mmm(x['rps'])} | {mmm(x['p50_ms'], 2)} | "
                f"{mmm(x['p99_ms'], 2)} | {x['non2xx']:,} of {x['requests']:,} | {mmm(x['cpu_us'])} | "
                + (f"{mmm(d['ratio_vs_bare'], 2, 'x')} |" if c == "emulator" else "|")
            )
    return lines
