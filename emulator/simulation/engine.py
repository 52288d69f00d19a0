"""The engine: makes each call live out its scenario on the virtual clock.

At dispatch it picks the scenario (and may refuse the call); from then on a
call is one scheduler job at a time, each moving it one step through the
lifecycle table and publishing the step's event. Nothing here sleeps or reads
the wall clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from emulator.dialect import ENDED, RESULT, Change, redial_pending
from emulator.domain.calls import Calls
from emulator.domain.context import Context
from emulator.domain.money import charge_for
from emulator.domain.records import Call, touch
from emulator.errors import ProviderRefused
from emulator.simulation import lifecycle, results
from emulator.simulation.registry import Registry
from emulator.simulation.scenario import Scenario

DIAL_DELAY = 1.0  # queued -> initiated: handed to the carrier
CONNECT_DELAY = 1.0  # initiated -> ringing (or busy / failed)
REDIAL_DELAY = 300.0  # an unanswered attempt's end -> back to queued for the next one
VOICEMAIL_MESSAGE = "Hi, this is an automated call. Sorry we missed you; we will try again later. Goodbye."
EXTRACTION_ERROR = "extraction failed: the transcript did not contain the requested fields"
FAILURE = {
    "failed": ("carrier_unreachable", "The carrier could not connect the call.", "network_out_of_order"),
    "busy": (None, None, "user_busy"),
    "no_answer": (None, None, "no_answer"),
    "canceled": (None, None, "originator_cancel"),
}


class Engine:
    def __init__(self, ctx: Context, calls: Calls, registry: Registry) -> None:
        self.ctx = ctx
        self.calls = calls
        self.registry = registry
        # Asked as an outbound call would ring: (error_code, message) fails it instead (calling hours).
        self.ring_check: Callable[[Call], tuple[str, str] | None] | None = None
        steps: dict[str, Callable[..., None]] = {
            "initiate": self._initiate,
            "connect": self._connect,
            "pickup": self._pickup,
            "hangup": self._hangup,
            "extract": self._extract,
            "end": self._end,
            "redial": self._redial,
        }
        for name, fn in steps.items():  # stable names: a snapshot's jobs are these and their arguments
            ctx.scheduler.register(name, fn)

    def plan(self, call: Call, header: str | None) -> Callable[[], None]:
        """Called at dispatch, before the call is kept: choose, maybe refuse. Draws nothing
        from the seeded stream; the returned start() does, once the call is kept."""
        scenario = self.registry.choose(call, self._agent_name(call), header)
        if scenario.outcome == "dispatch_refused":
            detail = scenario.error.message if scenario.error and scenario.error.message else None
            raise ProviderRefused(detail or "The telephony provider could not place the call.")
        call.scenario = scenario.name
        touch(call)
        return lambda: self._start(call, scenario)

    def _start(self, call: Call, scenario: Scenario) -> None:
        seed = self.ctx.ids.random.getrandbits(32)
        now = self.ctx.clock.now()
        # A scheduled call waits queued until its time; any other dials after DIAL_DELAY.
        due = max(now + DIAL_DELAY, call.scheduled_at if call.scheduled_at is not None else now)
        self.ctx.scheduler.step(due, "initiate", call, scenario, seed)

    def _redial(self, call: Call, sc: Scenario) -> None:
        """Back to queued for the next attempt (the same scenario, so a magic number answers the
        same way): the last attempt's outcome is cleared and the call holds credits again."""
        before = call.status
        lifecycle.check_redial(call)
        for key in (
            "started_at",
            "answered_at",
            "ended_at",
            "answered_by",
            "error_code",
            "error_message",
            "hangup_cause",
            "duration_seconds",
            "billed_duration_seconds",
            "billing_amount_milli_cents",
        ):
            setattr(call, key, None)
        org = self.ctx.store.orgs.get(call.org_id)
        if org is not None:
            org.held_milli_cents += call.hold_milli_cents
        call.status, call.reservation_status, call.updated_at = "queued", "reserved", self.ctx.clock.now()
        touch(call)
        self.calls.changed(call, before, "queued")
        self._start(call, sc)

    def _agent_name(self, call: Call) -> str | None:
        org = self.ctx.store.orgs.get(call.org_id)
        agent = org.agents.get(call.agent_id) if org and call.agent_id else None
        return agent.name if agent else None

    def _after(self, delay: float, step: str, *args: Any) -> None:
        self.ctx.scheduler.step(self.ctx.clock.now() + delay, step, *args)

    def _move(self, call: Call, status: str, **fields: Any) -> None:
        before = call.status
        lifecycle.check(before, status)
        call.status = status
        for key, value in fields.items():
            setattr(call, key, value)
        call.updated_at = self.ctx.clock.now()
        touch(call)
        self.calls.changed(call, before, status)  # the dialect names the event, if any

    def _initiate(self, call: Call, sc: Scenario, seed: int) -> None:
        call.attempt_count += 1  # _move touches the call
        self._move(call, "initiated")
        self._after(CONNECT_DELAY, "connect", call, sc, seed)

    def _connect(self, call: Call, sc: Scenario, seed: int) -> None:
        if sc.outcome in ("busy", "failed"):
            return self._end(call, sc.outcome, sc)
        refused = self.ring_check(call) if self.ring_check is not None and call.direction == "outbound" else None
        if refused is not None:
            ending = {
                **self._ending(call, "failed", sc),
                "error_code": refused[0],
                "error_message": refused[1],
                "hangup_cause": "call_rejected",
            }
            return self._move(call, "failed", **ending)
        self._move(call, "ringing", started_at=self.ctx.clock.now())
        self._after(sc.timing.ring, "pickup", call, sc, seed)

    def _pickup(self, call: Call, sc: Scenario, seed: int) -> None:
        if sc.outcome in ("no_answer", "canceled"):
            return self._end(call, sc.outcome, sc)
        if sc.outcome == "voicemail":
            return self._voicemail(call, sc)
        self._move(call, "in_progress", answered_at=self.ctx.clock.now(), answered_by="human")
        self._after(sc.timing.talk, "hangup", call, sc, seed)

    def _voicemail(self, call: Call, sc: Scenario) -> None:
        # A machine answered: detection is free and nothing is extracted.
        call.answered_by = "machine"
        if call.voicemail_action == "leave_message":
            text = sc.transcript[0].text if sc.transcript else VOICEMAIL_MESSAGE
            call.transcript = results.segments([("agent", text)], self.ctx.clock.now(), sc.timing.talk)
            touch(call)
            return self._after(sc.timing.talk, "end", call, "no_answer", sc)
        self._end(call, "no_answer", sc)

    def _hangup(self, call: Call, sc: Scenario, seed: int) -> None:
        """The line drops: the call has ended (times, billing, transcript), but it is not
        ``completed`` until its result is final, so status, result and the event of
        ``completed`` land together (the official CLI polls to a terminal status and prints the result)."""
        start = call.answered_at or self.ctx.clock.now()
        turns = [(t.role, t.text) for t in sc.transcript] if sc.transcript else results.default_turns(call)
        call.transcript = results.segments(turns, start, self.ctx.clock.now() - start)
        for key, value in self._ending(call, "completed", sc).items():
            setattr(call, key, value)
        call.updated_at = self.ctx.clock.now()
        touch(call)
        self.calls.signal(Change(ENDED, call))
        self._after(sc.timing.extraction, "extract", call, sc, seed)

    def _extract(self, call: Call, sc: Scenario, seed: int) -> None:
        if sc.outcome == "extraction_failed":
            error = (sc.error.message if sc.error and sc.error.message else None) or EXTRACTION_ERROR
            self._move(
                call,
                "completed",
                result={name: None for name in call.returns} or None,
                result_status="failed",
                result_error=error,
            )
        else:
            made = results.generate(call.returns, sc.result, seed, self.ctx.clock.now())
            self._move(call, "completed", result=made or None, result_status="completed")
        self.calls.signal(Change(RESULT, call))

    def _end(self, call: Call, status: str, sc: Scenario) -> None:
        self._move(call, status, **self._ending(call, status, sc))
        if redial_pending(call):
            self._after(REDIAL_DELAY, "redial", call, sc)

    def _ending(self, call: Call, status: str, sc: Scenario) -> dict[str, Any]:
        """What is known once the line drops: end time, duration, causes, and the settled bill."""
        now = self.ctx.clock.now()
        fields: dict[str, Any] = {"ended_at": now}
        fields["duration_seconds"] = math.ceil(now - call.started_at) if call.started_at else 0
        code, message, cause = FAILURE.get(status, (None, None, "normal_clearing"))
        if sc.error is not None:
            code, message, cause = sc.error.code or code, sc.error.message or message, sc.error.hangup_cause or cause
        fields.update(error_code=code, error_message=message, hangup_cause=cause)
        fields.update(self._settle(call, now))
        return fields

    def _settle(self, call: Call, now: float) -> dict[str, Any]:
        """Charge connected time and release the rest of the hold."""
        org = self.ctx.store.orgs.get(call.org_id)
        billed = math.ceil(now - call.answered_at) if call.answered_at is not None else 0
        amount = charge_for(billed)
        if org is not None:
            org.held_milli_cents -= call.hold_milli_cents
            org.balance_milli_cents -= amount
        return {
            "billed_duration_seconds": billed,
            "billing_amount_milli_cents": amount,
            "reservation_status": "settled" if call.answered_at is not None else "released",
        }
