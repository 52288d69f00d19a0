"""Which scenario a call gets, and loading scenarios through the control plane and config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.simulation.scenario import ScenarioError

from .conftest import CALLER, PLAIN_TO, YAML, advance, error_of, get_call, inbound_line, load_scenarios, org_state

SCENARIO = "CallingBox-Emulator-Scenario"
MAGIC = {
    "magic-completed": ("+15005550006", "completed"),
    "magic-busy": ("+15005550001", "busy"),
    "magic-no-answer": ("+15005550002", "no_answer"),
    "magic-failed": ("+15005550003", "failed"),
    "magic-voicemail": ("+15005550004", "voicemail"),
    "magic-canceled": ("+15005550005", "canceled"),
    "magic-extraction-failed": ("+15005550007", "extraction_failed"),
    "magic-dispatch-refused": ("+15005550008", "dispatch_refused"),
}


async def outcome(client: httpx.AsyncClient, call_id: str) -> tuple[str, str | None]:
    """(status, error_code) once every job of the call has run."""
    await advance(client, 400)
    call = await get_call(client, call_id)
    return call["status"], call["error_code"]


async def place(
    client: httpx.AsyncClient, agent_id: str, to: str, scenario: str | None = None, **fields: Any
) -> dict[str, Any]:
    headers = {SCENARIO: scenario} if scenario else {}
    r = await client.post("/v1/calls", json={"agent_id": agent_id, "to": to, **fields}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


# -- the header ---------------------------------------------------------------------------------


async def test_the_header_beats_a_magic_number(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await place(client, agent["id"], "+15005550006", scenario="carrier-failure")
    assert await outcome(client, call["id"]) == ("failed", "carrier_unreachable")
    call = await place(client, agent["id"], "+15005550001", scenario="magic-completed")
    assert await outcome(client, call["id"]) == ("completed", None)


async def test_an_unknown_scenario_name_is_a_400_listing_the_known_ones(
    client: httpx.AsyncClient,
    api: Any,
    org_id: str,
) -> None:
    agent = await api.agent()
    r = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": PLAIN_TO}, headers={SCENARIO: "nope"})
    message = error_of(r, 400, "unknown scenario 'nope'", "known scenarios:")
    for name in ("appointment-confirmed", "busy", "default", *MAGIC):
        assert name in message
    assert (await client.get("/v1/calls")).json()["data"] == []
    assert (await org_state(client, org_id))["held_milli_cents"] == 0


async def test_the_header_can_refuse_a_dispatch(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    agent = await api.agent()
    r = await client.post(
        "/v1/calls", json={"agent_id": agent["id"], "to": PLAIN_TO}, headers={SCENARIO: "provider-refused"}
    )
    error_of(r, 502, "The telephony provider could not place the call.")
    assert (await client.get("/v1/calls")).json()["data"] == []
    assert (await org_state(client, org_id))["held_milli_cents"] == 0


# -- precedence ---------------------------------------------------------------------------------


async def test_control_plane_scenarios_beat_the_magic_numbers(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - name: all-magic-fail
    match: {to: "+150055500"}
    outcome: failed
    error: {code: overridden}
""",
    )
    agent = await api.agent()
    call = await place(client, agent["id"], "+15005550006")
    assert await outcome(client, call["id"]) == ("failed", "overridden")
    call = await place(client, agent["id"], "+15005550006", scenario="magic-completed")
    assert await outcome(client, call["id"]) == ("completed", None)


async def test_the_latest_load_wins(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - {name: first-load, match: {to: "+1212"}, outcome: failed, error: {code: first_load}}
""",
    )
    await load_scenarios(
        client,
        """
scenarios:
  - {name: second-load, match: {to: "+1212555"}, outcome: failed, error: {code: second_load}}
""",
    )
    agent = await api.agent()
    both = await place(client, agent["id"], "+12125550100")
    older_only = await place(client, agent["id"], "+12129990100")
    assert await outcome(client, both["id"]) == ("failed", "second_load")
    assert await outcome(client, older_only["id"]) == ("failed", "first_load")


async def test_within_one_file_the_first_match_wins(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - {name: top, match: {to: "+1212"}, outcome: failed, error: {code: top_of_file}}
  - {name: below, match: {to: "+1212555"}, outcome: failed, error: {code: further_down}}
""",
    )
    agent = await api.agent()
    call = await place(client, agent["id"], "+12125550100")  # both match
    assert await outcome(client, call["id"]) == ("failed", "top_of_file")
    listed = [s["name"] for s in (await client.get("/_emulator/scenarios")).json()["data"]]
    assert listed.index("top") < listed.index("below")


