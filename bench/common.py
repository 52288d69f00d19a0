"""Shared helpers for the benchmarks: processes, ports, wrk, statistics, machine facts.

Everything here targets 127.0.0.1 only, and every process it starts is stopped
by its own process group id (never by name).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
# BENCH_EMULATOR_TREE=<dir> runs the emulator package found in <dir> instead of the installed one
# (used for before/after comparisons against a saved copy of emulator/).
TREE = os.environ.get("BENCH_EMULATOR_TREE") or str(ROOT)


def emulator_cmd(tree: str | None = None) -> list[str]:
    tree = tree or os.environ.get("BENCH_EMULATOR_TREE")
    if tree and Path(tree).resolve() != ROOT:
        return [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {tree!r}); from emulator.cli import main; sys.exit(main())",
        ]
    return [str(VENV_BIN / "callingbox-emulator")]


EMULATOR_CMD = emulator_cmd()
PRISM = BENCH / "node_modules" / ".bin" / "prism"
API_KEY = "sk_test_emulator"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
HOST = "127.0.0.1"


# -- statistics ---------------------------------------------------------------------------------


def summary(values: Iterable[float]) -> dict[str, float]:
    vals = [float(v) for v in values]
    if not vals:
        return {"min": float("nan"), "median": float("nan"), "max": float("nan"), "n": 0}
    return {"min": min(vals), "median": statistics.median(vals), "max": max(vals), "n": len(vals)}


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def fmt(value: float, digits: int = 0) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def mmm(s: dict[str, float], digits: int = 0, unit: str = "") -> str:
    """min / median / max as one table cell."""
    return f"{fmt(s['min'], digits)} / **{fmt(s['median'], digits)}** / {fmt(s['max'], digits)}{unit}"


# -- ports and processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    port: int
    log: Path | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        stop(self.popen)


def spawn(
    name: str, cmd: list[str], port: int, env: dict[str, str] | None = None, cwd: Path | None = None, log: bool = True
) -> Proc:
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"{name}.log" if log else None
    # The child keeps its own copy of the log's descriptor: ours is closed once it has started.
    with open(log_path, "wb") if log_path else contextlib.nullcontext(subprocess.DEVNULL) as out:
        popen = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=str(cwd or ROOT),
        )
    _spawned.append(popen)
    return Proc(name, popen, port, log_path)


# Each process runs in its own session (so a stop reaches its children), which also means it
# outlives a benchmark that crashes: whatever is still running when the interpreter exits is stopped.
_spawned: list[subprocess.Popen] = []


@atexit.register
def _stop_spawned() -> None:
    for popen in _spawned:
        stop(popen)


def stop(popen: subprocess.Popen) -> None:
    """Stop a process we started (and its children) by its own process group."""
    if popen.poll() is not None:
        return
    try:
        os.killpg(popen.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        popen.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait(5)


def wait_http(
    url: str,
    timeout: float = 30.0,
    headers: dict[str, str] | None = None,
    popen: subprocess.Popen | None = None,
    interval: float = 0.005,
) -> float:
    """Seconds until ``url`` answers anything below 500."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if popen is not None and popen.poll() is not None:
            raise RuntimeError(f"process exited with {popen.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=1) as r:
                if r.status < 500:
                    return time.perf_counter() - t0
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return time.perf_counter() - t0
        except (OSError, ValueError):
            pass
        time.sleep(interval)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 120
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    hdrs = {**(headers or {})}
    if data is not None:
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def ok(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    expect: int | tuple[int, ...] = (200, 201),
) -> Any:
    status, data = http(method, url, body, headers)
    expected = (expect,) if isinstance(expect, int) else expect
    if status not in expected:
        raise RuntimeError(f"{method} {url} answered {status}: {str(data)[:300]}")
    return data


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start_emulator(name: str, *extra: str, env: dict[str, str] | None = None, tree: str | None = None) -> Proc:
    port = free_port()
    proc = spawn(name, [*emulator_cmd(tree), "up", "--host", HOST, "--port", str(port), *extra], port, env=env)
    wait_http(f"{proc.base_url}/_emulator/health", popen=proc.popen)
    return proc


def start_uvicorn(name: str, app: str, env: dict[str, str] | None = None) -> Proc:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    proc = spawn(name, cmd, port, env=env, cwd=BENCH)
    return proc


def start_prism(name: str = "prism") -> Proc:
    if not PRISM.exists():
        raise RuntimeError(f"{PRISM} missing: run `npm install` in {BENCH}")
    port = free_port()
    proc = spawn(
        name, [str(PRISM), "mock", str(ROOT / "openapi.yaml"), "-h", HOST, "-p", str(port), "-v", "silent"], port
    )
    return proc


# -- wrk ----------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        return float("nan")
    return float(m.group(1)) * _UNITS[m.group(2)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its waited-for children) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str,
    seconds: float,
    connections: int = 16,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    cpu_pid: int | None = None,
) -> dict[str, Any]:
    """One wrk run. With ``cpu_pid``, also the server's CPU time per request (robust to other
    load on the machine, unlike req/s) and the 1-minute load average before the run."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "5s"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(url)
    load_before = os.getloadavg()[0]
    cpu0 = cpu_seconds(cpu_pid) if cpu_pid else 0.0
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=seconds + 60, env={**os.environ, **(env or {})}
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    lat = {p: _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    if not rps:
        raise RuntimeError(f"wrk gave no result: {' '.join(cmd)}\n{out}")
    requests = int(total.group(1)) if total else 0
    cpu = cpu_seconds(cpu_pid) - cpu0 if cpu_pid else float("nan")
    return {
        "command": " ".join(cmd),
        "rps": float(rps.group(1)),
        "requests": requests,
        "server_cpu_us_per_request": cpu / requests * 1e6 if requests else float("nan"),
        "loadavg_1m_before": load_before,
        "p50_ms": lat.get("50", float("nan")),
        "p99_ms": lat.get("99", float("nan")),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }


# -- machine facts ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    with contextlib.suppress(OSError, IndexError, ValueError):
        mem_kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
    from importlib import metadata

    packages = {}
    for name in (
        "callingbox-emulator",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "pydantic",
        "pydantic-core",
        "httpx",
        "pytest",
        "py-spy",
    ):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"

    def tool(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "not available"

    prism = tool([str(PRISM), "--version"]) if PRISM.exists() else "not installed"
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.strip().splitlines()
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": packages,
        "node": tool(["node", "--version"]),
        "prism": prism,
        "wrk": wrk_v[0] if wrk_v else "not available",
        "git_head": tool(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "git_dirty": bool(
            subprocess.run(
                ["git", "-C", str(ROOT), "status", "--porcelain", "--", "emulator"], capture_output=True, text=True
            ).stdout.strip()
        ),
    }


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)
