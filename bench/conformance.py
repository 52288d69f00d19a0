"""What --conformance strict costs: wrk against two `up` servers, off and strict, side by side.

    python bench/conformance.py                # 3 rounds x 5 s per endpoint and mode
    python bench/conformance.py --rounds 5 --seconds 10

The modes alternate within each round (which one goes first too), each measured as req/s,
p50/p99 latency and the server's CPU time per request (robust to other load on the machine).
The summary goes to stdout and bench/results/conformance-latest.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AUTH, RESULTS, log, ok, start_emulator, summary, wrk  # noqa: E402
from groups.http_api import POST_LUA, setup_emulator  # noqa: E402

MODES = ("off", "strict")
ENDPOINTS = ("get_call", "list_calls", "post_call")


def _target(endpoint: str, base: str, ids: dict[str, str]) -> dict[str, Any]:
    if endpoint == "get_call":
        return {"url": f"{base}/v1/calls/{ids['call_id']}", "headers": AUTH}
    if endpoint == "list_calls":
        return {"url": f"{base}/v1/calls?limit=25", "headers": AUTH}
    return {"url": f"{base}/v1/calls", "script": POST_LUA, "env": {"BENCH_AGENT_ID": ids["agent_id"]}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    servers = {m: start_emulator(f"conformance-{m}", "--clock", "manual", "--conformance", m) for m in MODES}
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {ep: {m: [] for m in MODES} for ep in ENDPOINTS}
    try:
        for server in servers.values():  # warm-up: every schema compiled before measuring
            ids = setup_emulator(server.base_url)
            for ep in ENDPOINTS:
                wrk(**_target(ep, server.base_url, ids), seconds=1)
        for r in range(args.rounds):
            ids = {}
            for m, server in servers.items():
                ok("POST", f"{server.base_url}/_emulator/reset", {})
                ids[m] = setup_emulator(server.base_url)
            order = MODES if r % 2 == 0 else MODES[::-1]
            for ep in ENDPOINTS:
                for m in order:
                    res = wrk(**_target(ep, servers[m].base_url, ids[m]), seconds=args.seconds, cpu_pid=servers[m].pid)
                    raw[ep][m].append(res)
                    log(
                        f"round {r + 1}/{args.rounds} {ep:10} {m:6} {res['rps']:>8,.0f} req/s "
                        f"p50 {res['p50_ms']:.2f} ms p99 {res['p99_ms']:.2f} ms "
                        f"cpu {res['server_cpu_us_per_request']:.0f} us/req non2xx {res['non2xx']}"
                    )
        for m, server in servers.items():
            report = ok("GET", f"{server.base_url}/_emulator/conformance")
            assert report["total"] == 0, f"{m}: violations found under load: {report['data'][:3]}"
    finally:
        for server in servers.values():
            server.stop()
    out: dict[str, Any] = {"rounds": args.rounds, "seconds": args.seconds, "endpoints": {}}
    print("\n| endpoint | mode | req/s (median) | p50 ms | p99 ms | server CPU us/req | strict vs off (CPU) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for ep in ENDPOINTS:
        stats = {
            m: {
                k: summary(x[k] for x in raw[ep][m])["median"]
                for k in ("rps", "p50_ms", "p99_ms", "server_cpu_us_per_request")
            }
            for m in MODES
        }
        out["endpoints"][ep] = stats
        extra = stats["strict"]["server_cpu_us_per_request"] / stats["off"]["server_cpu_us_per_request"] - 1
        for m in MODES:
            s = stats[m]
            cell = f"{extra:+.1%}" if m == "strict" else ""
            print(
                f"| {ep} | {m} | {s['rps']:,.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
                f"{s['server_cpu_us_per_request']:.0f} | {cell} |"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "conformance-latest.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
