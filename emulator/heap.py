"""The cyclic collector's policy for a long-lived server heap (``up``; off in-process).

A server that stores every call keeps a heap that only grows, and Python's full collection walks
all of it: with 100,000 stored calls one walk stalls every request for tens to hundreds of
milliseconds (the POST p99 in BENCHMARKS.md). Stored records are never garbage while stored, so
after each full collection what survived is moved to the permanent generation (``gc.freeze()``)
and the next full collection walks only what arrived since: its pause follows the growth since
the last one, not the size of the store; and full collections come often (``THRESHOLDS``), so
that growth stays small. Freezing is safe for everything freed by reference counting (records,
events, deliveries: no cycles); a cycle frozen while still alive would outlive its last reference,
so on every reset (whose discarded state is a cycle) and once ``GROWTH`` times the heap of the last
full walk has been frozen since, the permanent generation is thawed and the next full collection
walks and frees everything once. Measured under wrk (POST /v1/calls and 404s, 80,000 requests):
thawing and collecting then found no unreachable object, so in practice the thaw is a safety net.
"""

from __future__ import annotations

import gc
from typing import Any

THRESHOLDS = (700, 10, 1)  # CPython's young and middle; a full collection after every second middle one
GROWTH = 64  # thaw once this many times the last full walk's heap has been frozen since
# Objects frozen since the last thaw, and the heap the first full collection after it walked.
_state = {"installed": False, "frozen": 0, "base": 0}


def _after(phase: str, info: dict[str, Any]) -> None:
    if phase != "stop" or info["generation"] != 2:
        return
    walked = len(gc.get_objects(2))  # what survived this collection and is not frozen yet
    if not _state["base"]:  # the first full collection since a thaw walked the whole heap
        _state["base"] = max(walked, 1)
    _state["frozen"] += walked
    if _state["frozen"] > GROWTH * _state["base"]:  # the heap has grown enough since: walk it all once more
        _thaw()
    else:
        gc.freeze()


def _thaw() -> None:
    _state["frozen"] = _state["base"] = 0
    gc.unfreeze()


def install() -> None:
    """Freeze what start-up built and keep freezing survivors of every full collection.
    Process-wide: for the process that serves (``up``), not for one embedding the emulator."""
    gc.freeze()
    _state["frozen"] = _state["base"] = gc.get_freeze_count()  # start-up's heap: the first base
    if not _state["installed"]:
        _state["installed"] = True
        gc.set_threshold(*THRESHOLDS)
        gc.callbacks.append(_after)


def thaw() -> None:
    """State was discarded (a reset): let the next full collection see (and free) it."""
    if _state["installed"]:
        _thaw()
