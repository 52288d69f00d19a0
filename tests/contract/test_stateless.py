"""Every operation of openapi.yaml, fuzzed with valid and invalid data, against the app.

All of schemathesis' default checks run (server errors, status codes, content types,
response schemas and headers, negative data rejected, positive data accepted, missing
headers, unsupported methods, auth), plus one of ours: schema-valid data may only be
rejected for a conflict with the current state. Phases: examples, coverage (boundary
and negative cases) and fuzzing, in positive and negative modes.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from .support import load_contract, new_app, rejects_only_conflicts

emulator, app = new_app()
schema = load_contract(app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_operation(case) -> None:
    try:
        case.call_and_validate(additional_checks=[rejects_only_conflicts])
    finally:
        # A fault that POST /_emulator/faults just accepted would act on the next /v1
        # requests (answering 500, sleeping up to 5 minutes, dropping connections):
        # checked, then removed before anything else runs.
        emulator.faults.clear()
