"""The architecture, enforced: layers point one way, frameworks stay in their fences,
and nothing but the clock reads the wall clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "emulator"


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(), str(path))
    return found


def imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = modules()

# Third-party framework -> the only modules allowed to import it.
FENCES = {
    "starlette": ("emulator.api", "emulator.listen"),
    "uvicorn": ("emulator.server", "emulator.listen"),
    "httpx": ("emulator.webhooks.transport", "emulator.testing", "emulator.listen"),
    "httptools": ("emulator.webhooks.http1",),
    "yaml": ("emulator.simulation.scenario", "emulator.resources"),
    "pytest": ("emulator.testing.plugin",),
    "faker": ("emulator.domain.numbers", "emulator.simulation.results"),
}

# Package -> packages it must never import (lower layers never reach up).
FORBIDDEN = {
    "emulator.domain": ("emulator.api", "emulator.simulation", "emulator.webhooks", "emulator.runtime",
                        "emulator.server", "emulator.cli", "emulator.testing"),
    "emulator.simulation": ("emulator.api", "emulator.webhooks", "emulator.runtime", "emulator.server",
                            "emulator.cli", "emulator.testing"),
    "emulator.webhooks": ("emulator.api", "emulator.simulation", "emulator.runtime", "emulator.server",
                          "emulator.cli", "emulator.testing"),
    "emulator.api": ("emulator.server", "emulator.cli", "emulator.testing"),
    "emulator.api.wire": ("emulator.api.app", "emulator.api.http", "emulator.runtime"),
    "emulator.clock": ("emulator.",),
    "emulator.ids": ("emulator.",),
    "emulator.errors": ("emulator.",),
    "emulator.config": ("emulator.",),
}


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".") or (prefix.endswith(".") and name.startswith(prefix))


@pytest.mark.parametrize("framework", sorted(FENCES))
def test_frameworks_stay_in_their_fences(framework: str) -> None:
    allowed = FENCES[framework]
    trespassers = sorted(
        module for module, tree in MODULES.items()
        if any(_under(i, framework) for i in imports(tree)) and not any(_under(module, a) for a in allowed)
    )
    assert trespassers == [], f"{framework} imported outside {allowed}: {trespassers}"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_point_one_way(package: str) -> None:
    broken = sorted(
        f"{module} -> {i}"
        for module, tree in MODULES.items() if _under(module, package)
        for i in imports(tree) if any(_under(i, f) for f in FORBIDDEN[package])
    )
    assert broken == [], f"{package} reaches a layer above it: {broken}"


WALL_CLOCK_CALLS = {("time", "time"), ("datetime", "now"), ("datetime", "utcnow"), ("date", "today"),
                    ("time", "time_ns")}


def test_only_the_clock_reads_the_wall_clock() -> None:
    # `listen` is a client tool (it stamps its own console lines), not emulator state.
    readers = sorted(
        f"{module}:{node.lineno}"
        for module, tree in MODULES.items() if module not in ("emulator.clock", "emulator.listen")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        and (node.value.id, node.attr) in WALL_CLOCK_CALLS
    )
    assert readers == [], f"wall-clock reads outside emulator/clock.py: {readers}"


def test_no_sleeping_in_the_core() -> None:
    """Delays are scheduler jobs; only real I/O edges may wait on real time."""
    edges = ("emulator.server", "emulator.testing", "emulator.api.faults", "emulator.listen")
    sleepers = sorted(
        f"{module}:{node.lineno}"
        for module, tree in MODULES.items() if not any(_under(module, e) for e in edges)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "sleep"
    )
    assert sleepers == [], f"sleeps in the core: {sleepers}"


def test_modules_stay_small() -> None:
    big = sorted(
        f"{p.relative_to(PACKAGE.parent)} ({n} lines)"
        for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 300
    )
    assert big == [], f"modules over 300 lines: {big}"
