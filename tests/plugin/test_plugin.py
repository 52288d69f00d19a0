"""The pytest plugin, proven from the outside: each test runs an inner pytest session (pytester)
with no conftest.py, so the `callingbox` fixture and marker come from the entry point alone,
and asserts on the inner outcomes and on the exact text a failing helper prints."""

from __future__ import annotations

import threading

import pytest

from .conftest import LEAN

# Shared by the inner test files: tiny readers of the control plane.
HELPERS = """
import pytest

def clock(cb):
    return cb.client.get("/_emulator/clock").json()["unix"]

def balance(cb):
    return cb.client.get(f"/_emulator/orgs/{cb.org_id}").json()["balance_milli_cents"]

def calls(cb):
    return cb.client.get("/v1/calls").json()["data"]
"""


def run(inner: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    inner.makepyfile(test_inner=HELPERS + source)
    return inner.runpytest(*args)


# -- the fixture, in-process and live ---------------------------------------------------------


def test_registered_by_the_entry_point_and_in_process_by_default(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
import socket

def test_in_process(callingbox, monkeypatch):
    def refuse(*args):
        raise AssertionError("in-process mode touched the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "bind", refuse)
    assert callingbox.base_url == "http://callingbox.test"
    assert str(callingbox.client.base_url) == "http://callingbox.test"
    assert callingbox.client.headers["Authorization"] == f"Bearer {callingbox.api_key}"
    assert callingbox.api_key.startswith("sk_") and callingbox.signing_secret.startswith("whsec_")
    assert callingbox.sink_url == f"http://callingbox.test/_emulator/sinks/test-{callingbox.org_id}"
    number = callingbox.buy_number()
    assert [n["id"] for n in callingbox.client.get("/v1/numbers").json()["data"]] == [number["id"]]
    agent = callingbox.ready_agent()
    call = callingbox.call(agent["id"])
    assert callingbox.wait_for_webhook("call.completed", call["id"])["verified"] is True
""",
    )
    assert not (inner.path / "conftest.py").exists()
    result.assert_outcomes(passed=1)
    markers = inner.runpytest("--markers")
    markers.stdout.fnmatch_lines(
        [
            "@pytest.mark.callingbox(live=False, seed=0, scenarios=(), legacy_calls=False, "
            "balance=None, webhook_timeout=10, realtime_timeout=30): *"
        ]
    )


def test_live_mode_serves_a_real_port_and_leaves_no_thread(inner: pytest.Pytester) -> None:
    before = set(threading.enumerate())
    result = run(
        inner,
        """
import json, re, urllib.request
from callingbox import Callingbox

@pytest.mark.callingbox(live=True)
def test_live(callingbox):
    assert re.fullmatch(r"http://127\\.0\\.0\\.1:\\d+", callingbox.base_url)
    with urllib.request.urlopen(callingbox.base_url + "/_emulator/health") as answer:
        assert json.load(answer)["status"] == "ok"
    request = urllib.request.Request(callingbox.base_url + "/v1/numbers",
                                     headers={"Authorization": f"Bearer {callingbox.api_key}"})
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer)["data"] == []
    number = callingbox.buy_number()
    with Callingbox(api_key=callingbox.api_key, base_url=callingbox.base_url) as sdk:
        assert [n.e164 for n in sdk.numbers.list()] == [number["e164"]]
    call = callingbox.call(callingbox.ready_agent()["id"])
    delivered = callingbox.wait_for_webhook("call.completed", call["id"])
    assert delivered["verified"] and delivered["body"]["data"]["call"]["id"] == call["id"]

@pytest.mark.callingbox(live=True, seed=3)
def test_live_dedicated(callingbox):
    assert callingbox.base_url.startswith("http://127.0.0.1:")

def test_in_process_next_to_live(callingbox):
    assert callingbox.base_url == "http://callingbox.test"
""",
    )
    result.assert_outcomes(passed=3)
    leaked = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert leaked == []


def test_async_tests_can_use_the_handle(inner: pytest.Pytester) -> None:
    """pytest-asyncio in auto mode: the handle blocks, but the emulator runs on its own loop."""
    inner.makeini("""
        [pytest]
        asyncio_mode = auto
        asyncio_default_fixture_loop_scope = function
        filterwarnings = error
        """)
    result = run(
        inner,
        """
async def test_async(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"])
    assert callingbox.wait_for_status(call["id"], "completed")["status"] == "completed"
""",
    )
    result.assert_outcomes(passed=1)


# -- isolation ----------------------------------------------------------------------------------


def test_each_test_sees_only_its_own_org(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
first = {}

def test_first(callingbox):
    agent = callingbox.ready_agent()
    made = [callingbox.call(agent["id"], to=to)["id"] for to in ("+15005550006", "+15005550001")]
    callingbox.run_until_idle()
    assert sorted(c["id"] for c in calls(callingbox)) == sorted(made)
    assert callingbox.webhooks()
    first.update(key=callingbox.api_key, org=callingbox.org_id, secret=callingbox.signing_secret,
                 call=made[0], agent=agent["id"])

def test_second(callingbox):
    assert first, "test_first ran first"
    assert callingbox.api_key != first["key"]
    assert callingbox.org_id != first["org"] and callingbox.signing_secret != first["secret"]
    assert calls(callingbox) == []
    assert callingbox.client.get("/v1/numbers").json()["data"] == []
    assert callingbox.client.get("/v1/agents").json()["data"] == []
    assert callingbox.client.get(f"/v1/calls/{first['call']}").status_code == 404
    assert callingbox.client.get(f"/v1/agents/{first['agent']}").status_code == 404
    assert callingbox.webhooks() == [] and callingbox.deliveries() == []
""",
    )
    result.assert_outcomes(passed=2)


def test_emulator_wide_changes_do_not_reach_the_next_test(inner: pytest.Pytester) -> None:
    """Loading scenarios, switching the clock, injecting faults or resetting changes what every
    org sees, so the shared emulator is replaced after such a test."""
    result = run(
        inner,
        '''
VIP = """
scenarios:
  - name: always-busy
    match: {to: "+15005550006"}
    outcome: busy
"""

def test_changes_everything(callingbox):
    callingbox.load_scenarios(VIP)
    assert callingbox.client.post("/_emulator/clock", json={"mode": "realtime"}).status_code == 200
    fault = {"path": "/v1/calls", "method": "POST", "status": 503, "count": 5}
    assert callingbox.client.post("/_emulator/faults", json=fault).status_code == 201

def test_sees_the_shipped_emulator(callingbox):
    names = [s["name"] for s in callingbox.client.get("/_emulator/scenarios").json()["data"]]
    assert "always-busy" not in names
    assert callingbox.client.get("/_emulator/clock").json()["mode"] == "manual"
    assert callingbox.client.get("/_emulator/faults").json()["data"] == []
    call = callingbox.call(callingbox.ready_agent()["id"])
    assert callingbox.wait_for_status(call["id"], "completed")["status"] == "completed"
''',
    )
    result.assert_outcomes(passed=2)


def test_xdist_workers_each_get_isolated_orgs(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
OUTCOMES = {"+15005550006": "completed", "+15005550001": "busy", "+15005550002": "no_answer",
            "+15005550003": "failed", "+15005550005": "canceled", "+15005550007": "completed"}

@pytest.mark.parametrize("to", sorted(OUTCOMES))
def test_outcome(callingbox, to):
    assert calls(callingbox) == []
    agent = callingbox.ready_agent()
    call = callingbox.call(agent["id"], to=to)
    callingbox.run_until_idle()
    assert [(c["id"], c["status"]) for c in calls(callingbox)] == [(call["id"], OUTCOMES[to])]
    assert {w["call_id"] for w in callingbox.webhooks()} == {call["id"]}
""",
        "-n",
        "2",
        "-v",
        *LEAN,
    )
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*[[]gw0[]]*PASSED*"])
    result.stdout.fnmatch_lines(["*[[]gw1[]]*PASSED*"])


# -- the marker ---------------------------------------------------------------------------------


def test_seed_gives_the_same_ids_in_separate_tests(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
seen = []

def ids(cb):
    agent = cb.ready_agent()
    call = cb.call(agent["id"])
    return cb.org_id, cb.api_key, agent["id"], agent["numbers"][0]["e164"], call["id"]

@pytest.mark.callingbox(seed=7)
def test_one(callingbox):
    seen.append(ids(callingbox))

@pytest.mark.callingbox(seed=7)
def test_two(callingbox):
    assert ids(callingbox) == seen[0]

@pytest.mark.callingbox(seed=8)
def test_other_seed(callingbox):
    assert ids(callingbox)[0] != seen[0][0]
""",
    )
    result.assert_outcomes(passed=3)


def test_legacy_calls_let_the_sdk_dispatch(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
from callingbox import BadRequestError, Callingbox

@pytest.mark.callingbox(live=True, legacy_calls=True)
def test_legacy(callingbox):
    callingbox.buy_number()
    with Callingbox(api_key=callingbox.api_key, base_url=callingbox.base_url) as sdk:
        call = sdk.calls.create("+15005550006", prompt="Confirm tomorrow", returns={"confirmed": "boolean"})
    assert call.status == "queued" and call.prompt == "Confirm tomorrow"
    done = callingbox.wait_for_status(call.id, "completed")
    assert done["to_number"] == "+15005550006"

@pytest.mark.callingbox(live=True)
def test_without_legacy(callingbox):
    callingbox.buy_number()
    with Callingbox(api_key=callingbox.api_key, base_url=callingbox.base_url) as sdk:
        with pytest.raises(BadRequestError, match="--legacy-calls"):
            sdk.calls.create("+15005550006", prompt="Confirm tomorrow")
""",
    )
    result.assert_outcomes(passed=2)


def test_scenarios_dirs_add_scenarios(inner: pytest.Pytester) -> None:
    (inner.path / "scenarios").mkdir()
    (inner.path / "scenarios" / "vip.yaml").write_text("""
scenarios:
  - name: vip-confirms
    match: {to: "+1212555"}
    outcome: completed
    timing: {ring: 2, talk: 10, extraction: 1}
    result: {confirmed: true, note: "VIP"}
""")
    result = run(
        inner,
        """
from pathlib import Path

HERE = Path(__file__).parent

def vip_call(cb):
    agent = cb.ready_agent(returns={"confirmed": "boolean", "note": "string"})
    call = cb.call(agent["id"], to="+12125550100")
    cb.wait_for_webhook("call.completed", call["id"])
    return cb.client.get(f"/v1/calls/{call['id']}").json()

@pytest.mark.callingbox(scenarios=[HERE / "scenarios"])
def test_list_of_dirs(callingbox):
    assert vip_call(callingbox)["result"] == {"confirmed": True, "note": "VIP"}

@pytest.mark.callingbox(scenarios=str(HERE / "scenarios"))
def test_one_dir(callingbox):
    assert vip_call(callingbox)["result"] == {"confirmed": True, "note": "VIP"}

def test_not_without_the_marker(callingbox):
    assert vip_call(callingbox)["result"] != {"confirmed": True, "note": "VIP"}

@pytest.mark.callingbox(scenarios=[HERE / "missing"])
def test_missing_dir(callingbox):
    pass
""",
    )
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["callingbox: scenarios=[[]'*/missing'[]]: */missing: no such file or directory"])


def test_balance_below_the_hold_gives_402(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
@pytest.mark.callingbox(balance=399_999)
def test_low_balance(callingbox):
    agent = callingbox.ready_agent()          # the number costs $1.00: $2.99999 left
    assert balance(callingbox) == 299_999
    refused = callingbox.client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    assert refused.status_code == 402
    assert refused.json()["error"].startswith("Calls paused. Your balance is $2.99 but each call requires a $3.00 hold")
    assert calls(callingbox) == []
    callingbox.set_balance(300_000)
    assert callingbox.call(agent["id"])["status"] == "queued"
""",
    )
    result.assert_outcomes(passed=1)


def test_closest_marker_wins(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
pytestmark = pytest.mark.callingbox(seed=5, balance=1_000_000)
orgs = set()

def test_module_level(callingbox):
    assert balance(callingbox) == 1_000_000
    assert callingbox.base_url == "http://callingbox.test"
    orgs.add(callingbox.org_id)

@pytest.mark.callingbox(live=True, balance=2_000_000)
class TestClassLevel:
    def test_class(self, callingbox):
        assert balance(callingbox) == 2_000_000
        assert callingbox.base_url.startswith("http://127.0.0.1:")
        orgs.add(callingbox.org_id)

    @pytest.mark.callingbox(live=False, balance=3_000_000)
    def test_method(self, callingbox):
        assert balance(callingbox) == 3_000_000
        assert callingbox.base_url == "http://callingbox.test"
        orgs.add(callingbox.org_id)

def test_all_used_seed_5():
    assert len(orgs) == 1    # a fresh seed-5 emulator each time: the same org id
""",
    )
    result.assert_outcomes(passed=4)


def test_marker_mistakes_are_named(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
@pytest.mark.callingbox(sead=1, live=True)
def test_unknown(callingbox):
    pass

@pytest.mark.callingbox(True)
def test_positional(callingbox):
    pass
""",
    )
    result.assert_outcomes(errors=2)
    known = "balance, dialect, legacy_calls, live, realtime_timeout, scenarios, seed, webhook_timeout"
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_unknown*",
            f"unknown option(s) for @pytest.mark.callingbox: sead; known: {known}",
            "*ERROR at setup of test_positional*",
            f"@pytest.mark.callingbox takes keyword options only (got positional (True,)), e.g. live=True; known: {known}",
        ]
    )


