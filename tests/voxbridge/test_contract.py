"""Schemathesis over the VoxBridge contracts, against an emulator speaking the dialect.

The product contract (emulator/api/voxbridge/openapi.yaml: /v1 and its webhooks) and the
dialect's control-plane additions (control-openapi.yaml) are fuzzed with valid and invalid data;
all of schemathesis' default checks run. Every answer is also checked at run time against the
same contracts (strict conformance), so a drift is a 500 that `not_a_server_error` reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from contract.support import AcceptingTransport
from hypothesis import HealthCheck, settings

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

PACKAGE = Path(__file__).resolve().parents[2] / "emulator" / "api" / "voxbridge"
SPEC, CONTROL_SPEC = PACKAGE / "openapi.yaml", PACKAGE / "control-openapi.yaml"
HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
CONFIG: dict[str, Any] = {
    "generation": {"database": "none"},
    "auth": {"openapi": {"bearerAuth": {"bearer": "sk_live_emulator"}}},
    # Schema-valid data may still meet the state: an agent_id no org has (404), the month's
    # minutes used up (402), a magic number the provider refuses (502, documented).
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "402", "404"]},
        "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "502"]},
    },
}


def app() -> tuple[Emulator, Any]:
    emulator = Emulator(Config(conformance="strict"))
    emulator.transport = AcceptingTransport()
    emulator.reset()
    return emulator, create_app(emulator, "voxbridge")


def load(spec: Path, target: Any, config: dict[str, Any]) -> Any:
    schema = schemathesis.openapi.from_path(spec, config=schemathesis.Config.from_dict(config))
    schema.app = target
    return schema


product_emulator, product_app = app()
product = load(SPEC, product_app, CONFIG)
control_emulator, control_app = app()
control = load(CONTROL_SPEC, control_app, {k: v for k, v in CONFIG.items() if k != "auth"})


@product.parametrize()
@HYPOTHESIS
def test_voxbridge_operation(case) -> None:
    case.call_and_validate()


@control.parametrize()
@HYPOTHESIS
def test_voxbridge_control_operation(case) -> None:
    case.call_and_validate()
