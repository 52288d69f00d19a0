"""Replaying a timeline on a private clone of the emulator, and what came out different.

The clone is a new Emulator with the running one's settings and seed, its manual clock
set to the recorded call's creation, and the running one's scenarios as they are now
(so a scenario replaced under the same name shows in the differences). Nothing of the
running emulator moves: not its clock, ids, orgs, journal or receivers. In the clone a
fresh org gets the call's agent (and its caller number) again; the recorded API requests
are sent again in order through the clone's own app, each at its recorded virtual time,
with the new org's key and the new ids; the clock then runs to the time the timeline was
captured. Webhook attempts reach no one: each is answered as the recorded receiver
answered (status, or error), an attempt the record lacks with 200.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import replace
from typing import Any, Literal

from pydantic import Field, ValidationError

from emulator import timeline, timeline_diff
from emulator.api.wire.common import Request as Strict
from emulator.clock import LATEST, MIN_TIME, Clock
from emulator.errors import InvalidRequest
from emulator.runtime import Emulator
from emulator.webhooks.transport import Outcome

MAX_SECONDS = 10 * 365 * 86400.0  # how far a replay may run the clone's clock
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class RequestEntry(Strict):
    model_config = {**Strict.model_config, "extra": "ignore"}
    kind: Literal["request"]
    offset: float = Field(ge=0, le=MAX_SECONDS)
    method: Method
    path: str = Field(pattern=r"^/v1/[A-Za-z0-9_/.-]{1,300}$")  # the API only, never the control plane
    query: str = Field("", max_length=2000)
    status: int | None
    creates_call: bool = False
    request_body: str = Field("", max_length=1024 * 1024)
    request_body_truncated: bool = False


class Replayable(Strict):
    """The parts of a timeline document a replay reads (the rest is ignored)."""

    model_config = {**Strict.model_config, "extra": "ignore"}
    format: Literal["callingbox-emulator.timeline/1"]
    call: dict[str, Any]
    scenario: dict[str, Any]
    agent: dict[str, Any] | None
    captured_at: dict[str, Any]
    entries: list[dict[str, Any]] = Field(max_length=100_000)


class Answers:
    """The webhook transport of a clone: each attempt answered as the recorded one was."""

    def __init__(self, attempts: list[dict[str, Any]]) -> None:
        self.timeout = 10.0
        self._answers: dict[str, deque[dict[str, Any]]] = {}
        for a in attempts:
            self._answers.setdefault(str(a.get("event_type")), deque()).append(a)

    async def post(self, url: str, body: bytes, headers: dict[str, str], on_slot: Any = None) -> Outcome:
        if on_slot is not None:
            on_slot()
        kind = json.loads(body).get("type", "") if body.startswith(b"{") else ""
        queue = self._answers.get(str(kind))
        if not queue:
            return Outcome(200, None, 0.0, "")
        recorded = queue.popleft()
        status = recorded.get("response_status")
        return Outcome(
            status if isinstance(status, int) else None,
            recorded.get("error"),
            0.0,
            str(recorded.get("response_body") or ""),
        )

    def mount(self, base_url: str, app: Any) -> None:
        """Nothing: a clone's every attempt gets its recorded answer, none reaches an app."""

    async def aclose(self) -> None:
        return None


