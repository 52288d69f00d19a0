"""The pytest plugin's helpers, from the outside: an inner pytest session (pytester) with no
conftest uses ``callingbox.webhook_chaos(...)`` and ``callingbox.realism(...)``."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]
LEAN = (
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:schemathesis",
    "-p",
    "no:faker",
    "-p",
    "no:anyio",
    "-p",
    "no:randomly",
    "-p",
    "no:cacheprovider",
)


def test_webhook_chaos_and_realism_through_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        asyncio_default_fixture_loop_scope = function
        filterwarnings = error
        """)
    pytester.makepyfile(
        test_inner="""
def test_duplicates_reach_the_sink_with_one_event_id(callingbox):
    agent = callingbox.ready_agent()
    with callingbox.webhook_chaos(duplicate=1.0) as rule:
        call = callingbox.call(agent["id"])
        callingbox.run_until_idle()
    completed = callingbox.webhooks("call.completed", call["id"])
    assert len(completed) == 2 and completed[0]["event_id"] == completed[1]["event_id"]
    assert [a["chaos"][0]["action"] for a in callingbox.deliveries(call["id"]) if a["chaos"]] == ["duplicate"] * 4
    assert rule["id"] not in [r["id"] for r in callingbox.client.get("/_emulator/webhook_chaos").json()["data"]]


def test_a_bad_signature_is_not_verified_by_the_sink(callingbox):
    agent = callingbox.ready_agent()
    with callingbox.webhook_chaos(bad_signature=1.0):
        call = callingbox.call(agent["id"])
        callingbox.run_until_idle()
    assert [w["verified"] for w in callingbox.webhooks(call_id=call["id"])] == [False] * 4


def test_chaos_of_one_test_leaves_the_next_alone(callingbox):
    agent = callingbox.ready_agent()
    call = callingbox.call(agent["id"])
    callingbox.run_until_idle()
    assert len(callingbox.webhooks(call_id=call["id"])) == 4
    assert all(a["chaos"] == [] for a in callingbox.deliveries(call["id"]))


def test_realism_switches_on_and_off(callingbox):
    agent = callingbox.ready_agent()
    switches = callingbox.realism(do_not_call=["+15005550006"], max_concurrent_calls=1)
    assert switches["do_not_call"] == ["+15005550006"] and switches["max_concurrent_calls"] == 1
    refused = callingbox.client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    assert refused.status_code == 400 and "do-not-call" in refused.json()["error"]
    assert callingbox.realism(do_not_call=None)["do_not_call"] is None
    callingbox.call(agent["id"])
    busy = callingbox.client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    assert busy.status_code == 429
"""
    )
    result = pytester.runpytest_subprocess(*LEAN, timeout=300)
    result.assert_outcomes(passed=4)
