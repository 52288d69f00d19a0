"""GET /_emulator/events/stream over a real socket: order, ids, resume, filters, bounds."""

from __future__ import annotations

import pytest

from tests.observe.conftest import Live, Message

CALL_STORY = ["call.queued", "call.ringing", "call.answered", "call.completed"]


def calls_only(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.event.startswith("call.")]


def test_a_call_streams_in_order_with_rising_ids(live: Live) -> None:
    sink = f"{live.base_url}/_emulator/sinks/watch"
    stream = live.stream()
    call = live.call(live.agent(webhook_url=sink)["id"])
    live.control.post("/_emulator/clock/run_until_idle", json={})
    seen = stream.until(lambda m: m.event == "clock.changed" and m.data["data"]["cause"] == "run_until_idle")

    assert [m.event for m in calls_only(seen)] == CALL_STORY
    ids = [m.id for m in seen]
    assert all(isinstance(i, int) for i in ids) and ids == sorted(set(ids))  # rising, never repeated
    assert all(m.data["id"] == m.id and m.data["type"] == m.event for m in seen)
    completed = calls_only(seen)[-1].data
    assert completed["call_id"] == call["id"] and completed["data"]["status"] == "completed"
    assert set(completed["data"]) == set(call)  # the call object, as the API answers it
    # Each call event is followed, in time, by its webhook attempt and its arrival at the sink.
    attempts = [m for m in seen if m.event == "delivery.attempt"]
    arrivals = [m for m in seen if m.event == "sink.received"]
    assert [a.data["data"]["event_type"] for a in attempts] == CALL_STORY
    assert all(a.data["data"]["response_status"] == 200 for a in attempts)
    assert [r.data["data"]["event_type"] for r in arrivals] == CALL_STORY
    assert all(r.data["data"]["verified"] for r in arrivals)
    # Virtual time on each item; the wall time beside it.
    assert completed["created"].endswith("Z") and completed["wall"].endswith("Z")


def test_clock_changes_are_streamed(live: Live) -> None:
    stream = live.stream({"type": "clock.*"})
    live.control.post("/_emulator/clock", json={"mode": "realtime", "speed": 5})
    live.control.post("/_emulator/clock", json={"mode": "manual"})
    live.control.post("/_emulator/clock/advance", json={"seconds": 60})
    got = [stream.next().data["data"] for _ in range(3)]
    assert [(g["cause"], g["mode"], g["speed"]) for g in got] == [
        ("set", "realtime", 5),
        ("set", "manual", 5),
        ("advance", "manual", 5),
    ]
    assert got[2]["unix"] >= got[1]["unix"] + 60


def test_resume_with_last_event_id_loses_nothing(live: Live) -> None:
    first = live.stream()
    agent = live.agent()["id"]
    live.call(agent)
    live.control.post("/_emulator/clock/advance", json={"seconds": 2})  # queued, ringing
    head = first.until(lambda m: m.event == "call.ringing")
    first.close()  # the client goes away; more happens meanwhile
    live.control.post("/_emulator/clock/run_until_idle", json={})
    live.call(agent, to="+15005550001")
    live.control.post("/_emulator/clock/run_until_idle", json={})

    for how in ({"headers": {"Last-Event-ID": str(head[-1].id)}}, {"params": {"last_event_id": str(head[-1].id)}}):
        resumed = live.stream(**how)  # type: ignore[arg-type]
        rest = resumed.until(lambda m: m.event == "call.busy")
        assert [m.id for m in rest] == list(range(head[-1].id + 1, rest[-1].id + 1))  # no gap, no repeat
        assert [m.event for m in calls_only(rest)] == ["call.answered", "call.completed", "call.queued", "call.busy"]
        resumed.close()


def test_an_id_from_another_run_says_gap_and_replays(live: Live) -> None:
    live.control.post("/_emulator/clock/advance", json={"seconds": 1})
    stream = live.stream(headers={"Last-Event-ID": "999999"})
    gap = stream.next()
    assert gap.event == "gap" and gap.id is None
    assert "newer than any event of this run" in gap.data["reason"]
    assert stream.next().event == "clock.changed"  # the buffer, from its start


def test_filters_by_org_call_and_type(live: Live) -> None:
    other = live.org()
    mine = live.call(live.agent()["id"])
    theirs = live.call(live.agent(key=other["api_key"])["id"], key=other["api_key"])
    by_org = live.stream({"org_id": other["id"]})
    by_call = live.stream({"call_id": mine["id"], "type": "call.completed,call.ringing"})
    by_family = live.stream({"type": "call.*", "org_id": other["id"]})
    live.control.post("/_emulator/clock/run_until_idle", json={})

    org_seen = by_org.until(lambda m: m.event == "call.completed")
    assert {m.data["org_id"] for m in org_seen} == {other["id"]} and {m.data["call_id"] for m in org_seen} == {
        theirs["id"]
    }
    assert [m.event for m in by_call.until(lambda m: m.event == "call.completed")] == ["call.ringing", "call.completed"]
    assert [m.event for m in by_family.until(lambda m: m.event == "call.completed")] == [
        "call.ringing",
        "call.answered",
        "call.completed",
    ]  # queued came before the stream opened


@pytest.mark.parametrize(
    "query, named",
    [
        ("type=call.nope", "type: 'call.nope' is not an event type"),
        ("org_id=abc", "org_id: 'abc' is not a valid id"),
        ("callid=x", "unknown query parameter callid"),
        ("last_event_id=-3", "Last-Event-ID: '-3' is not an event id"),
    ],
)
def test_bad_filters_are_400_and_name_the_problem(live: Live, query: str, named: str) -> None:
    r = live.control.get(f"/_emulator/events/stream?{query}")
    assert r.status_code == 400 and named in r.json()["error"], r.text
