"""What the contract tests share: the apps under test, the two loaded contracts, one extra check.

openapi.yaml is the product contract (/v1 and webhooks); emulator-openapi.yaml is the
control plane's. Each schemathesis run drives an Emulator in-process (schemathesis'
own ASGI client, no sockets). Its webhook transport answers 200 at once, so a call
that moves along on the clock never reaches the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
CONTROL_SPEC = REPO / "emulator-openapi.yaml"

# The settings of the in-suite runs, in code so that no schemathesis.toml is needed
# (or picked up) anywhere. The README's CLI command needs none of them.
SETTINGS: dict[str, Any] = {
    "generation": {"database": "none"},  # no .hypothesis/ directory in the work tree
    # The default org's key (Config.api_key); the control plane takes none.
    "auth": {"openapi": {"bearerAuth": {"bearer": Config().api_key}}},
    # Requests that match the schema can still conflict with the current state, and this
    # API answers every conflict with 400 (its only category, docs: statuses-and-errors),
    # as each operation documents. Here 400 is allowed for schema-valid data, and the
    # check rejects_only_conflicts below makes sure every such 400 is one of the known
    # conflicts, never a validation error, so schema and validation must agree exactly.
    # Buying a number (its monthly cost) and a call (a $3.00 hold) answer 402 when
    # credits are short.
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "402", "403", "404", "409", "429", "5xx"]
        }
    },
    # A call the scenario says the provider refuses answers 502 by design (the magic
    # number +15005550008), documented as such.
    "operations": [
        {
            "include-operation-id": ["create_call", "place_inbound_call"],
            "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "502"]}},
        },
        {
            # DELETE /v1/agents/{id} archives: a soft delete, after which the agent still
            # reads (with archived_at set), as documented.
            "include-operation-id": ["get_agent"],
            "checks": {"use_after_free": {"enabled": False}},
        },
        {
            # A body naming a number the org does not own answers 404 "number_id: number ... not
            # found", as documented; the agent in the path (the created resource) still exists.
            "include-operation-id": ["attach_number", "set_primary_number"],
            "checks": {"ensure_resource_availability": {"enabled": False}},
        },
    ],
}


class AcceptingTransport(Transport):
    """Every webhook receiver answers 200 immediately: no DNS, no connections."""

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], on_slot: Callable[[], None] | None = None
    ) -> Outcome:
        if on_slot is not None:
            on_slot()
        return Outcome(200, None, 0.0, "")


def build_emulator() -> Emulator:
    emulator = Emulator(Config())
    emulator.transport = AcceptingTransport()
    emulator.reset()  # rebuilds the dispatcher over the transport above
    return emulator


def load_contract(app: Any, spec: Path = SPEC) -> Any:
    """A contract bound to ``app``, with SETTINGS (never a discovered settings file); the
    control plane has no security scheme to authenticate with."""
    settings = SETTINGS if spec == SPEC else {k: v for k, v in SETTINGS.items() if k != "auth"}
    schema = schemathesis.openapi.from_path(spec, config=schemathesis.Config.from_dict(settings))
    schema.app = app
    return schema


def new_app() -> tuple[Emulator, Any]:
    emulator = build_emulator()
    return emulator, create_app(emulator)


# The 400s a request that matches the schema may still get: conflicts with the current
# state (and the few cross-field rules a schema cannot state, each documented in the
# contracts). Any other 400 for schema-valid data means the contract and the
# validation disagree.
CONFLICTS = re.compile(
    "|".join(
        [
            r"^(starting_after|ending_before): no .+ with id \S+ in this list$",
            r"^use starting_after or ending_before, not both$",
            r"^area_code: applies to local numbers only$",
            r"^phone_number: \S+ is not available \(owned by (this|another) organization\)$",
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
            r"^at most 64 webhook chaos rules at a time",
            # load_scenarios: the two rules of the scenario format a schema cannot state.
            r"^request body:\d+: scenarios\.\d+\.name: duplicate scenario name ",
            r"^request body:\d+: scenarios\.\d+\.match\.to_regex: bad regular expression",
            # a fault's path pattern that names a parameter twice (the router's compile_path refuses it;
            # it lists every such name: "name x at path" or "names x, y at path")
            r"^path: Duplicated param names? \S+(, \S+)* at path ",
        ]
    )
)


# Bodies the contract leaves opaque on purpose: a state snapshot is checked record by
# record against the emulator's own model (emulator/snapshot.py), beyond any schema; a
# timeline to replay must hold the request that created its call (emulator/api/replay.py).
OPAQUE = {"put_state", "replay_timeline"}


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
        f"A request that matches the contract was rejected as invalid: 400 {message!r}. "
        "The schema and the validation disagree (or a new conflict message needs listing in tests/contract)."
    )
    return None