async def test_loading_a_known_name_replaces_it(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - {name: magic-busy, match: {to: "+15005550001"}, outcome: no_answer, timing: {ring: 3}}
""",
    )
    listed = (await client.get("/_emulator/scenarios")).json()["data"]
    assert [s["source"] for s in listed if s["name"] == "magic-busy"] == ["control plane"]
    agent = await api.agent()
    call = await place(client, agent["id"], "+15005550001")
    assert await outcome(client, call["id"]) == ("no_answer", None)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_config_dirs_beat_the_library_and_the_control_plane_beats_them(
    tmp_path: Path,
    connect: Callable[..., httpx.AsyncClient],
    api: Any,
) -> None:
    write(
        tmp_path / "extra",
        "ours.yaml",
        """
scenarios:
  - {name: ours-completed-is-busy, match: {to: "+15005550006"}, outcome: busy}
  - {name: ours-plain, match: {to: "+1415"}, outcome: canceled, timing: {ring: 1}}
""",
    )
    emulator = Emulator(Config(scenarios=(str(tmp_path / "extra"),)))
    client = connect(target=emulator)
    api = type(api)(client)
    agent = await api.agent()
    listed = [s["name"] for s in (await client.get("/_emulator/scenarios")).json()["data"]]
    assert set(listed[:2]) == {"ours-completed-is-busy", "ours-plain"}  # before the shipped library
    assert {"default", "appointment-confirmed", *MAGIC} <= set(listed)

    magic = await place(client, agent["id"], "+15005550006")
    plain = await place(client, agent["id"], PLAIN_TO)
    untouched = await place(client, agent["id"], "+15005550003")
    assert await outcome(client, magic["id"]) == ("busy", None)
    assert await outcome(client, plain["id"]) == ("canceled", None)
    assert await outcome(client, untouched["id"]) == ("failed", "carrier_unreachable")

    await load_scenarios(
        client,
        """
scenarios:
  - {name: later, match: {to: "+15005550006"}, outcome: failed, error: {code: control_plane}}
""",
    )
    later = await place(client, agent["id"], "+15005550006")
    named = await place(client, agent["id"], "+15005550006", scenario="magic-completed")
    assert await outcome(client, later["id"]) == ("failed", "control_plane")
    assert await outcome(client, named["id"]) == ("completed", None)


def test_a_config_dir_may_not_reuse_a_shipped_name(tmp_path: Path) -> None:
    write(tmp_path / "extra", "clash.yaml", "scenarios:\n  - {name: magic-busy, outcome: busy}\n")
    with pytest.raises(ScenarioError, match="duplicate scenario name 'magic-busy'"):
        Emulator(Config(scenarios=(str(tmp_path / "extra"),)))


def test_a_config_dir_may_not_repeat_a_name_across_its_files(tmp_path: Path) -> None:
    write(tmp_path / "extra", "a.yaml", "scenarios:\n  - {name: twice, outcome: busy}\n")
    second = write(
        tmp_path / "extra",
        "b.yaml",
        "scenarios:\n  - {name: once, outcome: busy}\n  - {name: twice, outcome: failed}\n",
    )
    with pytest.raises(ScenarioError) as caught:
        Emulator(Config(scenarios=(str(tmp_path / "extra"),)))
    assert str(caught.value).startswith(f"{second}:3: ")
    assert "duplicate scenario name 'twice'" in str(caught.value)


def test_a_broken_config_dir_fails_with_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "extra", "fine.yaml", "scenarios:\n  - {name: fine, outcome: busy}\n")
    broken = write(
        tmp_path / "extra",
        "zz-broken.yaml",
        """scenarios:
  - name: fine-too
    outcome: busy
  - name: broken
    outcome: exploded
""",
    )
    with pytest.raises(ScenarioError) as caught:
        Emulator(Config(scenarios=(str(tmp_path / "extra"),)))
    message = str(caught.value)
    assert message.startswith(f"{broken}:5: scenarios.1.outcome: ")
    assert "completed" in message  # names what is allowed


def test_a_missing_config_dir_fails(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file or directory"):
        Emulator(Config(scenarios=(str(tmp_path / "absent"),)))


# -- matching -----------------------------------------------------------------------------------


async def test_match_keys(client: httpx.AsyncClient, api: Any) -> None:
    reminders = await api.agent(name="Reminders")
    collections = await api.agent(name="Collections")
    by_id = await api.agent(name="Surveys")
    await load_scenarios(
        client,
        f"""
scenarios:
  - {{name: exact, match: {{to: "+13035550100"}}, outcome: failed, error: {{code: exact}}}}
  - {{name: prefix, match: {{to: "+1304"}}, outcome: failed, error: {{code: prefix}}}}
  - {{name: regex, match: {{to_regex: "^\\\\+1212555\\\\d{{4}}$"}}, outcome: failed, error: {{code: regex}}}}
  - {{name: agent-name, match: {{agent: Collections}}, outcome: failed, error: {{code: agent_name}}}}
  - {{name: agent-id, match: {{agent: "{by_id["id"]}"}}, outcome: failed, error: {{code: agent_id}}}}
  - name: context
    match: {{context: {{tier: vip, region: west}}}}
    outcome: failed
    error: {{code: context}}
  - name: metadata
    match: {{metadata: {{campaign: spring}}}}
    outcome: failed
    error: {{code: metadata}}
  - name: all-keys
    match: {{to: "+1646", agent: Reminders, direction: outbound, metadata: {{ab: 2}}}}
    outcome: failed
    error: {{code: all_keys}}
""",
    )
    a = reminders["id"]
    cases = [
        (a, "+13035550100", {}, "exact"),
        (a, "+13045550199", {}, "prefix"),
        (a, "+13035550199", {}, None),  # the exact number only
        (a, "+12125550100", {}, "regex"),
        (a, "+12125560100", {}, None),
        (collections["id"], PLAIN_TO, {}, "agent_name"),
        (by_id["id"], PLAIN_TO, {}, "agent_id"),
        (a, PLAIN_TO, {"context": {"tier": "vip", "region": "west", "extra": 1}}, "context"),
        (a, PLAIN_TO, {"context": {"tier": "vip"}}, None),  # every key must hold
        (a, PLAIN_TO, {"context": {"tier": "basic", "region": "west"}}, None),
        (a, PLAIN_TO, {"metadata": {"campaign": "spring"}}, "metadata"),
        (a, PLAIN_TO, {"metadata": {"campaign": "fall"}}, None),
        (a, "+16465550100", {"metadata": {"ab": 2}}, "all_keys"),
        (a, "+16465550100", {"metadata": {"ab": "2"}}, None),  # values compare as JSON values
        (collections["id"], "+16465550100", {"metadata": {"ab": 2}}, "agent_name"),
        (a, PLAIN_TO, {}, None),  # nothing matches: the default scenario completes
    ]
    for agent_id, to, fields, code in cases:
        call = await place(client, agent_id, to, **fields)
        expected = ("completed", None) if code is None else ("failed", code)
        assert await outcome(client, call["id"]) == expected, (to, fields)


async def test_a_regex_is_searched_not_only_anchored(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - {name: ends-in-99, match: {to_regex: "99$"}, outcome: busy}
""",
    )
    agent = await api.agent()
    hit = await place(client, agent["id"], "+13125550199")
    miss = await place(client, agent["id"], "+13125559100")
    assert await outcome(client, hit["id"]) == ("busy", None)
    assert await outcome(client, miss["id"]) == ("completed", None)


