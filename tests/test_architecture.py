"""The architecture, enforced: layers point one way, frameworks stay in their fences,
nothing but the clock reads the wall clock, and the core names no vendor (dialects live
in their own packages under emulator/api/)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "emulator"


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(), str(path))
    return found


def _is_package(module: str) -> bool:
    return (PACKAGE.parent / module.replace(".", "/") / "__init__.py").exists()


def imports(tree: ast.Module, module: str = "") -> set[str]:
    """Every module ``tree`` imports, wherever the import sits (inside functions too), relative
    imports resolved against ``module``, and ``from pkg import mod`` counted as ``pkg.mod``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if _is_package(module) else module.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            if base:
                names.add(base)
                names.update(f"{base}.{a.name}" for a in node.names if _is_package(base))
    return names


MODULES = modules()

# Third-party framework -> the only modules allowed to import it.
FENCES = {
    "starlette": ("emulator.api", "emulator.listen"),
    "uvicorn": ("emulator.server", "emulator.listen"),
    "httpx": ("emulator.webhooks.transport", "emulator.testing", "emulator.listen"),
    "httptools": ("emulator.webhooks.http1_answer",),
    "yaml": ("emulator.simulation.scenario", "emulator.resources"),
    "pytest": ("emulator.testing.plugin",),
    "faker": ("emulator.domain.numbers", "emulator.simulation.results"),
}

# Package -> packages it must never import (lower layers never reach up).
FORBIDDEN = {
    "emulator.domain": (
        "emulator.api",
        "emulator.simulation",
        "emulator.webhooks",
        "emulator.runtime",
        "emulator.server",
        "emulator.cli",
        "emulator.testing",
    ),
    "emulator.simulation": (
        "emulator.api",
        "emulator.webhooks",
        "emulator.runtime",
        "emulator.server",
        "emulator.cli",
        "emulator.testing",
    ),
    "emulator.webhooks": (
        "emulator.api",
        "emulator.simulation",
        "emulator.runtime",
        "emulator.server",
        "emulator.cli",
        "emulator.testing",
    ),
    "emulator.api": ("emulator.server", "emulator.cli", "emulator.testing"),
    "emulator.api.wire": ("emulator.api.app", "emulator.api.http", "emulator.runtime"),
    # The composition root and the core modules beside it sit below the HTTP layer.
    "emulator.runtime": ("emulator.api", "emulator.server", "emulator.cli", "emulator.testing"),
    "emulator.snapshot": ("emulator.api", "emulator.server", "emulator.cli", "emulator.testing"),
    "emulator.faults": ("emulator.api", "emulator.runtime", "emulator.server", "emulator.cli", "emulator.testing"),
    "emulator.journal": ("emulator.api", "emulator.runtime", "emulator.server", "emulator.cli", "emulator.testing"),
    "emulator.scheduler": (
        "emulator.api",
        "emulator.domain",
        "emulator.simulation",
        "emulator.webhooks",
        "emulator.runtime",
    ),
    "emulator.dialect": (
        "emulator.api",
        "emulator.domain",
        "emulator.simulation",
        "emulator.webhooks",
        "emulator.runtime",
        "emulator.server",
        "emulator.cli",
        "emulator.testing",
    ),
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
        module
        for module, tree in MODULES.items()
        if any(_under(i, framework) for i in imports(tree, module)) and not any(_under(module, a) for a in allowed)
    )
    assert trespassers == [], f"{framework} imported outside {allowed}: {trespassers}"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_point_one_way(package: str) -> None:
    broken = sorted(
        f"{module} -> {i}"
        for module, tree in MODULES.items()
        if _under(module, package)
        for i in imports(tree, module)
        if any(_under(i, f) for f in FORBIDDEN[package])
    )
    assert broken == [], f"{package} reaches a layer above it: {broken}"


