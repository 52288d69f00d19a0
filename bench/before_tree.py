"""Copy emulator/ (+ scenarios/, openapi.yaml) to bench/results/before-tree with the perf fixes of
BENCHMARKS.md ("Profiles and the perf fixes") undone, for

    python bench/before_tree.py && python bench/run.py --only before_after --before-tree bench/results/before-tree

Each undo is a literal edit that must apply exactly once: when the code has moved on, this fails
loudly rather than compare against something else (then update or retire it).
"""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DST = ROOT / "bench" / "results" / "before-tree"
shutil.rmtree(DST, ignore_errors=True)
DST.mkdir(parents=True)
for name in ("emulator", "scenarios"):
    shutil.copytree(ROOT / name, DST / name, ignore=shutil.ignore_patterns("__pycache__"))
shutil.copy(ROOT / "openapi.yaml", DST / "openapi.yaml")


def edit(rel, old, new):
    p = DST / rel
    s = p.read_text()
    assert s.count(old) == 1, (rel, old[:60])
    p.write_text(s.replace(old, new))


edit(
    "emulator/server.py",
    "    heap.install()  # start-up's objects, then each full collection's survivors, stay out of later collections\n"
    "    _run(server, main())\n",
    "    asyncio.run(main())\n",
)
edit(
    "emulator/server.py",
    "            _run(self._server, self._server.serve(sockets=[self._sock]))",
    "            asyncio.run(self._server.serve(sockets=[self._sock]))",
)
edit(
    "emulator/api/wire/common.py",
    """    return None if ts is None else _iso(ts)


@functools.lru_cache(maxsize=4096)  # the same instants are written again and again (polling, lists)
def _iso(ts: float) -> str:
    dt = datetime.fromtimestamp(round(ts, 3), timezone.utc)
    ms = dt.microsecond // 1000
    return dt.isoformat(timespec="seconds")[:-6] + (f".{ms:03d}Z" if ms else "Z")  # minus "+00:00"
""",
    """    if ts is None:
        return None
    dt = datetime.fromtimestamp(round(ts, 3), timezone.utc)
    ms = dt.microsecond // 1000
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{ms:03d}Z" if ms else "Z")
""",
)
edit(
    "emulator/domain/calls.py",
    "        snapshot = Call(*_CALL_FIELDS(call))  # a shallow copy, 3x faster than copy.copy",
    "        snapshot = copy.copy(call)",
)
edit(
    "emulator/domain/calls.py",
    """            returns=copy.deepcopy(agent.returns) if agent.returns else {},
            tools=copy.deepcopy(agent.tools) if agent.tools else None,
            voicemail_action=agent.voicemail_action,
            webhook_url=webhook_url or agent.webhook_url,""",
    """            returns=copy.deepcopy(agent.returns), tools=copy.deepcopy(agent.tools) or None,
            voicemail_action=agent.voicemail_action,
            webhook_url=webhook_url or agent.webhook_url,""",
)
edit(
    "emulator/webhooks/transport.py",
    """        if key is None and url[:7].lower() == "http://":
            return self._lean""",
    """        if False:
            return self._lean""",
)
edit(
    "emulator/webhooks/transport.py",
    "from emulator.webhooks import http1\n\nif TYPE_CHECKING:\n    import httpx\n",
    "import httpx\n\nfrom emulator.webhooks import http1\n",
)
edit(
    "emulator/api/app.py",
    "            *calls.routes, *numbers.routes, *agents.routes, *webhooks.routes,",
    "            *numbers.routes, *agents.routes, *calls.routes, *webhooks.routes,",
)
print("before-tree ready at", DST)
