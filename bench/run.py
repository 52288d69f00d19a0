"""Run every benchmark and write BENCHMARKS.md (and raw JSON under bench/results/).

    python bench/run.py                 # everything (about 10 minutes on 2 cores; --before-tree: about 14)
    python bench/run.py --quick         # smoke variant (< ~60 s); writes bench/results/BENCHMARKS.quick.md
    python bench/run.py --only http     # one group (or several: --only http,scale); the other groups'
                                        # figures are taken from the last full run's JSON
    python bench/run.py --rounds 5      # more rounds per comparison
    python bench/run.py --render        # rewrite BENCHMARKS.md from the last full run's JSON

Groups: http, scale, simulation, webhooks, start_reset, fixture; with --before-tree DIR also before_after
and profile. Needs `wrk` (apt-get install wrk); Prism (`npm install` in bench/) is optional (its
comparisons are reported as not run without it). Every load targets 127.0.0.1 and is bounded in time and count.
The soak test is separate: python bench/soak.py (its last summary is included when present).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PRISM, RESULTS, ROOT, log, machine  # noqa: E402

GROUPS = ("http", "scale", "simulation", "webhooks", "start_reset", "fixture")
EXTRA = ("before_after", "profile")  # with --before-tree (profile also alone: the installed tree only)
TITLES = {
    "http": "1. HTTP throughput and latency (wrk)",
    "scale": "2. Scale: latency and memory with many stored calls",
    "simulation": "3. Simulation: 10,000 calls to their terminal state",
    "webhooks": "4. Webhook deliveries",
    "start_reset": "5. Start-up and reset",
    "fixture": "6. pytest fixture overhead",
    "before_after": "Before/after (the `--before-tree` copy vs the installed tree)",
    "profile": "Profiles before and after (py-spy, self time)",
}
FULL = {
    "http_seconds": 5,  # per wrk run, as issue 15 measured (-d5s): three dialect/stream comparisons fit the budget
    "rounds": 3,
    "scale_sizes": [1_000, 10_000, 100_000],
    "scale_seconds": 10,
    "sim_calls": 10_000,
    "webhook_events": 10_000,
    "start_runs": 7,
    "reset_calls": 10_000,
    "fixture_tests": 200,
    "ba_webhook_events": 2_000,
}
QUICK = {
    "http_seconds": 1,
    "rounds": 1,
    "scale_sizes": [1_000, 10_000],
    "scale_seconds": 1,
    "sim_calls": 1_000,
    "webhook_events": 1_000,
    "start_runs": 2,
    "reset_calls": 2_000,
    "fixture_tests": 200,
    "ba_webhook_events": 400,
}
LATEST = RESULTS / "latest.json"
MARKDOWN = ROOT / "BENCHMARKS.md"
STATIC = Path(__file__).resolve().parent / "static"
STANDALONE = ("stream.md", "conformance.md")  # hand-kept sections of benchmarks outside run.py


def _module(group: str) -> Any:
    from groups import before_after, fixture, http_api, profiles, scale, simulation, start_reset, webhooks

    return {
        "http": http_api,
        "scale": scale,
        "simulation": simulation,
        "webhooks": webhooks,
        "start_reset": start_reset,
        "fixture": fixture,
        "before_after": before_after,
        "profile": profiles,
    }[group]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short smoke variant (< ~60 s)")
    parser.add_argument("--only", default="", help=f"comma-separated groups: {', '.join(GROUPS + EXTRA)}")
    parser.add_argument("--rounds", type=int, help="rounds per comparison (default 3; quick 1)")
    parser.add_argument("--no-markdown", action="store_true", help="write JSON only")
    parser.add_argument(
        "--before-tree",
        metavar="DIR",
        help="a copy of the repository's emulator/ (+ scenarios/, openapi.yaml) without the perf "
        "fixes (bench/before_tree.py, or `git archive <commit>` unpacked): adds the before_after group "
        "(installed emulator vs DIR, alternating) and the profile group (py-spy of both)",
    )
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite BENCHMARKS.md from the last full run's JSON (after editing bench/static/)",
    )
    args = parser.parse_args()
    if args.render:
        MARKDOWN.write_text(render(json.loads(LATEST.read_text()), quick=False))
        log(f"wrote {MARKDOWN} from {LATEST}")
        return 0
    groups = [g.strip() for g in args.only.split(",") if g.strip()] or list(GROUPS)
    if args.before_tree:  # before vs after, and the profiles of both
        groups += [g for g in EXTRA if g not in groups]
    if "before_after" in groups and not args.before_tree:
        parser.error("before_after needs --before-tree DIR")
    unknown = [g for g in groups if g not in GROUPS + EXTRA]
    if unknown:
        parser.error(f"unknown group(s) {unknown}; known: {', '.join(GROUPS)}")
    if shutil.which("wrk") is None and ("http" in groups or "scale" in groups):
        parser.error("wrk is not installed: apt-get install -y wrk")
    if not PRISM.exists():
        log(f"note: {PRISM} missing (npm install in bench/); the Prism comparisons are reported as not run")
    opts = dict(QUICK if args.quick else FULL)
    if args.rounds:
        opts["rounds"] = args.rounds
    opts["quick"] = args.quick
    opts["before_tree"] = str(Path(args.before_tree).resolve()) if args.before_tree else None

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    started = time.time()
    results: dict[str, Any] = {}
    if not args.quick and LATEST.exists() and set(groups) != set(GROUPS + EXTRA):
        results = json.loads(LATEST.read_text()).get("groups", {})  # keep the other groups' last figures
    failures = []
    for group in groups:
        log(f"== {group}")
        t0 = time.time()
        try:
            res = _module(group).run(opts)
            res["ran_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
            res["group_seconds"] = round(time.time() - t0, 1)
            res["quick"] = args.quick
            results[group] = res
            for t in res.get("targets", []):
                log(f"   {_verdict(t)}  {t['target']}: {t['value']:.3g} (goal {t['goal']:g})")
        except Exception as exc:  # report the rest anyway
            import traceback

            traceback.print_exc()
            failures.append(group)
            results[group] = {"error": f"{type(exc).__name__}: {exc}", "ran_at": time.strftime("%Y-%m-%d %H:%M:%S")}
        log(f"== {group} done in {time.time() - t0:.1f} s")

    doc = {
        "machine": machine(),
        "opts": opts,
        "argv": sys.argv[1:],
        "groups": results,
        "wall_seconds": round(time.time() - started, 1),
    }
    name = f"{'quick' if args.quick else 'full'}-{stamp}.json"
    (RESULTS / name).write_text(json.dumps(doc, indent=1, default=str))
    if not args.quick:
        LATEST.write_text(json.dumps(doc, indent=1, default=str))
    if not args.no_markdown:
        target = RESULTS / "BENCHMARKS.quick.md" if args.quick else MARKDOWN
        target.write_text(render(doc, quick=args.quick))
        log(f"wrote {target}")
    log(f"raw results: {RESULTS / name}; total {time.time() - started:.0f} s")
    return 1 if failures else 0


def _verdict(target: dict[str, Any]) -> str:
    return "not run" if target.get("not_run") else "PASS" if target["pass"] else "MISS"


def render(doc: dict[str, Any], quick: bool) -> str:
    m = doc["machine"]
    groups = doc["groups"]
    out = ["# Benchmarks", ""]
    if quick:
        out += ["> **Quick smoke run** (`--quick`): short runs and small sizes; not the reference figures.", ""]
    out += [
        "Generated by `python bench/run.py` (see `bench/README.md`); raw JSON in `bench/results/` (not committed).",
        "Load generator and server share the same machine and cores: req/s are whole-machine figures.",
        "Every figure is min / **median** / max over the rounds unless it says otherwise.",
        "",
        "## Machine",
        "",
        f"- {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB memory, Linux {m['kernel']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- {m['wrk']}; node {m['node']}; Prism {m['prism']}",
        f"- emulator at git {m['git_head']}{' + uncommitted changes in emulator/' if m['git_dirty'] else ''}",
        f"- this file: `python bench/run.py {' '.join(doc['argv'])}`".rstrip() + f", {doc['wall_seconds']:.0f} s",
        "",
        "## Targets",
        "",
        "| group | target | measured (median) | result |",
        "| --- | --- | --- | --- |",
    ]
    for g in GROUPS + EXTRA:
        res = groups.get(g)
        if not res:
            continue
        if "error" in res:
            out.append(f"| {g} | (group failed: {res['error']}) | | **ERROR** |")
            continue
        for t in res.get("targets", []):
            verdict = {"PASS": "PASS", "MISS": "**MISS**", "not run": "not run"}[_verdict(t)]
            value = (
                "n/a"
                if t["value"] != t["value"]
                else f"{t['value']:,.0f}"
                if abs(t["value"]) >= 100
                else f"{t['value']:.3g}"
            )
            out.append(f"| {g} | {t['target']} | {value} ({t['detail']}) | {verdict} |")
    soak_file = RESULTS / "soak-latest.json"
    if soak_file.exists():  # the soak's checks, from its last run (bench/soak.py)
        soak_doc = json.loads(soak_file.read_text())
        for name, check in soak_doc["checks"].items():
            shown = {k: v for k, v in check.items() if k not in ("pass", "examples", "problems", "statuses")}
            detail = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in shown.items())
            out.append(
                f"| soak ({soak_doc.get('ran_at', '?')}) | {name} | {detail} | "
                f"{'PASS' if check['pass'] else '**MISS**'} |"
            )
    for g in GROUPS + EXTRA:
        if g == EXTRA[0]:  # the benchmarks run on their own (sections 7 and 8), with their dated figures
            out += [
                line
                for name in STANDALONE
                if (STATIC / name).exists()
                for line in ("", (STATIC / name).read_text().rstrip())
            ]
        res = groups.get(g)
        if not res:
            continue
        out += ["", f"## {TITLES[g]}", ""]
        when = f"Ran {res.get('ran_at', '?')}"
        if "group_seconds" in res:
            when += f" in {res['group_seconds']:.0f} s"
        out += [when + ("; quick variant." if res.get("quick") else "."), ""]
        if "error" in res:
            out += [f"The group failed: `{res['error']}`"]
            continue
        out += _module(g).report(res)
        note = STATIC / f"{g}.md"
        if note.exists():
            out += ["", note.read_text().rstrip()]
    soak = RESULTS / "soak-latest.json"
    out += ["", "## Soak (`python bench/soak.py`, not part of run.py or CI)", ""]
    if soak.exists():
        from soak import report as soak_report

        out += soak_report(json.loads(soak.read_text()))
        if (STATIC / "soak.md").exists():
            out += ["", (STATIC / "soak.md").read_text().rstrip()]
    else:
        out += ["No soak result yet: run `python bench/soak.py`."]
    for extra in ("perf_fixes.md", "perf_request_path.md"):  # each perf pass: its profiles and fixes
        path = STATIC / extra
        if path.exists():
            out += ["", path.read_text().rstrip()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
