"""Every operation of both contracts, fuzzed with valid and invalid data, against the app.

All of schemathesis' default checks run (server errors, status codes, content types,
response schemas and headers, negative data rejected, positive data accepted, missing
headers, unsupported methods, auth), plus one of ours: schema-valid data may only be
rejected for a conflict with the current state. Phases: examples, coverage (boundary
and negative cases) and fuzzing, in positive and negative modes.

The product contract (openapi.yaml) and the control plane's (emulator-openapi.yaml)
each get their own emulator: fuzzing the control plane moves the clock, arms faults
and resets state, which must never leak into what the product run sees.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from .support import CONTROL_SPEC, load_contract, new_app, rejects_only_conflicts

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)

product_emulator, product_app = new_app()
product = load_contract(product_app)

control_emulator, control_app = new_app()  # thrown away with the test module
# The event stream never ends by itself: a generated request would wait on it forever.
control = load_contract(control_app, CONTROL_SPEC).exclude(path="/_emulator/events/stream")


@product.parametrize()
@SETTINGS
def test_product_operation(case) -> None:
    case.call_and_validate(additional_checks=[rejects_only_conflicts])


@control.parametrize()
@SETTINGS
def test_control_operation(case) -> None:
    try:
        case.call_and_validate(additional_checks=[rejects_only_conflicts])
    finally:
        # A fault that POST /_emulator/faults just accepted would act on the next requests
        # (answering 500, sleeping up to 5 minutes, dropping connections): checked, then
        # removed before anything else runs. Likewise the clock goes back to manual: under
        # a realtime clock a server-side wait holds its request for real seconds.
        control_emulator.faults.clear()
        control_emulator.clock.configure("manual")
