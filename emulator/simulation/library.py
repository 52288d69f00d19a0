"""The scenarios an emulator starts with: the shipped library, then ``--scenarios`` paths."""

from __future__ import annotations

import functools
from pathlib import Path

from emulator.resources import scenarios_dir
from emulator.simulation.scenario import Scenario, load_path


def load_scenarios(extra_dirs: tuple[str, ...]) -> list[list[tuple[Scenario, str]]]:
    """The shipped library, then each ``--scenarios`` path (later ones win)."""
    shipped = scenarios_dir()
    stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(shipped.iterdir()))
    return [list(_parse_shipped(str(shipped), stamp)), *(load_path(Path(p)) for p in extra_dirs)]


@functools.lru_cache(maxsize=4)
def _parse_shipped(path: str, stamp: tuple[tuple[str, int, int], ...]) -> tuple[tuple[Scenario, str], ...]:
    """Parsing the library's YAML costs tens of ms, paid by every Emulator (one per test):
    parse it once per process and version of its files (scenarios are frozen, so sharing is safe)."""
    return tuple(load_path(Path(path)))
