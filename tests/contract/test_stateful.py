"""Sequences of calls chained by the OpenAPI links of openapi.yaml (plus the ones
schemathesis infers), with every default check, stateful ones included (use after
free, resource availability).

The links make the main workflow reachable: purchase_number -> create_agent (with
the number) -> attach_number -> create_call -> advance_clock -> get_call /
get_call_transcript -> webhook deliveries (test_links follows that chain on purpose).
Each scenario starts from a freshly reset emulator.

The machine runs over the /v1 API plus /_emulator/clock/advance (which create_call
links to, so calls progress mid-sequence). The rest of the control plane is fuzzed by
test_stateless only: POST /_emulator/reset would wipe what earlier steps created, and
the others (orgs, sinks, logs, scenarios) would spend the step budget off the API.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from .support import load_contract, new_app, rejects_only_conflicts

emulator, app = new_app()
schema = load_contract(app).exclude(path_regex=r"^/(_emulator/(?!clock/advance$)|openapi\.)")


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        emulator.reset()

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        super().validate_response(response, case, additional_checks=[rejects_only_conflicts], **kwargs)


Workflow.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestWorkflow = Workflow.TestCase
