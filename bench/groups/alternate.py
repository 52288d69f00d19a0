"""The http group's comparison loop, shared by its dialects: each round runs every endpoint on
every contender back to back (order rotated per round), then the figures and ratios per endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from common import HOST, log, summary, wrk

Target = Callable[[str, str], dict[str, Any]]  # (contender, endpoint) -> wrk's url/headers/script/env


def warm_up(target: Target, contenders: tuple[str, ...], endpoints: tuple[str, ...], conns: int) -> None:
    for c in contenders:
        for ep in endpoints:
            wrk(**target(c, ep), seconds=1, connections=conns)


def alternate(
    name: str,
    target: Target,
    contenders: tuple[str, ...],
    endpoints: tuple[str, ...],
    pids: dict[str, int],
    opts: dict[str, Any],
    before_round: Callable[[], None],
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """wrk runs, rounds x endpoints x contenders; ``before_round`` rebuilds the state (and ids)."""
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {ep: {c: [] for c in contenders} for ep in endpoints}
    rounds = opts["rounds"]
    for r in range(rounds):
        before_round()
        k = r % len(contenders)
        order = contenders[k:] + contenders[:k]
        for ep in endpoints:
            for c in order:
                res = wrk(**target(c, ep), seconds=opts["http_seconds"], connections=opts["conns"], cpu_pid=pids[c])
                raw[ep][c].append(res)
                log(
                    f"{name} round {r + 1}/{rounds} {ep:10} {c:8} {res['rps']:>9,.0f} req/s "
                    f"p50 {res['p50_ms']:.2f} ms p99 {res['p99_ms']:.2f} ms non2xx {res['non2xx']} "
                    f"cpu {res['server_cpu_us_per_request']:.0f} us/req load {res['loadavg_1m_before']:.1f}"
                )
    return raw


def figures(
    raw: dict[str, dict[str, list[dict[str, Any]]]], contenders: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Per endpoint and contender: min/median/max of each measure, the runs, and the ratio of the
    emulator's req/s to each other contender's, round by round; and one command line per run kind."""
    endpoints: dict[str, Any] = {}
    commands: dict[str, str] = {}
    for ep, by in raw.items():
        endpoints[ep] = {}
        for c in contenders:
            runs = by[c]
            endpoints[ep][c] = {
                "rps": summary(x["rps"] for x in runs),
                "p50_ms": summary(x["p50_ms"] for x in runs),
                "p99_ms": summary(x["p99_ms"] for x in runs),
                "non2xx": sum(x["non2xx"] for x in runs),
                "cpu_us": summary(x["server_cpu_us_per_request"] for x in runs),
                "loadavg": summary(x["loadavg_1m_before"] for x in runs),
                "socket_errors": sum(x["socket_errors"] for x in runs),
                "requests": sum(x["requests"] for x in runs),
                "runs": runs,
            }
            commands[f"{ep}/{c}"] = runs[0]["command"].replace(f"{HOST}:", "127.0.0.1:")
        for other in contenders[1:]:
            ratios = [a["rps"] / b["rps"] for a, b in zip(by["emulator"], by[other], strict=True) if b["rps"]]
            endpoints[ep][f"ratio_vs_{other}"] = summary(ratios)
    return endpoints, commands


def ratio_row(name: str, ratio: dict[str, float], goal: float) -> dict[str, Any]:
    """A target met when the median ratio per round reaches ``goal``."""
    return {
        "target": name,
        "value": ratio["median"],
        "goal": goal,
        "pass": ratio["median"] >= goal,
        "detail": f"ratio of req/s per round, min/median/max {ratio['min']:.2f} / {ratio['median']:.2f} / "
        f"{ratio['max']:.2f}",
    }
