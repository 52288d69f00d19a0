"""Sequences of calls chained by the OpenAPI links of openapi.yaml (plus the ones
schemathesis infers), with every default check, stateful ones included (use after
free, resource availability), and the conflicts-only check of support.py.

The links chain the main workflow: purchase_number -> create_agent (with the
number) -> create_call -> get_call / get_call_transcript -> webhook deliveries
(test_links follows that chain on purpose). Like a real account, each
scenario starts from a freshly reset emulator holding one number and one outbound
agent with it, both made through the API and checked like any step; without them a
random walk over 25 operations rarely gets as far as a call.

The machine runs over the product contract (the /v1 API) plus one rule of its own
that moves the clock a minute through the control plane, so calls progress
mid-sequence (rings, talks, ends, is billed, sends its webhooks). The control plane is
fuzzed by test_stateless only, on an emulator of its own.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, initialize, multiple, rule
from schemathesis.generation.stateful.state_machine import StepInput

from emulator.config import Config

from .support import CONTROL_SPEC, load_contract, new_app, rejects_only_conflicts

emulator, app = new_app()
schema = load_contract(app)
advance = load_contract(app, CONTROL_SPEC).find_operation_by_id("advance_clock")
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

    @rule()
    def let_a_minute_pass(self) -> None:
        """A magic-number call ends, and its result is extracted, within a minute."""
        case = advance.Case(body={"seconds": 60})
        response = case.call()
        case.validate_response(response)
        assert response.status_code == 200, response.text

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        super().validate_response(response, case, additional_checks=[rejects_only_conflicts], **kwargs)


Workflow.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=10,
    deadline=None,
    database=None,  # as support.SETTINGS: no .hypothesis/ in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestWorkflow = Workflow.TestCase
