"""Group "fixture": per-test overhead of the pytest plugin's `callingbox` fixture (in-process)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

from common import RESULTS, log, mmm, summary

WITH = """
def test_{i}(callingbox):
    assert callingbox.api_key.startswith("sk_")
"""
WITHOUT = """
def test_{i}():
    assert "sk_test".startswith("sk_")
"""


def _suite(name: str, template: str, n: int) -> str:
    folder = RESULTS / "fixture" / f"{name}-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    # Its own ini file: the repository's pytest settings (and conftest files) stay out of it.
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    (folder / "test_many.py").write_text("".join(template.format(i=i) for i in range(n)))
    return str(folder)


def _run(folder: str, n: int) -> dict[str, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", folder],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wall = time.perf_counter() - t0
    m = re.search(r"(\d+) passed in ([\d.]+)s", out.stdout)
    if out.returncode != 0 or not m or int(m.group(1)) != n:
        raise RuntimeError(f"pytest run failed in {folder}: {out.stdout[-1500:]}{out.stderr[-1500:]}")
    return {"wall": wall, "pytest": float(m.group(2))}


def run(opts: dict[str, Any]) -> dict[str, Any]:
    n, rounds = opts["fixture_tests"], opts["rounds"]
    sizes = (n,) if opts.get("quick") else (n, 2 * n)  # quick: no marginal figure, no warm-up
    suites = {
        (kind, k): _suite(kind, WITH if kind == "with" else WITHOUT, k) for kind in ("with", "without") for k in sizes
    }
    raw: dict[str, list[dict[str, float]]] = {f"{kind}/{k}": [] for kind, k in suites}
    if not opts.get("quick"):
        _run(suites[("with", n)], n)  # warm-up (.pyc, page cache)
    for r in range(rounds):
        for (kind, k), folder in suites.items():
            raw[f"{kind}/{k}"].append(_run(folder, k))
        amort = (raw[f"with/{n}"][-1]["pytest"] - raw[f"without/{n}"][-1]["pytest"]) / n * 1000
        log(
            f"fixture round {r + 1}/{rounds}: {n} tests with {raw[f'with/{n}'][-1]['pytest']:.2f} s, "
            f"without {raw[f'without/{n}'][-1]['pytest']:.2f} s -> {amort:.2f} ms/test"
        )
    amortized, marginal = [], []
    for i in range(rounds):
        w1, o1 = raw[f"with/{n}"][i]["pytest"], raw[f"without/{n}"][i]["pytest"]
        w2 = raw[f"with/{2 * n}"][i]["pytest"] if len(sizes) > 1 else 0.0
        o2 = raw[f"without/{2 * n}"][i]["pytest"] if len(sizes) > 1 else 0.0
        amortized.append((w1 - o1) / n * 1000)
        if len(sizes) > 1:
            marginal.append(((w2 - w1) - (o2 - o1)) / n * 1000)
    am, ma = summary(amortized), summary(marginal)
    return {
        "tests": n,
        "rounds": rounds,
        "amortized_ms": am,
        "marginal_ms": ma,
        "runs": {
            k: {"pytest_s": summary(x["pytest"] for x in v), "wall_s": summary(x["wall"] for x in v)}
            for k, v in raw.items()
        },
        "targets": [
            {
                "target": "`callingbox` fixture overhead per test < 5 ms (in-process)",
                "value": am["median"],
                "goal": 5,
                "pass": am["median"] < 5,
                "detail": f"ms, amortized over {n} tests incl. the one-time emulator start; marginal "
                f"{ma['median']:.2f} ms",
            }
        ],
    }


def report(res: dict[str, Any]) -> list[str]:
    n = res["tests"]
    lines = [
        f"Generated suites of {n} and {2 * n} trivial tests, with and without the `callingbox` fixture "
        "(default: in-process emulator shared by the session, a fresh org per test through `POST /_emulator/orgs`, "
        "an `httpx.Client` bound to it), each run as `python -m pytest -q -p no:randomly DIR` in its own process "
        "with its own `pytest.ini` (the repository's settings and conftest stay out). The plugin is loaded "
        "by its entry point in both suites, so its import cost cancels out. Times are pytest's own "
        f"`passed in X s`. {res['rounds']} rounds, the suites alternating"
        + (f" (quick run: only the {n}-test suites, so no marginal figure)." if res["marginal_ms"]["n"] == 0 else "."),
        "",
        f"- **amortized** = (with - without) / {n}: per-test cost including the session's one-time emulator start;",
        f"- **marginal** = ((with {2 * n} - with {n}) - (without {2 * n} - without {n})) / {n}: one more test's cost.",
        "",
        "| suite | pytest s | process wall s |",
        "| --- | --- | --- |",
    ]
    for key, v in res["runs"].items():
        lines.append(f"| {key} tests | {mmm(v['pytest_s'], 2)} | {mmm(v['wall_s'], 2)} |")
    lines += [
        "",
        "| per-test overhead | ms |",
        "| --- | --- |",
        f"| amortized over {n} tests | {mmm(res['amortized_ms'], 2)} |",
        f"| marginal | {mmm(res['marginal_ms'], 2)} |",
    ]
    return lines
