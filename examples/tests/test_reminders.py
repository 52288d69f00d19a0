"""app/reminders.py against the CallingBox emulator, through the `callingbox` fixture only.

The official SDK 0.1.0 needs a real URL and speaks the legacy (prompt-based) call
API, hence the module's marker. Magic destination numbers give each outcome with
no setup; time moves only when a test says so. Each test has its own org: its
own numbers, calls, balance, webhooks and signing secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from typing import Any

import pytest
from app.reminders import Appointment, Reminders
from callingbox import Callingbox

pytestmark = pytest.mark.callingbox(live=True, legacy_calls=True)

NUMBER_MILLI_CENTS = 100_000  # a local number's first month: $1.00
HOLD_MILLI_CENTS = 300_000  # held while a call is live: $3.00


def charge(seconds: int) -> int:
    """Connected time at $0.05 a minute, in milli-cents, rounded up."""
    return -(-seconds * 5_000 // 60)


@pytest.fixture
def sdk(callingbox) -> Iterator[Callingbox]:
    with Callingbox(api_key=callingbox.api_key, base_url=callingbox.base_url) as client:
        yield client


@pytest.fixture
def app(callingbox, sdk: Callingbox) -> Reminders:
    # The emulator signs this test's webhooks with its org's secret and keeps them in the test's sink.
    return Reminders(sdk, webhook_url=callingbox.sink_url, signing_secret=callingbox.signing_secret)


def deliver(callingbox, app: Reminders) -> list[int]:
    """Play every webhook the emulator sent, byte for byte, into the app's handler."""
    return [
        app.handle_webhook(d["request_body"].encode(), d["request_headers"]["CallingBox-Signature"])
        for d in callingbox.deliveries()
    ]


def org(callingbox) -> dict[str, Any]:
    return callingbox.client.get(f"/_emulator/orgs/{callingbox.org_id}").json()


def patient(phone: str) -> Appointment:
    return Appointment("Ana Lima", phone, "tomorrow at 10 AM")


def test_buys_its_number_once(callingbox, app: Reminders, sdk: Callingbox) -> None:
    start = org(callingbox)["balance_milli_cents"]
    number = app.ensure_number()
    again = Reminders(sdk, callingbox.sink_url, callingbox.signing_secret).ensure_number()
    assert again == number and number.startswith("+1415")
    assert [n.e164 for n in sdk.numbers.list()] == [number]
    assert org(callingbox)["balance_milli_cents"] == start - NUMBER_MILLI_CENTS


@pytest.mark.parametrize(
    ("to", "status", "detail", "talked"),
    [
        ("+15005550001", "unreachable", "busy", 0),
        ("+15005550002", "unreachable", "no_answer", 0),
        ("+15005550003", "unreachable", "failed", 0),
        ("+15005550004", "voicemail", "no_answer", 0),  # a machine answered; detection is free
        ("+15005550005", "unreachable", "canceled", 0),
        ("+15005550007", "unclear", "extraction failed: the transcript did not contain the requested fields", 20),
    ],
)
def test_each_outcome_is_recorded_and_billed(
    callingbox, app: Reminders, sdk: Callingbox, to: str, status: str, detail: str, talked: int
) -> None:
    app.ensure_number()
    start = org(callingbox)["balance_milli_cents"]
    outcome = app.remind(patient(to))
    assert outcome.status == "pending"
    assert org(callingbox)["held_milli_cents"] == HOLD_MILLI_CENTS

    callingbox.run_until_idle()
    assert set(deliver(callingbox, app)) == {200}

    assert (outcome.status, outcome.detail) == (status, detail)
    assert outcome.cost_milli_cents == charge(talked)
    assert sdk.calls.retrieve(outcome.call_id).billed_duration_seconds == talked
    assert org(callingbox)["balance_milli_cents"] == start - charge(talked)
    assert org(callingbox)["held_milli_cents"] == 0
    assert all(w["verified"] for w in callingbox.webhooks())


def test_a_call_step_by_step(callingbox, app: Reminders, sdk: Callingbox) -> None:
    outcome = app.remind(patient("+15005550006"))  # answered, 30 s of talk, then the result

    callingbox.wait_for_status(outcome.call_id, "in_progress")
    deliver(callingbox, app)
    assert outcome.status == "pending"

    done = callingbox.wait_for_status(outcome.call_id, "completed")
    assert done["result_status"] == "completed"  # status and result land together
    assert isinstance(done["result"]["confirmed"], bool)

    event = callingbox.wait_for_webhook("call.completed", outcome.call_id)
    assert event["verified"] and event["body"]["data"]["call"]["result_status"] == "completed"
    deliver(callingbox, app)
    assert outcome.status in ("confirmed", "declined")
    assert outcome.cost_milli_cents == charge(30) == sdk.calls.retrieve(outcome.call_id).billing_amount_milli_cents


