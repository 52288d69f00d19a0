"""Sequences of calls chained by the OpenAPI links of openapi.yaml (plus the ones
schemathesis infers), with every default check, stateful ones included (use after
free, resource availability), and the conflicts-only check of support.py.

The links chain the main workflow: purchase_number -> create_agent (with the
number) -> attach_number -> create_call -> advance_clock -> get_call /
get_call_transcript -> webhook deliveries (test_links follows that chain on
purpose). Like a real account, each scenario starts from a freshly reset emulator
holding one number and one outbound agent with it, both made through the API and
checked like any step; without them a random walk over 26 operations rarely gets
as far as a call.

The machine runs over the /v1 API plus /_emulator/clock/advance (which create_call
links to, so calls progress mid-sequence). The rest of the control plane is fuzzed by
test_stateless only: POST /_emulator/reset would wipe what earlier steps created, and
the others (orgs, sinks, logs, faults, state, scenarios) would spend the step budget
off the API.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, initialize, multiple
from schemathesis.generation.stateful.state_machine import StepInput

from emulator.config import Config

from .support import load_contract, new_app, rejects_only_conflicts

emulator, app = new_app()
schema = load_contract(app).exclude(path_regex=r"^/(_emulator/(?!clock/advance$)|openapi\.)")
AUTH = {"Authorization": f"Bearer {Config().api_key}"}


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        emulator.reset()

    @initialize(target=Bundle("fixtures"))
    def own_a_number_and_an_agent(self) -> Any:
        """Two steps like any other (recorded, called, checked); their responses land in
        the bundles of their operations, so the links out of them are open from step one."""
        number = self._initial_step("purchase_number", {"phone_number": "+14155550123"})
        agent = self._initial_step(
            "create_agent", {"name": "Reminders", "type": "outbound", "number_ids": [number.response.json()["id"]]}
        )
        return multiple(number, agent)

    def _initial_step(self, operation_id: str, body: dict[str, Any]) -> Any:
        case = schema.find_operation_by_id(operation_id).Case(body=body, headers=AUTH)
        step = StepInput.initial(case)
        self.recorder.record_case(case=case)
        self.control.record_step(step, self.recorder)
        output = self.step(step)
        assert output.response.status_code == 201, f"{operation_id}: {output.response.text}"
        return output

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        super().validate_response(response, case, additional_checks=[rejects_only_conflicts], **kwargs)


Workflow.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=10,
    deadline=None,
    database=None,  # as schemathesis.toml: no .hypothesis/ in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestWorkflow = Workflow.TestCase
