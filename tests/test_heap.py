"""The collector policy `up` installs (emulator/heap.py), exercised without touching this process' collector."""

from __future__ import annotations

import pytest

from emulator import heap


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    monkeypatch.setattr(heap.gc, "freeze", lambda: made.append("freeze"))
    monkeypatch.setattr(heap.gc, "unfreeze", lambda: made.append("unfreeze"))
    monkeypatch.setattr(heap.gc, "get_objects", lambda generation: [None] * 10)  # 10 survivors each time
    monkeypatch.setattr(heap, "_state", {"installed": True, "frozen": 0, "base": 0})
    return made


def test_survivors_of_a_full_collection_are_frozen(calls: list[str]) -> None:
    heap._after("start", {"generation": 2})
    heap._after("stop", {"generation": 0})
    heap._after("stop", {"generation": 1})
    assert calls == []
    heap._after("stop", {"generation": 2})
    assert calls == ["freeze"]


def test_the_heap_is_thawed_once_it_has_grown_enough(calls: list[str]) -> None:
    # The first full collection after a thaw sets the base (10); the one that takes what was
    # frozen since past GROWTH times that thaws instead of freezing, and the next one starts over.
    for _ in range(heap.GROWTH + 1):
        heap._after("stop", {"generation": 2})
    assert calls == ["freeze"] * heap.GROWTH + ["unfreeze"]
    heap._after("stop", {"generation": 2})
    assert calls[-1] == "freeze" and heap._state == {"installed": True, "frozen": 10, "base": 10}


def test_a_reset_thaws_only_once_installed(calls: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    heap.thaw()
    assert calls == ["unfreeze"]
    monkeypatch.setattr(heap, "_state", {"installed": False, "frozen": 0, "base": 0})
    heap.thaw()
    assert calls == ["unfreeze"]