PATIENTS = """
scenarios:
  - name: ana-confirms
    match: {to: "+14155550101"}
    outcome: completed
    timing: {ring: 4, talk: 40, extraction: 2}
    transcript:
      - {role: agent, text: "Hi Ana, this is Dr. Chen's office about your appointment tomorrow at 10 AM."}
      - {role: user, text: "Yes, I'll be there."}
    result: {confirmed: true, reschedule_to: null}
  - name: ben-reschedules
    match: {to: "+14155550102"}
    outcome: completed
    timing: {ring: 6, talk: 61, extraction: 2}
    result: {confirmed: false, reschedule_to: "Tuesday at 2 PM"}
"""


def test_confirmed_and_rescheduled_patients(callingbox, app: Reminders) -> None:
    callingbox.load_scenarios(PATIENTS)  # what each patient will say
    app.ensure_number()
    start = org(callingbox)["balance_milli_cents"]
    ana = app.remind(Appointment("Ana Lima", "+14155550101", "tomorrow at 10 AM"))
    ben = app.remind(Appointment("Ben Ode", "+14155550102", "tomorrow at 11 AM"))

    callingbox.run_until_idle()
    deliver(callingbox, app)

    assert (ana.status, ana.cost_milli_cents) == ("confirmed", charge(40))
    assert (ben.status, ben.reschedule_to, ben.cost_milli_cents) == ("declined", "Tuesday at 2 PM", charge(61))
    assert app.spent_milli_cents() == charge(40) + charge(61)
    assert org(callingbox)["balance_milli_cents"] == start - app.spent_milli_cents()
    assert app.to_call_again() == []


def test_who_to_call_again(callingbox, app: Reminders) -> None:
    busy, machine, answered = (patient(to) for to in ("+15005550001", "+15005550004", "+15005550006"))
    for appointment in (busy, machine, answered):
        app.remind(appointment)
    callingbox.run_until_idle()
    deliver(callingbox, app)
    assert app.to_call_again() == [busy, machine]


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def test_rejects_forged_tampered_and_stale_webhooks(callingbox, app: Reminders) -> None:
    outcome = app.remind(patient("+15005550001"))
    callingbox.run_until_idle()
    busy = callingbox.deliveries(outcome.call_id)[-1]
    body, signature = busy["request_body"].encode(), busy["request_headers"]["CallingBox-Signature"]
    assert busy["event_type"] == "call.busy"

    tampered = body.replace(b'"status":"busy"', b'"status":"completed"')
    assert tampered != body and app.handle_webhook(tampered, signature) == 400
    assert app.handle_webhook(body, "t=1,v1=deadbeef") == 400
    assert app.handle_webhook(body, sign("whsec_someone_else", body, int(time.time()))) == 400
    assert app.handle_webhook(body, sign(callingbox.signing_secret, body, int(time.time()) - 600)) == 400
    assert outcome.status == "pending"  # nothing was recorded from any of them

    assert app.handle_webhook(body, signature) == 200
    assert (outcome.status, outcome.detail) == ("unreachable", "busy")


def test_out_of_credits_is_recorded_not_raised(callingbox, app: Reminders, sdk: Callingbox) -> None:
    app.ensure_number()
    callingbox.set_balance(HOLD_MILLI_CENTS - 1)
    refused = app.remind(patient("+15005550006"))
    assert refused.status == "not_placed"
    assert refused.detail.startswith(
        "out of credits: Calls paused. Your balance is $2.99 but each call requires a $3.00 hold"
    )
    assert app.not_placed == [refused] and list(sdk.calls.list()) == []

    callingbox.set_balance(HOLD_MILLI_CENTS)
    assert app.remind(patient("+15005550006")).status == "pending"


def test_carrier_refusal_keeps_no_call(callingbox, app: Reminders, sdk: Callingbox) -> None:
    refused = app.remind(patient("+15005550008"))
    assert (refused.status, refused.detail) == (
        "not_placed",
        "carrier refused: Telephony provider could not place the call: destination rejected.",
    )
    assert list(sdk.calls.list()) == [] and org(callingbox)["held_milli_cents"] == 0
