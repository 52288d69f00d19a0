"""Memory per stored call: fill ``--base`` calls, measure, fill up to ``--calls``, measure.

    python bench/workers/memory.py --base 1000 --calls 100000 --variant terminal   # prints JSON

Calls are dispatched through the domain services (as scale_server.py does). ``queued`` keeps them
as dispatched; ``terminal`` advances the manual clock until all have ended. RSS (VmRSS after
gc.collect) is measured in this process; the tracemalloc figure comes from a child process doing
the same with tracing on, so tracing does not inflate the RSS figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH_EMULATOR_TREE") or str(Path(__file__).resolve().parents[2]))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from scale_server import populate, rss_kib, setup  # noqa: E402

from emulator.api import dialects  # noqa: E402
from emulator.config import Config  # noqa: E402
from emulator.runtime import Emulator  # noqa: E402


def measure(base: int, calls: int, terminal: bool, traced: bool) -> tuple[int, int]:
    # The default dialect's profile, as `up` gives it (its events, hence the snapshots each call keeps).
    emulator = Emulator(Config(clock="manual"), profile=dialects.get(None).profile)
    org, agent = setup(emulator)
    if traced:
        tracemalloc.start()
    populate(emulator, org, agent, base, terminal)
    gc.collect()
    small = tracemalloc.get_traced_memory()[0] if traced else rss_kib() * 1024
    populate(emulator, org, agent, calls - base, terminal)
    gc.collect()
    large = tracemalloc.get_traced_memory()[0] if traced else rss_kib() * 1024
    assert len(org.calls) == calls
    return small, large


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--variant", choices=("queued", "terminal"), default="terminal")
    parser.add_argument("--traced", action="store_true", help="(internal) the tracemalloc pass")
    args = parser.parse_args()
    terminal = args.variant == "terminal"
    if args.traced:
        print(json.dumps(measure(args.base, args.calls, terminal, True)))
        return
    small, large = measure(args.base, args.calls, terminal, False)
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--base",
            str(args.base),
            "--calls",
            str(args.calls),
            "--variant",
            args.variant,
            "--traced",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    t_small, t_large = json.loads(child.stdout.strip().splitlines()[-1])
    added = args.calls - args.base
    print(
        json.dumps(
            {
                "variant": args.variant,
                "base": args.base,
                "calls": args.calls,
                "rss_small_kib": small // 1024,
                "rss_large_kib": large // 1024,
                "rss_bytes_per_call": (large - small) / added,
                "traced_small_bytes": t_small,
                "traced_large_bytes": t_large,
                "traced_bytes_per_call": (t_large - t_small) / added,
            }
        )
    )


if __name__ == "__main__":
    main()