# -- helpers that succeed -----------------------------------------------------------------------


def test_helpers_move_time_and_build_state(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        '''
from callingbox.resources.webhooks import Webhooks

def status(cb, call):
    return cb.client.get(f"/v1/calls/{call['id']}").json()

def test_advance(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"])   # magic completed: ring 3, talk 30, extraction 2
    start = clock(callingbox)
    moved = callingbox.advance(1)
    assert moved["advanced_seconds"] == 1 and moved["jobs_run"] >= 1 and moved["clock"]["unix"] == start + 1
    assert status(callingbox, call)["status"] == "initiated"
    callingbox.advance(1)
    assert status(callingbox, call)["status"] == "ringing"
    callingbox.advance(3)
    assert status(callingbox, call)["status"] == "in_progress"
    callingbox.advance(30)
    assert status(callingbox, call)["status"] == "in_progress"   # hung up, result still being extracted
    assert status(callingbox, call)["result_status"] == "pending"
    callingbox.advance(2)
    assert (status(callingbox, call)["status"], status(callingbox, call)["result_status"]) == ("completed", "completed")

def test_run_until_idle(callingbox):
    agent = callingbox.ready_agent()
    made = [callingbox.call(agent["id"], to=to) for to in ("+15005550006", "+15005550002", "+15005550004")]
    assert callingbox.run_until_idle()["ran"] is True
    assert [status(callingbox, c)["status"] for c in made] == ["completed", "no_answer", "no_answer"]
    again = callingbox.run_until_idle()
    assert again["ran"] is False and again["next_due"] is None

def test_wait_for_status(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"])
    start = clock(callingbox)
    assert callingbox.wait_for_status(call["id"], "ringing")["status"] == "ringing"
    assert clock(callingbox) == start + 2               # stepped to that instant, no further
    assert callingbox.wait_for_status(call["id"], "ringing")["status"] == "ringing"
    assert clock(callingbox) == start + 2               # already there: returned at once
    assert callingbox.wait_for_status(call["id"], "completed")["ended_at"] is not None

def test_wait_for_webhook(callingbox):
    agent = callingbox.ready_agent()
    assert agent["webhook_url"] == callingbox.sink_url
    call = callingbox.call(agent["id"])
    got = callingbox.wait_for_webhook("call.completed", call["id"])
    assert got["verified"] is True and got["verified_with"] == "org default secret"
    assert got["org_id"] == callingbox.org_id and got["event_type"] == "call.completed"
    assert got["body"]["type"] == "call.completed" and got["body"]["data"]["call"]["id"] == call["id"]
    assert [w["event_type"] for w in callingbox.webhooks(call_id=call["id"])] == [
        "call.queued", "call.ringing", "call.answered", "call.completed"]
    raw = callingbox.deliveries(call["id"])[-1]        # exactly as sent: feed it to your handler
    event = Webhooks.construct_event(raw["request_body"], raw["request_headers"]["CallingBox-Signature"],
                                     callingbox.signing_secret)
    assert event.type == "call.completed" and event.data["call"]["id"] == call["id"]

def test_call_with_a_named_scenario(callingbox):
    agent = callingbox.ready_agent(returns={"confirmed": "boolean", "reschedule_to": "string", "reason": "string"})
    call = callingbox.call(agent["id"], to="+14155550123", scenario="appointment-confirmed")
    body = callingbox.wait_for_webhook("call.completed", call["id"])["body"]
    assert body["data"]["call"]["result"] == {"confirmed": True, "reschedule_to": None, "reason": None}
    transcript = callingbox.client.get(f"/v1/calls/{call['id']}/transcript").json()["segments"]
    assert transcript[-1]["text"] == "Perfect, you're confirmed. See you tomorrow!"

def test_inbound_call(callingbox):
    agent = callingbox.ready_agent("inbound")
    number = agent["numbers"][0]
    call = callingbox.inbound_call(number["e164"])
    assert call["direction"] == "inbound" and call["agent_id"] == agent["id"]
    assert call["to_number"] == number["e164"] and call["from_number"] == "+14155550100"
    assert callingbox.wait_for_status(call["id"], "completed")["direction"] == "inbound"
    assert callingbox.wait_for_webhook("call.completed", call["id"])["verified"]

def test_load_scenarios(callingbox):
    loaded = callingbox.load_scenarios("""
scenarios:
  - name: hangs-up-fast
    match: {to: "+1646555"}
    outcome: completed
    timing: {ring: 1, talk: 4, extraction: 1}
    result: {confirmed: false}
""")
    assert loaded[0] == {"name": "hangs-up-fast", "description": None, "outcome": "completed",
                         "match": {"to": "+1646555"}, "source": "control plane"}
    agent = callingbox.ready_agent(returns={"confirmed": "boolean"})
    call = callingbox.call(agent["id"], to="+16465550199")
    done = callingbox.wait_for_status(call["id"], "completed")
    assert done["duration_seconds"] == 5 and done["billed_duration_seconds"] == 4
''',
    )
    result.assert_outcomes(passed=7)


