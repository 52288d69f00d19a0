"""Group "profile" (with --before-tree DIR, or --only profile for the installed tree alone):
py-spy self-time profiles of `up` under wrk for GET /v1/calls/{id}, GET /v1/calls?limit=25 and
POST /v1/calls (bench/profile.py), for the --before-tree copy and for the installed emulator,
and the top frames of both side by side."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

from common import BENCH, log

from groups.http_api import ENDPOINTS, LABEL


def _profile_module() -> Any:
    """bench/profile.py, loaded by path: its name is also a standard-library module's."""
    spec = importlib.util.spec_from_file_location("bench_profile", BENCH / "profile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOP = 8  # frames per side in the report (the JSON keeps TOP_JSON)
TOP_JSON = 25


def run(opts: dict[str, Any]) -> dict[str, Any]:
    prof = _profile_module()
    if shutil.which(prof.PY_SPY) is None and not Path(prof.PY_SPY).exists():
        return {"skipped": "py-spy is not installed (pip install py-spy)", "targets": []}
    seconds = 2 if opts.get("quick") else 6
    sides = {"before": opts["before_tree"], "after": None} if opts.get("before_tree") else {"after": None}
    out: dict[str, Any] = {"seconds": seconds, "before_tree": opts.get("before_tree"), "endpoints": {}, "targets": []}
    for ep in ENDPOINTS:
        out["endpoints"][ep] = {}
        for side, tree in sides.items():  # one at a time: each profile has the machine to itself
            path = prof.profile_server(ep, seconds, tree=tree, tag=f"-{side}")
            out["endpoints"][ep][side] = {"file": path.name, **prof.top_self(path, TOP_JSON)}
            log(f"profile {ep} {side}: {out['endpoints'][ep][side]['samples']} samples ({path})")
    return out


def report(res: dict[str, Any]) -> list[str]:
    if "skipped" in res:
        return [f"Not run: {res['skipped']}."]
    sides = [s for s in ("before", "after") if s in next(iter(res["endpoints"].values()))]
    lines = [
        f"py-spy 250 Hz, {res['seconds']} s per profile, attached to `callingbox-emulator up --clock manual` while "
        "wrk (1 thread, 16 connections) drives the path (`bench/profile.py`; collapsed stacks in "
        "`bench/results/profile-<path>-<side>.txt`). Self time: the share of all samples with the frame on top "
        "of the stack (C code is attributed to its Python caller: uvloop's socket writes show as uvicorn's "
        "`send`)."
        + (
            f" *before* = `--before-tree {res['before_tree']}`; *after* = the installed tree."
            if res["before_tree"]
            else ""
        ),
    ]
    for ep, by in res["endpoints"].items():
        head = " | ".join(f"{s} ({by[s]['samples']:,} samples) | %" for s in sides)
        lines += ["", f"`{LABEL[ep]}`", "", f"| # | {head} |", "| --- |" + " --- | --- |" * len(sides)]
        for i in range(TOP):
            cells = []
            for s in sides:
                top = by[s]["top"]
                cells += [f"`{top[i][0]}`", f"{top[i][1]:.1f}"] if i < len(top) else ["", ""]
            lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    return lines
