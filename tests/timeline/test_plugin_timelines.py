"""The plugin saves the timelines of a failing test's calls (--callingbox-timelines=DIR), and
each saved file replays with no difference: a failure becomes a regression test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

INNER = """
def test_fails(callingbox):
    agent = callingbox.ready_agent()
    first = callingbox.call(agent["id"])
    second = callingbox.call(agent["id"], to="+15005550001")
    callingbox.run_until_idle()
    assert callingbox.client.get(f"/v1/calls/{first['id']}").json()["status"] == "busy"

def test_passes(callingbox):
    agent = callingbox.ready_agent()
    callingbox.call(agent["id"])
    callingbox.run_until_idle()

def test_replay(callingbox):
    import json, pathlib
    for path in sorted(pathlib.Path(DIR).rglob("*.json")):
        answer = callingbox.client.post("/_emulator/timelines/replay", json=json.loads(path.read_text()))
        assert answer.status_code == 200, answer.text
        assert answer.json()["differences"] == [], path
"""
LEAN = ("-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:faker")


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
        "addopts = -p no:cacheprovider\n"
    )
    return pytester


def test_a_failing_test_leaves_its_calls_timelines(inner: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "timelines"
    inner.makepyfile(test_inner=f"DIR = {str(out)!r}\n" + INNER)
    result = inner.runpytest(*LEAN, f"--callingbox-timelines={out}", "-k", "fails or passes")
    result.assert_outcomes(passed=1, failed=1)
    folders = [p.name for p in out.iterdir()]
    assert folders == ["test_inner.py_test_fails"]  # the passing test left nothing
    saved = sorted((out / folders[0]).glob("*.json"))
    assert len(saved) == 2
    docs = [json.loads(p.read_text()) for p in saved]
    assert sorted(d["call"]["status"] for d in docs) == ["busy", "completed"]
    assert all(
        d["format"] == "callingbox-emulator.timeline/1" and d["call"]["id"] + ".json" == p.name
        for d, p in zip(docs, saved, strict=True)
    )
    replayed = inner.runpytest(*LEAN, "-k", "replay")
    replayed.assert_outcomes(passed=1)


def test_nothing_is_saved_without_the_option(inner: pytest.Pytester, tmp_path: Path) -> None:
    out = tmp_path / "timelines"
    inner.makepyfile(test_inner=f"DIR = {str(out)!r}\n" + INNER)
    inner.runpytest(*LEAN, "-k", "fails").assert_outcomes(failed=1)
    assert not out.exists()