WALL_CLOCK_CALLS = {
    ("time", "time"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time_ns"),
}


def test_only_the_clock_reads_the_wall_clock() -> None:
    # `listen` is a client tool (it stamps its own console lines), not emulator state.
    readers = sorted(
        f"{module}:{node.lineno}"
        for module, tree in MODULES.items()
        if module not in ("emulator.clock", "emulator.listen")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and (node.value.id, node.attr) in WALL_CLOCK_CALLS
    )
    assert readers == [], f"wall-clock reads outside emulator/clock.py: {readers}"


def test_no_sleeping_in_the_core() -> None:
    """Delays are scheduler jobs; only real I/O edges may wait on real time."""
    edges = ("emulator.server", "emulator.testing", "emulator.api.faults", "emulator.listen")
    sleepers = sorted(
        f"{module}:{node.lineno}"
        for module, tree in MODULES.items()
        if not any(_under(module, e) for e in edges)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "sleep"
    )
    assert sleepers == [], f"sleeps in the core: {sleepers}"


def test_modules_stay_small() -> None:
    big = sorted(
        f"{p.relative_to(PACKAGE.parent)} ({n} lines)"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 300
    )
    assert big == [], f"modules over 300 lines: {big}"


# --- The seam: dialects are packages, and nothing else names a vendor -------------------------

DIALECTS = sorted(p.parent.name for p in (PACKAGE / "api").glob("*/__init__.py") if p.parent.name != "wire")
DIALECT_PACKAGES = tuple(f"emulator.api.{name}" for name in DIALECTS)
# The entry points above the core may name the product they emulate; the registry lists the dialects;
# `listen` is a client of the default dialect's API (it creates a webhook endpoint), run by the CLI;
# `banner` is what the CLI's `up` prints.
MAY_NAME_VENDORS = (
    "emulator.cli",
    "emulator.banner",
    "emulator.server",
    "emulator.testing",
    "emulator.listen",
    "emulator.__main__",
    "emulator.api.dialects",
)
# The product's own name is not a vendor's: the package, its logger and its settings' prefix.
PRODUCT_NAMES = re.compile(r"callingbox[-_ ]emulator|CALLINGBOX_EMULATOR_", re.IGNORECASE)
# The one vendor-shaped value the core keeps: the product's documented default key, which
# `Config().api_key` has always been (users' test setups read it); a dialect whose default
# differs replaces it when the Emulator takes its profile (emulator/runtime.py).
ALLOWED = {("emulator.config", "sk_test_emulator")}
VENDOR = re.compile(
    r"callingbox|voxbridge|whsec_|sk_test_|sk_live_|x-voice|"
    r"\bcall\.(queued|ringing|answered|completed|failed|no_answer|busy|canceled|ended|analyzed)\b",
    re.IGNORECASE,
)


def _is_dialect(module: str) -> bool:
    return any(_under(module, d) for d in DIALECT_PACKAGES)


def _vendor_hits(tree: ast.Module, module: str) -> list[str]:
    hits = [
        f"{node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (module, node.value) not in ALLOWED
        and VENDOR.search(PRODUCT_NAMES.sub("", node.value))
    ]
    hits += [f"imports {i}" for i in imports(tree, module) if _is_dialect(i)]
    return hits


def _core_modules() -> list[str]:
    # "emulator" is the package's __init__ (the product's own docstring).
    return [
        m for m in MODULES if m != "emulator" and not _is_dialect(m) and not any(_under(m, e) for e in MAY_NAME_VENDORS)
    ]


def test_there_is_a_dialect_package() -> None:
    assert "callingbox" in DIALECTS


def test_the_core_names_no_vendor() -> None:
    """No vendor's name, key or secret prefix, header or event name below the dialect packages
    (strings and docstrings alike), and no import of a dialect package."""
    found = {m: hits for m in _core_modules() if (hits := _vendor_hits(MODULES[m], m))}
    assert found == {}, f"vendor literals or dialect imports outside emulator/api/<dialect>/: {found}"


def test_dialects_do_not_import_each_other() -> None:
    crossed = sorted(
        f"{module} -> {i}"
        for module, tree in MODULES.items()
        for d in DIALECT_PACKAGES
        if _under(module, d)
        for i in imports(tree, module)
        if _is_dialect(i) and not _under(i, d)
    )
    assert crossed == [], f"dialect packages import each other: {crossed}"


def test_the_import_walk_sees_relative_and_nested_imports() -> None:
    tree = ast.parse("def f():\n    from ..api.callingbox import calls\n    from . import scheduler\n")
    assert {"emulator.api.callingbox", "emulator.api.callingbox.calls"} <= imports(tree, "emulator.webhooks.sinks")
    assert "emulator.webhooks" in imports(tree, "emulator.webhooks.sinks")