def test_realtime_clock_moves_calls_in_process(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
from emulator.testing import WaitTimeout

@pytest.mark.callingbox(realtime_timeout=10)
def test_realtime(callingbox):
    callingbox.client.post("/_emulator/clock", json={"mode": "realtime", "speed": 2000})
    call = callingbox.call(callingbox.ready_agent()["id"])
    assert callingbox.wait_for_status(call["id"], "completed")["status"] == "completed"

@pytest.mark.callingbox(realtime_timeout=0.2)
def test_realtime_timeout(callingbox):
    callingbox.client.post("/_emulator/clock", json={"mode": "realtime"})
    call = callingbox.call(callingbox.ready_agent()["id"], to="+15005550002")   # rings for 30 s
    callingbox.wait_for_status(call["id"], "no_answer")
""",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *.WaitTimeout: call * is '*', not 'no_answer'. Events so far: call.queued at *"
            "; gave up after 0.2 s of real time (realtime clock; the marker's realtime_timeout)"
        ]
    )


# -- helpers that fail, and say why -----------------------------------------------------------


def test_failing_helpers_explain(inner: pytest.Pytester) -> None:
    result = run(
        inner,
        """
def test_busy_never_completes(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"], to="+15005550001")
    start = clock(callingbox)
    try:
        callingbox.wait_for_status(call["id"], "completed")
    finally:
        assert clock(callingbox) == start + 2   # failed the moment it went busy

def test_already_busy(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"], to="+15005550001")
    callingbox.run_until_idle()
    start = clock(callingbox)
    try:
        callingbox.wait_for_status(call["id"], "in_progress")
    finally:
        assert clock(callingbox) == start       # failed at once, time untouched

def test_nothing_scheduled(callingbox, callingbox_session):
    call = callingbox.call(callingbox.ready_agent()["id"])
    callingbox.advance(2)
    for target in callingbox_session.targets.values():
        target.emulator.scheduler.clear()       # as if the carrier never called back
    callingbox.wait_for_status(call["id"], "completed")

def test_webhook_never_comes(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"], to="+15005550001")
    callingbox.wait_for_webhook("call.completed", call["id"])

def test_no_webhook_at_all(callingbox):
    callingbox.wait_for_webhook("call.completed")

def test_already_past(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"])
    callingbox.advance(10)
    callingbox.wait_for_status(call["id"], "ringing")

def test_status_typo(callingbox):
    call = callingbox.call(callingbox.ready_agent()["id"])
    callingbox.wait_for_status(call["id"], "complete")
""",
    )
    result.assert_outcomes(failed=7)
    result.stdout.fnmatch_lines(
        [
            "E *.WaitTimeout: call * ended as 'busy', never 'completed'. "
            "Events so far: call.queued at 20*Z, call.busy at 20*Z",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *.WaitTimeout: call * ended as 'busy', never 'in_progress'. "
            "Events so far: call.queued at *, call.busy at *",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *.WaitTimeout: call * is 'ringing', not 'completed'. "
            "Events so far: call.queued at *, call.ringing at *; nothing more is scheduled, so it never will",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *.WaitTimeout: no call.completed webhook for call * reached http://callingbox.test/_emulator/sinks/test-*; "
            "received: call.queued (call *), call.busy (call *); nothing more is scheduled, so it never will",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *.WaitTimeout: no call.completed webhook reached http://callingbox.test/_emulator/sinks/test-*; "
            "received: nothing; nothing more is scheduled, so it never will",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *.WaitTimeout: call * is 'in_progress', already past 'ringing'. "
            "Events so far: call.queued at *, call.ringing at *, call.answered at *",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "E *ValueError: unknown call status 'complete'; one of: queued, initiated, ringing, in_progress, "
            "busy, canceled, completed, failed, no_answer",
        ]
    )