async def test_direction_outbound_does_not_catch_inbound(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - {name: out-only, match: {direction: outbound}, outcome: failed, error: {code: outbound_only}}
""",
    )
    outbound = await api.agent()
    _, number = await inbound_line(api)
    call = await place(client, outbound["id"], PLAIN_TO)
    r = await client.post("/_emulator/inbound_calls", json={"from": CALLER, "to": number})
    assert r.status_code == 201, r.text
    assert await outcome(client, call["id"]) == ("failed", "outbound_only")
    assert await outcome(client, r.json()["id"]) == ("completed", None)


# -- loading through the control plane ----------------------------------------------------------


async def test_the_list_shows_every_scenario_with_its_source(client: httpx.AsyncClient) -> None:
    r = await client.get("/_emulator/scenarios")
    assert r.status_code == 200
    listed = {s["name"]: s for s in r.json()["data"]}
    for name, (to, kind) in MAGIC.items():
        assert listed[name]["match"] == {"to": to}
        assert listed[name]["outcome"] == kind
        assert listed[name]["source"].endswith("magic-numbers.yaml")
    assert listed["default"]["match"] is None and listed["default"]["outcome"] == "completed"
    assert listed["appointment-confirmed"]["match"] is None
    assert listed["appointment-confirmed"]["source"].endswith("library.yaml")

    body = await load_scenarios(
        client,
        """
scenarios:
  - name: vip-declines
    description: VIPs say no.
    match: {to: "+1555123", agent: Reminders, direction: outbound, context: {tier: vip}}
    outcome: completed
    result: {interested: false}
""",
    )
    assert body["data"][0] == {
        "name": "vip-declines",
        "description": "VIPs say no.",
        "outcome": "completed",
        "source": "control plane",
        "match": {"to": "+1555123", "agent": "Reminders", "direction": "outbound", "context": {"tier": "vip"}},
    }
    assert (await client.get("/_emulator/scenarios")).json() == body


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("scenarios:\n  - name: x\n    outcome: exploded\n", ["request body:3:", "scenarios.0.outcome", "'completed'"]),
        (
            "scenarios:\n  - name: x\n    outcome: busy\n    timing: {ring: fast}\n",
            ["request body:4:", "scenarios.0.timing.ring", "number"],
        ),
        (
            "scenarios:\n  - name: x\n    match: {to_regex: '([a-'}\n    outcome: busy\n",
            ["request body:3:", "scenarios.0.match.to_regex", "bad regular expression"],
        ),
        (
            "scenarios:\n  - name: x\n    outcome: busy\n  - name: x\n    outcome: failed\n",
            ["request body:4:", "duplicate scenario name 'x'"],
        ),
        ("scenarios:\n  - name: x\n    outcome: busy\n   bad: [\n", ["request body:4:", "YAML error"]),
        (
            "scenarios:\n  - name: x\n    outcome: busy\n    transcript:\n      - {role: user, text: hi}\n",
            ["request body:2:", "scenarios.0:", "outcome busy has no conversation"],
        ),
        (
            "scenarios:\n  - name: x\n    outcome: no_answer\n    result: {a: 1}\n",
            ["request body:2:", "scenarios.0:", "outcome no_answer extracts no result"],
        ),
        ("scenarios:\n  - name: x\n    outcome: busy\n    colour: red\n", ["request body:4:", "scenarios.0.colour"]),
        ("scenarios: []\n", ["request body:1:", "scenarios"]),
    ],
)
async def test_a_broken_document_is_a_400_naming_line_and_reason(
    client: httpx.AsyncClient,
    text: str,
    needles: list[str],
) -> None:
    before = (await client.get("/_emulator/scenarios")).json()
    r = await client.post("/_emulator/scenarios", content=text.encode(), headers=YAML)
    error_of(r, 400, *needles)
    assert (await client.get("/_emulator/scenarios")).json() == before


async def test_loading_needs_a_yaml_content_type(client: httpx.AsyncClient) -> None:
    r = await client.post("/_emulator/scenarios", json={"scenarios": [{"name": "x", "outcome": "busy"}]})
    error_of(r, 415, "application/yaml")
    r = await client.post(
        "/_emulator/scenarios",
        content=b"scenarios:\n  - {name: x, outcome: busy}\n",
        headers={"Content-Type": "application/x-yaml"},
    )
    assert r.status_code == 201, r.text
