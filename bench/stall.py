"""Event-loop stall while the state file is saved (not part of CI or run.py).

    python bench/stall.py [--calls 10000] [--seconds 20] [--interval 2] [--tree DIR]

Builds a state of N completed calls (each with its four webhook delivery rows, delivered) in
process, writes it as a state file, starts `callingbox-emulator up
--clock manual --state-file F --state-interval S` on it, and asks GET /_emulator/health back to
back on one keep-alive connection for --seconds, while autosave runs every S seconds. Reports
the health latency (p50, p99, max) and how many saves landed. A save that encodes on the event
loop shows up as a max latency about the length of one encoding; --tree runs another copy of the
package (the code before a change) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import log, percentile, rss_kib, start_emulator  # noqa: E402


def build_state(calls: int) -> str:
    from emulator.api.state import dumps
    from emulator.config import Config
    from emulator.runtime import Emulator

    emulator = Emulator(Config(seed=1))
    org = emulator.default_org
    org.balance_milli_cents = 10**15
    services = emulator.services
    number = services.numbers.purchase(org, services.numbers.available(area_code="415", limit=1)[0].phone_number)
    agent = services.agents.create(
        org,
        {
            "name": "Stall",
            "type": "outbound",
            "number_ids": [number.id],
            "webhook_url": "http://127.0.0.1:9/hook",
            "returns": {"ok": "boolean"},
        },
    )
    for i in range(calls):
        services.calls.dispatch(org, agent, {"to": "+15005550006", "metadata": {"i": i}})
        if i % 1000 == 999:
            emulator.advance(120)  # no event loop here: the webhook rows stay pending, as with a dead receiver
    emulator.advance(3600)
    # As a server that delivered its webhooks holds them (else the emulator under test would spend the
    # measurement sending 40,000 overdue attempts): each row delivered once, no job left.
    for delivery in org.deliveries.oldest_first():
        delivery.status, delivery.attempt_count, delivery.last_response_status = "delivered", 1, 200
    emulator.scheduler.clear()
    return dumps(emulator)


def probe(base_url: str, seconds: float, path: Path) -> dict[str, float]:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    latencies: list[float] = []
    saves, last_mtime = 0, path.stat().st_mtime
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        conn.request("GET", "/_emulator/health")
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        latencies.append((time.perf_counter() - started) * 1000)
        mtime = path.stat().st_mtime
        if mtime != last_mtime:
            saves, last_mtime = saves + 1, mtime
    conn.close()
    return {
        "requests": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "saves": saves,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10_000, help="at most 10,000: what `up` keeps per org")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=2)
    parser.add_argument("--tree", help="run the emulator package found in DIR (e.g. a copy from before a change)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.json"
        log(f"stall: building {args.calls:,} calls")
        path.write_text(build_state(args.calls))
        size = path.stat().st_size
        emu = start_emulator(
            "stall-emulator",
            "--clock",
            "manual",
            "--state-file",
            str(path),
            "--state-interval",
            str(args.interval),
            tree=args.tree,
        )
        try:
            rss = rss_kib(emu.pid)
            found = probe(emu.base_url, args.seconds, path)
        finally:
            emu.stop()
    doc = {
        "calls": args.calls,
        "state_mib": size / 2**20,
        "rss_mib": rss / 1024,
        "interval": args.interval,
        "tree": args.tree or "this checkout",
        **found,
    }
    print(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