def parse(document: dict[str, Any]) -> tuple[Replayable, list[RequestEntry], list[dict[str, Any]]]:
    from emulator.api import http

    doc = http.parse(Replayable, document)
    requests, attempts = [], []
    for i, entry in enumerate(doc.entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
            raise InvalidRequest(f"entries.{i}: must be an object with a kind")
        if entry["kind"] == "request":
            try:
                requests.append(RequestEntry.model_validate(entry))
            except ValidationError as exc:
                raise InvalidRequest(f"entries.{i}: {http.describe(exc)}") from None
        elif entry["kind"] == "webhook_attempt":
            attempts.append(entry)
    creation = next((r for r in requests if r.creates_call), None)
    if creation is None:
        raise InvalidRequest(
            "entries: no request created the call (it left the bounded journal, or the call "
            "was not made through the API): nothing to replay"
        )
    if any(r.request_body_truncated for r in requests):
        raise InvalidRequest("entries: a request body was cut at the journal's limit: it cannot be sent again")
    return doc, requests, attempts


def _number(value: Any, name: str, low: float = 0.0, high: float = MAX_SECONDS) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise InvalidRequest(f"{name}: must be a number of seconds from {low:.0f} to {high:.0f} (got {value!r})")
    return float(value)


async def run(emulator: Emulator, document: dict[str, Any], dialect: Any = None) -> dict[str, Any]:
    """Replay ``document`` on a clone of ``emulator``; the new timeline and the differences."""
    from emulator.api.app import create_app
    from emulator.api.conformance import CheckedTransport, checks_of

    doc, requests, attempts = parse(document)
    start = _number(doc.call.get("created_at"), "call.created_at", MIN_TIME, LATEST - MAX_SECONDS)
    captured = _number(doc.captured_at.get("offset"), "captured_at.offset")
    config = replace(
        emulator.config, clock="manual", state_file=None, control_token=None, host="127.0.0.1", conformance="off"
    )
    # Its clock starts where the recorded call began: every time in the two stories lines up.
    clone = Emulator(config, clock=Clock(start=start, mode="manual"))
    clone.scenarios.add(emulator.scenarios.entries(), replace=True)
    app = create_app(clone, dialect)
    clone.conformance = checks_of(emulator)
    clone.transport = clone.dispatcher.transport = CheckedTransport(Answers(attempts), clone)
    clone.clock.set(start)
    client = Client(app)
    ids = await _setup(client, doc, requests)
    new_call: str | None = None
    for entry in requests:
        await _until(clone, start + entry.offset)
        path, body = _map(entry.path, ids), _map(entry.request_body, ids)
        headers = (
            {"CallingBox-Emulator-Scenario": str(doc.scenario.get("name"))}
            if entry.creates_call and doc.scenario.get("reason") == "header"
            else {}
        )
        status, answer = await client.send(entry.method, path, entry.query, body, ids["key"], headers)
        if entry.creates_call and status in (200, 201):
            new_call = json.loads(answer).get("id")
            ids[str(doc.call.get("id"))] = str(new_call)
    await _until(clone, start + captured)
    await clone.settle()
    call = _find(clone, new_call)
    if call is None:
        replayed: dict[str, Any] = {"format": timeline.FORMAT, "call": {}, "entries": [], "scenario": {}}
    else:
        replayed = timeline.build(clone, call)
    differences = timeline_diff.compare(timeline_diff.story(document), timeline_diff.story(replayed))
    return {"same": not differences, "differences": differences, "replayed": replayed}


async def _until(clone: Emulator, when: float) -> None:
    if when > clone.clock.now():
        await clone.advance_async(when - clone.clock.now())


def _find(clone: Emulator, call_id: str | None) -> Any:
    for org in clone.store.orgs.oldest_first():
        call = org.calls.get(call_id) if call_id else None
        if call is not None:
            return call
    return None


def _map(text: str, ids: dict[str, str]) -> str:
    for old, new in ids.items():
        if old != "key":
            text = text.replace(old, new)
    return text


async def _setup(client: Client, doc: Replayable, requests: list[RequestEntry]) -> dict[str, str]:
    """A fresh org in the clone, with the call's caller number and agent again when a request names
    the agent (created through the API's agent and number routes)."""
    status, body = await client.send("POST", "/_emulator/orgs", "", "{}", None, {})
    if status != 201:
        raise InvalidRequest(f"the replay could not create its org: {body.decode()[:300]}")
    org = json.loads(body)
    ids = {"key": org["api_key"]}
    agent = doc.agent
    named = " ".join(f"{r.path} {r.request_body}" for r in requests)
    if agent is None or str(agent.get("id")) not in named:
        return ids  # no request names the agent (a dialect whose org has a default agent): the org is enough
    number = doc.call.get("from_number")
    status, body = await client.send(
        "POST", "/v1/numbers/purchase", "", json.dumps({"phone_number": number}), ids["key"], {}
    )
    if status != 201:
        raise InvalidRequest(f"call.from_number: could not be bought again in the replay: {body.decode()[:300]}")
    fields = {k: v for k, v in agent.items() if k != "id" and v is not None}
    fields["number_ids"] = [json.loads(body)["id"]]
    status, body = await client.send("POST", "/v1/agents", "", json.dumps(fields), ids["key"], {})
    if status != 201:
        raise InvalidRequest(f"agent: could not be created again in the replay: {body.decode()[:300]}")
    ids[str(agent.get("id"))] = json.loads(body)["id"]
    return ids


class Client:
    """Requests straight into an ASGI app (no sockets, no HTTP client library)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def send(
        self, method: str, path: str, query: str, body: str, key: str | None, extra: dict[str, str]
    ) -> tuple[int, bytes]:
        raw = body.encode()
        headers = [(b"host", b"127.0.0.1"), (b"content-length", str(len(raw)).encode())]
        if raw:
            headers.append((b"content-type", b"application/json"))
        if key:
            headers.append((b"authorization", f"Bearer {key}".encode()))
        headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 80),
            "root_path": "",
        }
        sent = False
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)
