"""The per-test handle: one isolated org on a shared emulator, and helpers that never sleep.

Everything goes through HTTP (the /v1 API with the test's key, and the
/_emulator control plane), so the handle works the same in-process and
against a live server.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import httpx

TERMINAL = {"completed", "no_answer", "busy", "canceled", "failed"}
STATUSES = ("queued", "initiated", "ringing", "in_progress", *sorted(TERMINAL))
RANK = {status: rank for rank, status in enumerate(STATUSES[:4])}  # a call only moves forward
DEFAULT_TO = "+15005550006"


class WaitTimeout(AssertionError):
    """What was awaited did not happen (and, in manual time, no longer can)."""


class CallingBox:
    """An isolated org on a running emulator.

    ``base_url``, ``api_key`` and ``client`` (an ``httpx.Client`` already bound
    to the emulator with this test's key) are for the code under test;
    ``advance``, ``run_until_idle``, ``wait_for_status`` and ``wait_for_webhook``
    move time; the rest builds state in one line.
    """

    def __init__(self, client: httpx.Client, base_url: str, org: dict[str, Any], realtime_timeout: float = 30) -> None:
        self.client = client
        self.base_url = base_url
        self.api_key: str = org["api_key"]
        self.org_id: str = org["id"]
        self.signing_secret: str = org["default_signing_secret"]
        self.sink = f"test-{self.org_id}"
        self.sink_url = f"{base_url}/_emulator/sinks/{self.sink}"
        self.realtime_timeout = realtime_timeout

    # -- plumbing -----------------------------------------------------------------
    def _ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        if response.status_code != status:
            raise AssertionError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json()

    def _manual(self) -> bool:
        return self._ok("GET", "/_emulator/clock")["mode"] == "manual"

    # -- time -----------------------------------------------------------------------
    def advance(self, seconds: float) -> dict[str, Any]:
        """Move virtual time forward; every job due runs (webhooks included) first."""
        return self._ok("POST", "/_emulator/clock/advance", json={"seconds": seconds})

    def run_until_idle(self, max_seconds: float = 30 * 86400) -> dict[str, Any]:
        """Run until nothing is scheduled: calls end, webhook retries run out."""
        return self._ok("POST", "/_emulator/clock/run_until_idle", json={"max_seconds": max_seconds})

    def _wait(self, done: Callable[[], Any], explain: Callable[[], str]) -> Any:
        """Return ``done()`` once truthy: stepping manual time, or polling realtime."""
        manual = self._manual()
        deadline = time.monotonic() + self.realtime_timeout
        while True:
            found = done()
            if found:
                return found
            if manual:
                if not self._ok("POST", "/_emulator/clock/step")["ran"]:
                    raise WaitTimeout(explain() + "; nothing more is scheduled, so it never will")
            elif time.monotonic() > deadline:
                raise WaitTimeout(explain() + f"; gave up after {self.realtime_timeout:g} s of real time "
                                              "(realtime clock; the marker's realtime_timeout)")
            else:
                # Realtime: run what is due now (in-process nothing else would), then let real time pass.
                self._ok("POST", "/_emulator/clock/advance", json={"seconds": 0})
                time.sleep(0.02)

    def wait_for_status(self, call_id: str, status: str) -> dict[str, Any]:
        """The call once it has ``status``; fails at once if it can no longer get there."""
        if status not in STATUSES:
            raise ValueError(f"unknown call status {status!r}; one of: {', '.join(STATUSES)}")
        seen: list[dict[str, Any]] = []

        def done() -> Any:
            call = self._ok("GET", f"/v1/calls/{call_id}")
            seen.append(call)
            now = call["status"]
            if now == status:
                return call
            if now in TERMINAL or RANK[now] > RANK.get(status, len(RANK)):
                raise WaitTimeout(self._missed(call_id, now, status))
            return None

        return self._wait(done, lambda: f"call {call_id} is {seen[-1]['status']!r}, not {status!r}. "
                                        f"{self._story(call_id)}")

    def wait_for_webhook(self, type: str, call_id: str | None = None) -> dict[str, Any]:
        """The first webhook of ``type`` (for ``call_id``) that reached this test's sink."""

        def done() -> Any:
            return next((w for w in self.webhooks(type, call_id)), None)

        def explain() -> str:
            got = [f"{w['event_type']} (call {w['call_id']})" for w in self.webhooks()]
            return (f"no {type} webhook{' for call ' + call_id if call_id else ''} reached {self.sink_url}; "
                    f"received: {', '.join(got) or 'nothing'}")

        return self._wait(done, explain)

    def _events(self, call_id: str) -> list[dict[str, Any]]:
        return self._ok("GET", "/_emulator/events", params={"call_id": call_id})["data"]

    def _story(self, call_id: str, events: list[dict[str, Any]] | None = None) -> str:
        events = self._events(call_id) if events is None else events
        steps = ", ".join(f"{e['type']} at {e['created']}" for e in events) or "none"
        return f"Events so far: {steps}"

    def _missed(self, call_id: str, now: str, wanted: str) -> str:
        """Why a wait for ``wanted`` can no longer succeed: the call is past it, or ended without it."""
        events = self._events(call_id)
        had = {e["status"] for e in events}  # each event carries the call's status at that moment
        # `initiated` publishes no event; any event after call.queued means the call went through it.
        passed = bool(had - {"queued"}) if wanted == "initiated" else wanted in had
        head = f"call {call_id} ended as {now!r}" if now in TERMINAL else f"call {call_id} is {now!r}"
        tail = f"already past {wanted!r}" if passed else f"never {wanted!r}"
        return f"{head}, {tail}. {self._story(call_id, events)}"

    # -- state in one line ------------------------------------------------------
    def buy_number(self, area_code: str = "415") -> dict[str, Any]:
        found = self._ok("GET", "/v1/numbers/available", params={"area_code": area_code, "limit": 1})
        return self._ok("POST", "/v1/numbers/purchase", 201, json={"phone_number": found[0]["phone_number"]})

    def ready_agent(self, type: str = "outbound", **fields: Any) -> dict[str, Any]:
        """An agent with a fresh number attached, its webhooks going to this test's sink."""
        number = self.buy_number()
        body = {"name": f"{type.title()} agent", "type": type, "number_ids": [number["id"]],
                "webhook_url": self.sink_url, **fields}
        return self._ok("POST", "/v1/agents", 201, json=body)

    def call(self, agent_id: str, to: str = DEFAULT_TO, scenario: str | None = None, **fields: Any) -> dict[str, Any]:
        """Dispatch a call (``scenario`` picks one by name, as the header does)."""
        headers = {"CallingBox-Emulator-Scenario": scenario} if scenario else {}
        return self._ok("POST", "/v1/calls", 201, json={"agent_id": agent_id, "to": to, **fields}, headers=headers)

    def inbound_call(self, to: str, from_: str = "+14155550100", scenario: str | None = None) -> dict[str, Any]:
        """Ring one of this org's numbers from outside."""
        body: dict[str, Any] = {"from": from_, "to": to}
        if scenario:
            body["scenario"] = scenario
        return self._ok("POST", "/_emulator/inbound_calls", 201, json=body)

    def load_scenarios(self, yaml_text: str) -> list[dict[str, Any]]:
        return self._ok("POST", "/_emulator/scenarios", 201, content=yaml_text.encode(),
                        headers={"Content-Type": "application/yaml"})["data"]

    def webhooks(self, type: str | None = None, call_id: str | None = None) -> list[dict[str, Any]]:
        """What reached this test's sink, oldest first, with the signature check's result."""
        items = self._ok("GET", f"/_emulator/sinks/{self.sink}")["data"]
        return [w for w in items if (type is None or w["event_type"] == type)
                and (call_id is None or w["call_id"] == call_id)]

    def deliveries(self, call_id: str | None = None) -> list[dict[str, Any]]:
        """Every webhook attempt of this test's org, oldest first, exactly as sent.

        ``request_body`` (the raw JSON text) and ``request_headers`` (with
        ``CallingBox-Signature``) are what to feed a webhook handler under test.
        """
        params: dict[str, Any] = {"limit": 10_000, **({"call_id": call_id} if call_id else {})}
        items = self._ok("GET", "/_emulator/deliveries", params=params)["data"]
        return [a for a in reversed(items) if a["org_id"] == self.org_id]

    def set_balance(self, milli_cents: int) -> dict[str, Any]:
        return self._ok("PATCH", f"/_emulator/orgs/{self.org_id}", json={"balance_milli_cents": milli_cents})
