"""Sequences of calls chained by the OpenAPI links of openapi.yaml (plus the ones
schemathesis infers), with every default check, stateful ones included (use after
free, resource availability).

The links make the main workflow reachable: purchase_number -> create_agent (with
the number) -> attach_number -> create_call -> get_call / get_call_transcript.
Each scenario starts from a freshly reset emulator. POST /_emulator/reset itself
is left out here: in the middle of a sequence it would wipe what earlier steps
created (it is fuzzed by test_stateless).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from .support import load_contract, new_app, rejects_only_conflicts

emulator, app = new_app()
schema = load_contract(app).exclude(operation_id="reset")


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        emulator.reset()

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        super().validate_response(response, case, additional_checks=[rejects_only_conflicts], **kwargs)


Workflow.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestWorkflow = Workflow.TestCase
