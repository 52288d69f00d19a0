"""The per-test handle: one isolated org on a shared emulator, and helpers that never sleep.

Everything goes through HTTP (the /v1 API with the test's key, and the
/_emulator control plane), so the handle works the same in-process and
against a live server. The waits are the emulator's own (POST
/_emulator/calls/{id}/wait and /_emulator/sinks/{name}/wait): every language
gets the same semantics and the same explanations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

TERMINAL = {"completed", "no_answer", "busy", "canceled", "failed"}
STATUSES = ("queued", "initiated", "ringing", "in_progress", *sorted(TERMINAL))
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

    def _object(self, method: str, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
        found: dict[str, Any] = self._ok(method, path, status, **kwargs)  # an answer that is one record
        return found

    # -- time -----------------------------------------------------------------------
    def advance(self, seconds: float) -> dict[str, Any]:
        """Move virtual time forward; every job due runs (webhooks included) first."""
        return self._object("POST", "/_emulator/clock/advance", json={"seconds": seconds})

    def run_until_idle(self, max_seconds: float = 30 * 86400) -> dict[str, Any]:
        """Run until nothing is scheduled: calls end, webhook retries run out."""
        return self._object("POST", "/_emulator/clock/run_until_idle", json={"max_seconds": max_seconds})

    def _wait(self, path: str, body: dict[str, Any]) -> Any:
        """POST a server-side wait (manual clock: it steps time; realtime: it long-polls) and
        return what it answers, or raise WaitTimeout with the emulator's explanation."""
        body = {**body, "timeout": min(self.realtime_timeout, 300)}  # the route's limit
        response = self.client.post(path, json=body, timeout=self.realtime_timeout + 30)
        if response.status_code in (408, 409):
            message = response.json()["error"].replace("the request's timeout", "the marker's realtime_timeout")
            raise WaitTimeout(message)
        if response.status_code != 200:
            raise AssertionError(f"POST {path} answered {response.status_code}: {response.text}")
        return response.json()

    def wait_for_status(self, call_id: str, status: str, max_seconds: float | None = None) -> dict[str, Any]:
        """The call once it has ``status``; fails at once if it can no longer get there."""
        if status not in STATUSES:
            raise ValueError(f"unknown call status {status!r}; one of: {', '.join(STATUSES)}")
        limit = {} if max_seconds is None else {"max_seconds": max_seconds}
        call: dict[str, Any] = self._wait(f"/_emulator/calls/{call_id}/wait", {"status": status, **limit})
        return call

    def wait_for_webhook(
        self, type: str, call_id: str | None = None, max_seconds: float | None = None
    ) -> dict[str, Any]:
        """The first webhook of ``type`` (for ``call_id``) that reached this test's sink."""
        body: dict[str, Any] = {"type": type}
        if call_id is not None:
            body["call_id"] = call_id
        if max_seconds is not None:
            body["max_seconds"] = max_seconds
        item: dict[str, Any] = self._wait(f"/_emulator/sinks/{self.sink}/wait", body)
        return item

    # -- state in one line ------------------------------------------------------
    def buy_number(self, area_code: str = "415") -> dict[str, Any]:
        found = self._ok("GET", "/v1/numbers/available", params={"area_code": area_code, "limit": 1})
        return self._object("POST", "/v1/numbers/purchase", 201, json={"phone_number": found[0]["phone_number"]})

    def ready_agent(self, type: str = "outbound", **fields: Any) -> dict[str, Any]:
        """An agent with a fresh number attached, its webhooks going to this test's sink."""
        number = self.buy_number()
        body = {
            "name": f"{type.title()} agent",
            "type": type,
            "number_ids": [number["id"]],
            "webhook_url": self.sink_url,
            **fields,
        }
        return self._object("POST", "/v1/agents", 201, json=body)

    def call(self, agent_id: str, to: str = DEFAULT_TO, scenario: str | None = None, **fields: Any) -> dict[str, Any]:
        """Dispatch a call (``scenario`` picks one by name, as the header does)."""
        headers = {"CallingBox-Emulator-Scenario": scenario} if scenario else {}
        return self._object("POST", "/v1/calls", 201, json={"agent_id": agent_id, "to": to, **fields}, headers=headers)

    def inbound_call(self, to: str, from_: str = "+14155550100", scenario: str | None = None) -> dict[str, Any]:
        """Ring one of this org's numbers from outside."""
        body: dict[str, Any] = {"from": from_, "to": to}
        if scenario:
            body["scenario"] = scenario
        return self._object("POST", "/_emulator/inbound_calls", 201, json=body)

    def load_scenarios(self, yaml_text: str) -> list[dict[str, Any]]:
        loaded: list[dict[str, Any]] = self._ok(
            "POST",
            "/_emulator/scenarios",
            201,
            content=yaml_text.encode(),
            headers={"Content-Type": "application/yaml"},
        )["data"]
        return loaded

    def webhooks(self, type: str | None = None, call_id: str | None = None) -> list[dict[str, Any]]:
        """What reached this test's sink, oldest first, with the signature check's result."""
        items = self._ok("GET", f"/_emulator/sinks/{self.sink}")["data"]
        return [
            w
            for w in items
            if (type is None or w["event_type"] == type) and (call_id is None or w["call_id"] == call_id)
        ]

    def deliveries(self, call_id: str | None = None) -> list[dict[str, Any]]:
        """Every webhook attempt of this test's org, oldest first, exactly as sent.

        ``request_body`` (the raw JSON text) and ``request_headers`` (with
        ``CallingBox-Signature``) are what to feed a webhook handler under test.
        """
        params: dict[str, Any] = {"limit": 10_000, **({"call_id": call_id} if call_id else {})}
        items = self._ok("GET", "/_emulator/deliveries", params=params)["data"]
        return [a for a in reversed(items) if a["org_id"] == self.org_id]

    def set_balance(self, milli_cents: int) -> dict[str, Any]:
        return self._object("PATCH", f"/_emulator/orgs/{self.org_id}", json={"balance_milli_cents": milli_cents})

    # -- production behaviour (emulator extensions) -------------------------------
    @contextmanager
    def webhook_chaos(self, **knobs: Any) -> Iterator[dict[str, Any]]:
        """Within the block, this org's webhook deliveries misbehave as ``knobs`` say
        (``duplicate=1.0``, ``reorder=0.5``, ``delay_seconds=[1, 5]``, ``stale_timestamp_seconds=600``,
        ``bad_signature=1.0``, ``both_signatures=True``, ``seed=``; scope further with
        ``endpoint_id=`` or ``url=``). Yields the rule; what it did is each attempt's ``chaos``
        in ``deliveries()``. The rule is removed when the block ends."""
        rule = self._ok("POST", "/_emulator/webhook_chaos", 201, json={"org_id": self.org_id, **knobs})
        try:
            yield rule
        finally:
            self.client.delete(f"/_emulator/webhook_chaos/{rule['id']}")  # 404 once a reset dropped it

    def realism(self, **switches: Any) -> dict[str, Any]:
        """Set this org's realism switches (``rate_limit={"requests_per_second": 5, "burst": 10}``,
        ``max_concurrent_calls=2``, ``calling_hours={"start": "08:00", "end": "21:00"}``,
        ``do_not_call=["+1..."]``; ``None`` switches one off); returns them all."""
        shown: dict[str, Any] = self._object("PATCH", f"/_emulator/orgs/{self.org_id}", json=switches)["realism"]
        return shown
