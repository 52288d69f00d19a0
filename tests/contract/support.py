"""What the contract tests share: the app under test, the loaded contract, one extra check.

One Emulator serves the whole schemathesis run in-process (schemathesis' own ASGI
client, no sockets). Its webhook transport answers 200 at once, so a call that
the fuzzer moves along with /_emulator/clock/advance never reaches the network.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.generation.meta import REQUEST_SHAPE_PROBES, coverage_scenario

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator
from emulator.webhooks.transport import Outcome, Transport

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "openapi.yaml"
SETTINGS = REPO / "schemathesis.toml"


class AcceptingTransport(Transport):
    """Every webhook receiver answers 200 immediately: no DNS, no connections."""

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        return Outcome(200, None, 0.0, "")


def build_emulator() -> Emulator:
    emulator = Emulator(Config())
    emulator.transport = AcceptingTransport()
    emulator.reset()  # rebuilds the dispatcher over the transport above
    return emulator


def load_contract(app: Any) -> Any:
    """openapi.yaml bound to ``app``, with the settings file named explicitly: found by
    discovery instead, a run from another directory would test every /v1 operation
    without a key (and pass on 401s)."""
    schema = schemathesis.openapi.from_path(SPEC, config=schemathesis.Config.from_path(SETTINGS))
    schema.app = app
    return schema


def new_app() -> tuple[Emulator, Any]:
    emulator = build_emulator()
    return emulator, create_app(emulator)


# The 400s a request that matches the schema may still get: conflicts with the current
# state (and the few cross-field rules a schema cannot state, each documented in
# openapi.yaml). Any other 400 for schema-valid data means the contract and the
# validation disagree.
CONFLICTS = re.compile("|".join([
    r"^(starting_after|ending_before): no .+ with id \S+ in this list$",
    r"^use starting_after or ending_before, not both$",
    r"^area_code: applies to local numbers only$",
    r"^phone_number: \S+ is not available \(owned by (this|another) organization\)$",
    r"^(number_ids|number_id): number \S+ not found$",
    r"^primary_number_id: must be one of number_ids$",
    r"^number \S+ \(\S+\) is already attached to inbound agent \S+; a number has at most one inbound agent$",
    r"^agent \S+ is archived$",
    r"^number_id: number \S+ is not attached to agent \S+; attach it first$",
    r"^agent_id: agent \S+ is (an inbound agent|archived)",
    r"^agent_id: agent \S+ has no attached number",
    r"^from_number: \S+ is not attached to agent \S+$",
    r"^api_key: an org with this key already exists$",
    r"^unknown scenario ",
    r"^to: \S+ has no inbound agent attached, so the call is rejected$",
    # load_scenarios: the two rules of the scenario format a schema cannot state.
    r"^request body:\d+: scenarios\.\d+\.name: duplicate scenario name ",
    r"^request body:\d+: scenarios\.\d+\.match\.to_regex: bad regular expression",
]))


# Bodies the contract leaves opaque on purpose: a state snapshot is checked record by
# record against the emulator's own model (emulator/snapshot.py), beyond any schema.
OPAQUE = {"put_state"}


def rejects_only_conflicts(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data answered 400 must be a state conflict, not a validation error."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    if case.operation.definition.raw.get("operationId") in OPAQUE:
        return None
    if coverage_scenario(case) in REQUEST_SHAPE_PROBES:  # e.g. an unexpected Content-Type probe
        return None
    try:
        message = response.json().get("error", "")
    except ValueError:
        message = response.text
    assert CONFLICTS.search(message), (
        f"A request that matches openapi.yaml was rejected as invalid: 400 {message!r}. "
        "The schema and the validation disagree (or a new conflict message needs listing in tests/contract)."
    )
    return None
