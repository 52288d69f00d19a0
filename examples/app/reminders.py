"""Appointment reminders over CallingBox: the code under test in this example.

It uses the official SDK (``callingbox`` 0.1.0), which speaks the legacy,
prompt-based ``POST /v1/calls``. Webhooks come to :meth:`Reminders.handle_webhook`
(call it from your web framework's POST route with the raw body and the
``CallingBox-Signature`` header); nothing is recorded before the signature is
verified with ``Webhooks.construct_event``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callingbox import APIError, BadRequestError, Callingbox
from callingbox.resources.webhooks import Webhooks

RETURNS = {"confirmed": "boolean", "reschedule_to": "string"}
# The events that end a call nobody talked to, and what we record for each.
NOT_REACHED = {"call.no_answer": "no_answer", "call.busy": "busy", "call.failed": "failed", "call.canceled": "canceled"}
REFUSED = {402: "out of credits", 502: "carrier refused"}


@dataclass(frozen=True)
class Appointment:
    patient: str
    phone: str  # E.164, e.g. +14155550123
    when: str  # as it will be said on the phone: "tomorrow at 10 AM"


@dataclass
class Outcome:
    """What became of one reminder. ``status``: ``pending`` until the call's final webhook, then
    ``confirmed``, ``declined``, ``unclear`` (talked, but no usable answer), ``voicemail`` or
    ``unreachable``; ``not_placed`` when the API refused the call."""

    appointment: Appointment
    status: str
    call_id: str | None = None
    detail: str | None = None
    reschedule_to: str | None = None
    cost_milli_cents: int = 0


class Reminders:
    def __init__(
        self, client: Callingbox, webhook_url: str, signing_secret: str, clinic: str = "Dr. Chen's office"
    ) -> None:
        self.client = client
        self.webhook_url = webhook_url
        self.signing_secret = signing_secret
        self.clinic = clinic
        self.caller_id: str | None = None
        self.outcomes: dict[str, Outcome] = {}  # by call id
        self.not_placed: list[Outcome] = []
        self._seen_events: set[str] = set()  # a redelivered event is recorded once

    def ensure_number(self, area_code: str = "415") -> str:
        """Our caller ID: the first active number we own, bought when there is none."""
        if self.caller_id is None:
            owned = [n for n in self.client.numbers.list() if n.status == "active"]
            if owned:
                self.caller_id = owned[0].e164
            else:
                found = self.client.numbers.search_available(area_code=area_code, limit=1)
                if not found:
                    raise RuntimeError(f"no number for sale in area code {area_code}")
                self.caller_id = self.client.numbers.purchase(found[0].phone_number).e164
        return self.caller_id

    def remind(self, appointment: Appointment) -> Outcome:
        """Place one reminder call. A refused call (no credits, carrier refusal) is recorded, not raised."""
        try:
            call = self.client.calls.create(
                appointment.phone,
                prompt=(
                    f"You are calling from {self.clinic} to remind {appointment.patient} of their "
                    f"appointment {appointment.when}. Ask whether they will come; if not, when suits them."
                ),
                context={"patient": appointment.patient, "when": appointment.when},
                returns=RETURNS,
                from_=self.ensure_number(),
                webhook_url=self.webhook_url,
                voicemail_action="leave_message",
            )
        except APIError as exc:
            if exc.status_code not in REFUSED:
                raise
            outcome = Outcome(appointment, "not_placed", detail=f"{REFUSED[exc.status_code]}: {exc.message}")
            self.not_placed.append(outcome)
            return outcome
        outcome = Outcome(appointment, "pending", call_id=call.id)
        self.outcomes[call.id] = outcome
        return outcome

    def handle_webhook(self, payload: bytes, signature: str) -> int:
        """The webhook route: returns the HTTP status to answer (400 for a forged or stale delivery)."""
        try:
            event = Webhooks.construct_event(payload, signature, self.signing_secret)
        except BadRequestError:
            return 400
        if event.id in self._seen_events:
            return 200
        self._seen_events.add(event.id)
        call: dict[str, Any] = event.data.get("call") or {}
        outcome = self.outcomes.get(call.get("id", ""))
        if outcome is None:
            return 200  # not one of ours
        if event.type == "call.completed":
            self._completed(outcome, call)
        elif event.type in NOT_REACHED:
            machine = call.get("answered_by") == "machine"
            outcome.status = "voicemail" if machine else "unreachable"
            outcome.detail = NOT_REACHED[event.type]
            outcome.cost_milli_cents = call.get("billing_amount_milli_cents") or 0
        return 200

    def _completed(self, outcome: Outcome, call: dict[str, Any]) -> None:
        outcome.cost_milli_cents = call.get("billing_amount_milli_cents") or 0
        result = call.get("result") or {}
        if call.get("result_status") != "completed" or result.get("confirmed") is None:
            outcome.status, outcome.detail = "unclear", call.get("result_error")
        elif result["confirmed"]:
            outcome.status = "confirmed"
        else:
            outcome.status, outcome.reschedule_to = "declined", result.get("reschedule_to")

    def to_call_again(self) -> list[Appointment]:
        """Whom to try again later: nobody (or only a machine) picked up."""
        return [o.appointment for o in self.outcomes.values() if o.status in ("unreachable", "voicemail")]

    def spent_milli_cents(self) -> int:
        return sum(o.cost_milli_cents for o in self.outcomes.values())
