"""Profile the hot paths with py-spy (pip install py-spy): the server under wrk for
GET /v1/calls/{id}, GET /v1/calls?limit=25 and POST /v1/calls, and the simulation worker.

    python bench/profile.py [--seconds 8] [--only get_call,list_calls,post_call,simulation]

Writes collapsed stacks (bench/results/profile-<name>.txt, for flamegraph tools or speedscope)
and prints, per target, the functions with the most samples: self (on top of the stack) and
inclusive (anywhere in the stack), as percentages of all samples.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AUTH, BENCH, RESULTS, log, start_emulator, wrk  # noqa: E402
from groups.http_api import POST_LUA, setup_emulator  # noqa: E402

PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")


def _frame(entry: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"; keep function + short file
    name, _, where = entry.partition(" (")
    where = where.rstrip(")")
    short = "/".join(where.split("/")[-2:]).split(":")[0]
    return f"{name} ({short})"


def top_self(path: Path, top: int = 10) -> dict[str, Any]:
    """The frames with the most self time (on top of the stack), as shares of all samples."""
    counts: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if f]
        if frames and count.isdigit():
            counts[_frame(frames[-1])] += int(count)
            total += int(count)
    return {"samples": total, "top": [[f, 100 * n / total] for f, n in counts.most_common(top)] if total else []}


def summarize(path: Path, top: int = 25) -> str:
    self_c: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";") if f]
        if not frames:
            continue
        self_c[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    out = [f"samples: {total}", "", "self (top of stack):"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in self_c.most_common(top)]
    out += ["", "inclusive (emulator/, starlette/, pydantic/, uvicorn/ frames):"]
    keep = [
        (f, n)
        for f, n in incl.most_common()
        if any(
            k in f
            for k in (
                "emulator",
                "api/",
                "domain/",
                "wire/",
                "simulation/",
                "webhooks/",
                "starlette",
                "pydantic",
                "uvicorn",
                "runtime",
                "scheduler",
            )
        )
    ]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in keep[:top]]
    return "\n".join(out)


def profile_server(endpoint: str, seconds: int, tree: str | None = None, tag: str = "") -> Path:
    """py-spy on `up --clock manual` (of ``tree``, else the installed emulator) while wrk drives ``endpoint``."""
    emu = start_emulator(f"profile-{endpoint}{tag}", "--clock", "manual", tree=tree)
    try:
        ids = setup_emulator(emu.base_url)
        out = RESULTS / f"profile-{endpoint}{tag}.txt"
        if endpoint == "get_call":
            kw = {"url": f"{emu.base_url}/v1/calls/{ids['call_id']}", "headers": AUTH}
        elif endpoint == "list_calls":
            kw = {"url": f"{emu.base_url}/v1/calls?limit=25", "headers": AUTH}
        else:
            kw = {"url": f"{emu.base_url}/v1/calls", "script": POST_LUA, "env": {"BENCH_AGENT_ID": ids["agent_id"]}}
        wrk(**kw, seconds=1)  # warm-up
        spy = subprocess.Popen(
            [
                PY_SPY,
                "record",
                "--pid",
                str(emu.pid),
                "--duration",
                str(seconds),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        load = threading.Thread(target=wrk, kwargs={**kw, "seconds": seconds + 1})
        load.start()
        spy.wait(seconds + 30)
        load.join()
        return out
    finally:
        emu.stop()


def profile_simulation(calls: int) -> Path:
    out = RESULTS / "profile-simulation.txt"
    subprocess.run(
        [
            PY_SPY,
            "record",
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            str(out),
            "--",
            sys.executable,
            str(BENCH / "workers" / "simulation.py"),
            "--calls",
            str(calls),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--only", default="get_call,list_calls,post_call,simulation")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.only.split(","):
        log(f"profiling {name}")
        path = profile_simulation(args.calls) if name == "simulation" else profile_server(name, args.seconds)
        text = summarize(path, args.top)
        (RESULTS / f"profile-{name}.summary.txt").write_text(text)
        print(f"\n===== {name} ({path})\n{text}")


if __name__ == "__main__":
    main()
